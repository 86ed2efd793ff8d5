import * as fs from 'fs';
import { cfnLintFiles, templatesIn } from './harness/cfn-lint';
import { runNag, testApp } from './harness/nag';
import { buildReferenceApp } from '../examples/app';

// The reference deployment is what README users synthesize first: it must pass both linters.
describe('examples/app.ts', () => {
  const app = testApp();
  buildReferenceApp(app, { nag: false });
  const nag = runNag(app);

  test('cdk-nag AwsSolutions: no unacknowledged finding, every acknowledgement with a reason', () => {
    expect(nag.errors).toEqual([]);
    expect(nag.acknowledged.length).toBeGreaterThan(0);
    for (const a of nag.acknowledged) expect({ rule: a.rule, reason: a.reason.length > 30 }).toEqual({ rule: a.rule, reason: true });
  });

  test('cfn-lint: no error in any template', () => {
    const templates = templatesIn(app.outdir);
    expect(templates.length).toBeGreaterThan(0);
    expect(cfnLintFiles(templates).filter(m => m.level === 'Error')).toEqual([]);
  });

  test('no NAT gateway and no load balancer', () => {
    for (const file of templatesIn(app.outdir)) {
      const text = fs.readFileSync(file, 'utf8');
      expect(text).not.toContain('AWS::EC2::NatGateway');
      expect(text).not.toContain('AWS::ElasticLoadBalancingV2::LoadBalancer');
    }
  });
});
