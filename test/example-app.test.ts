import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { cfnLintFiles, templatesIn } from './harness/cfn-lint';
import { runNag, testApp } from './harness/nag';
import { buildReferenceApp, STAGES } from '../examples/app';

// The reference deployment is what README users synthesize first: every stage must pass both linters.
describe('examples/app.ts', () => {
  const app = testApp();
  const stages = buildReferenceApp(app, { nag: false });
  const nag = runNag(app);
  const templates = templatesIn(app.outdir);

  test('three stages, each with its network, metrics and sitespeed stack, prefixed with the stage', () => {
    expect(stages.map(s => s.stageName)).toEqual(STAGES);
    expect(templates.map(t => path.relative(app.outdir, t).split(path.sep)[0]).filter((v, i, a) => a.indexOf(v) === i))
      .toEqual(['assembly-dev', 'assembly-prod', 'assembly-staging']);
    for (const stage of stages) {
      expect([stage.network, stage.metrics, stage.sitespeed].map(s => s.stackName))
        .toEqual([`${stage.stageName}-Network`, `${stage.stageName}-Metrics`, `${stage.stageName}-Sitespeed`]);
    }
  });

  test('cdk-nag AwsSolutions on every stage: no unacknowledged finding, every acknowledgement with a reason', () => {
    expect(nag.errors).toEqual([]);
    for (const stage of STAGES) expect(nag.acknowledged.some(a => a.path.startsWith(`${stage}/`))).toBe(true);
    for (const a of nag.acknowledged) expect({ rule: a.rule, reason: a.reason.length > 30 }).toEqual({ rule: a.rule, reason: true });
  });

  test('cfn-lint: no error in any template of any stage', () => {
    expect(templates).toHaveLength(9);
    expect(cfnLintFiles(templates).filter(m => m.level === 'Error')).toEqual([]);
  });

  test('no synth of any stage prints a warning (a library default CDK warns about, such as a TLS minimum the default certificate ignores)', () => {
    const fresh = testApp();
    buildReferenceApp(fresh, { nag: false });
    const messages = fresh.synth().nestedAssemblies
      .flatMap(stage => stage.nestedAssembly.stacks)
      .flatMap(stack => stack.messages.map(m => `${stack.stackName} ${m.level}: ${String(m.entry.data)}`));
    expect(messages).toEqual([]);
  });

  test('no NAT gateway and no load balancer in any stage', () => {
    for (const file of templates) {
      const text = fs.readFileSync(file, 'utf8');
      expect(text).not.toContain('AWS::EC2::NatGateway');
      expect(text).not.toContain('AWS::ElasticLoadBalancing');
    }
  });

  test('dev and staging mirror prod at zero capacity with every schedule disabled; prod runs', () => {
    for (const stage of stages) {
      const running = stage.stageName === 'prod';
      const sitespeed = Template.fromStack(stage.sitespeed);
      const metrics = Template.fromStack(stage.metrics);
      const groups = [sitespeed, metrics].flatMap(t => Object.values(t.findResources('AWS::AutoScaling::AutoScalingGroup')));
      expect(groups).toHaveLength(3);
      for (const group of groups) {
        if (running) expect(Number(group.Properties.MaxSize)).toBeGreaterThan(0);
        else expect([group.Properties.MinSize, group.Properties.MaxSize]).toEqual(['0', '0']);
      }
      const schedules = Object.values(sitespeed.findResources('AWS::Scheduler::Schedule')).map(s => s.Properties.State);
      expect(schedules).toEqual(Array(5).fill(running ? 'ENABLED' : 'DISABLED'));
      // Same resources in every stage but prod's on/off schedule and its alerts (a running stage's):
      // the mirrors are the real thing, switched off.
      const alerting = (r: any) => /^(HostTc)?Alerts/.test(r.id);
      const types = (t: Template) => Object.entries(t.toJSON().Resources).map(([id, r]: [string, any]) => ({ id, type: r.Type }))
        .filter(r => r.type !== 'AWS::AutoScaling::ScheduledAction' && !alerting(r)).map(r => r.type).sort();
      expect(types(sitespeed)).toEqual(types(Template.fromStack(stages[2].sitespeed)));
      const alerts = Object.keys(sitespeed.toJSON().Resources).filter(id => alerting({ id }));
      if (running) expect(alerts.length).toBeGreaterThan(10);
      else expect(alerts).toEqual([]);
      expect(types(metrics)).toEqual(types(Template.fromStack(stages[2].metrics)));
    }
  });

  test('each stage sends metrics under its own namespace to its own Graphite', () => {
    for (const stage of stages) {
      const site = stage.sitespeed.sitespeed.node.findChild('Shop') as any;
      expect(site.sitespeedArgs.join(' ')).toContain(`--graphite.host graphite.sitespeed.internal --graphite.port 2003 --graphite.namespace sitespeed_io.${stage.stageName}`);
    }
  });

  test('an unknown stage is refused', () => {
    expect(() => buildReferenceApp(testApp(), { nag: false, stages: ['qa'] })).toThrow(/stages: 'qa' is not one of dev, staging, prod/);
  });
});
