import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CHECK_METADATA } from '../../src/contract/check-entry';
import { motoClientConfig, motoEndpoint, resetMoto } from '../harness/moto';

// The command as users run it: bin/cdk-sitespeed, with the bundle `npm test` builds into assets/
// (what the package ships), and, in a checkout that has not been built, through ts-node.
const ROOT = path.join(__dirname, '..', '..');
const BUNDLE = path.join(ROOT, 'assets', 'cli-src', 'cdk-sitespeed', 'index.js');

function run(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise(resolve => execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, timeout: 60_000 },
    (error, out, err) => resolve({ code: error ? Number((error as any).code ?? 1) : 0, out, err })));
}

const moto = () => ({
  AWS_ENDPOINT_URL: motoEndpoint(), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1',
});

test('the bundle exists (npm test bundles before it tests): what the package ships', () => {
  expect(fs.existsSync(BUNDLE)).toBe(true);
});

test('bin/cdk-sitespeed check --help, through the bundle', async () => {
  const { code, out } = await run(path.join(ROOT, 'bin', 'cdk-sitespeed'), ['check', '--help']);
  expect(out).toMatch(/^Usage: cdk-sitespeed check --stack NAME/);
  expect(code).toBe(0);
});

test('the bundle with its own SDK against moto\'s CloudFormation: a stack found by its check metadata, read-only with --no-run', async () => {
  await resetMoto();
  const cfn = new CloudFormationClient(motoClientConfig());
  await cfn.send(new CreateStackCommand({
    StackName: 'check-Tiny',
    TemplateBody: JSON.stringify({
      Resources: { Queue: { Type: 'AWS::SQS::Queue', Metadata: { [CHECK_METADATA]: { kind: 'dead-letter-queue', role: 'runs that could not start' } } } },
    }),
  }));
  cfn.destroy();
  const found = await run(path.join(ROOT, 'bin', 'cdk-sitespeed'), ['check', '--stack', 'check-*', '--no-run'], moto());
  expect(found.out).toMatch(/^✓ stacks: check-Tiny \(CREATE_COMPLETE\): 1 dead-letter queue$/m);
  expect(found.out).toMatch(/^✓ queues: .+ \(runs that could not start\) is empty$/m);
  expect(found.out).toMatch(/^– run: no run started \(--no-run\)/m);
  expect(found.out).toMatch(/^– account: no ECS cluster in these stacks$/m);
  expect(found.code).toBe(0);

  const missing = await run(path.join(ROOT, 'bin', 'cdk-sitespeed'), ['check', '--stack', 'prod-Nope'], moto());
  expect(missing.out).toMatch(/^✗ stacks: prod-Nope: ValidationError: Stack with id prod-Nope does not exist$/m);
  expect(missing.code).toBe(1);
});

test('a checkout that was never built runs the TypeScript through ts-node', async () => {
  // The checkout without assets/: the same files, linked.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'checkout-'));
  try {
    fs.mkdirSync(path.join(root, 'bin'));
    fs.copyFileSync(path.join(ROOT, 'bin', 'cdk-sitespeed'), path.join(root, 'bin', 'cdk-sitespeed'));
    for (const dir of ['cli-src', 'src', 'lambda-src', 'shell', 'test', 'node_modules', 'examples', 'bench', 'viewer', 'tsconfig.json', 'package.json']) {
      fs.symlinkSync(path.join(ROOT, dir), path.join(root, dir));
    }
    const { code, out, err } = await run(path.join(root, 'bin', 'cdk-sitespeed'), ['check', '--help']);
    expect(err).toBe('');
    expect(out).toMatch(/^Usage: cdk-sitespeed check --stack NAME/);
    expect(code).toBe(0);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
