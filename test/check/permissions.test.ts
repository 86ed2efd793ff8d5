import * as fs from 'fs';
import * as path from 'path';
import { DeployedFixture, Knobs } from './deployment-fixture';
import { main } from '../../cli-src/cdk-sitespeed';
import { checkPolicy, markPolicy, runPolicy } from '../../cli-src/check/permissions';
import { resetMoto } from '../harness/moto';

// The permissions `cdk-sitespeed check` documents (--print-policy, docs/check.md) against the calls it
// really makes: every AWS call of every client, recorded while it checks the reference deployment
// on moto, named as IAM names them.
const SERVICE: Record<string, string> = {
  cfn: 'cloudformation',
  ecs: 'ecs',
  autoScaling: 'autoscaling',
  ssm: 'ssm',
  s3: 's3',
  sqs: 'sqs',
  sns: 'sns',
  lambda: 'lambda',
  scheduler: 'scheduler',
  cloudWatch: 'cloudwatch',
  iam: 'iam',
};
// Where IAM's action differs from the API's name (Service Authorization Reference).
const IAM_NAME: Record<string, string> = {
  's3:ListObjectsV2': 's3:ListBucket',
  's3:GetBucketLifecycleConfiguration': 's3:GetLifecycleConfiguration',
  'lambda:Invoke': 'lambda:InvokeFunction',
};

async function callsOf(args: string[], command: string[] = ['check', '--stack', 'prod-*', '--step-timeout', '20'], knobs: Knobs = {}):
Promise<{ code: number; calls: Set<string> }> {
  await resetMoto();
  const fixture = await DeployedFixture.create({ alarmDelivery: 'published', ...knobs });
  const calls = new Set<string>();
  try {
    const code = await main([...command, ...args], { out: () => {}, err: () => {}, tty: false }, () => {
      const clients: any = fixture.clients();
      for (const [key, service] of Object.entries(SERVICE)) {
        clients[key].middlewareStack.add((next: any, context: any) => async (a: any) => {
          const action = `${service}:${String(context.commandName).replace(/Command$/, '')}`;
          calls.add(IAM_NAME[action] ?? action);
          return next(a);
        }, { step: 'initialize', priority: 'high', name: 'recordCalls' });
      }
      return clients;
    }, fixture.clock());
    return { code, calls };
  } finally {
    await fixture.close();
  }
}

const actionsOf = (policy: any): Set<string> => new Set(policy.Statement.flatMap((s: any) => s.Action));

test('the policy names exactly the calls the check makes: with the run and --test-alarm, and without either', async () => {
  const full = await callsOf(['--test-alarm']);
  expect(full.code).toBe(0);
  expect([...full.calls].sort()).toEqual([...actionsOf(checkPolicy(['prod-*'], { run: true, testAlarm: true }))].sort());

  const readOnly = await callsOf(['--no-run']);
  expect(readOnly.code).toBe(0);
  const readOnlyPolicy = actionsOf(checkPolicy(['prod-*'], { run: false, testAlarm: false }));
  for (const call of readOnly.calls) expect({ call, allowed: readOnlyPolicy.has(call) }).toEqual({ call, allowed: true });
  // Nothing that changes the account without the run or --test-alarm.
  expect([...readOnlyPolicy].filter(a => /InvokeFunction|SetAlarmState/.test(a))).toEqual([]);
}, 120_000);

test('--print-policy prints it for the given stacks, names the probes\' SSM document, and calls nothing', async () => {
  const out: string[] = [];
  const code = await main(['check', '--stack', 'prod-*', '--no-run', '--print-policy'], { out: t => out.push(t), err: () => {}, tty: false },
    () => { throw new Error('--print-policy must not call AWS'); });
  expect(code).toBe(0);
  const policy = JSON.parse(out.join('\n'));
  expect(policy).toEqual(checkPolicy(['prod-*'], { run: false, testAlarm: false }));
  const statement = (action: string) => policy.Statement.find((s: any) => s.Action.includes(action));
  expect(statement('cloudformation:GetTemplate').Resource).toEqual(['arn:aws:cloudformation:*:*:stack/prod-*/*']);
  expect(statement('ssm:SendCommand').Resource).toEqual(['arn:aws:ssm:*::document/AWS-RunShellScript', 'arn:aws:ec2:*:*:instance/*']);
  expect(statement('lambda:InvokeFunction')).toBeUndefined();
});

test('docs/check.md shows exactly what --print-policy prints', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'check.md'), 'utf8');
  const block = /npx cdk-sitespeed check --stack 'prod-\*' --print-policy<\/code><\/summary>\n\n```json\n([\s\S]*?)\n```/.exec(readme);
  expect(block).not.toBeNull();
  expect(JSON.parse(block![1])).toEqual(checkPolicy(['prod-*'], { run: true, testAlarm: false }));
});

test('`cdk-sitespeed run` calls exactly what its --print-policy allows: the check\'s statements cut to its calls', async () => {
  const ran = await callsOf(['--site', 'blog'], ['run', '--stack', 'prod-*']);
  expect(ran.code).toBe(0);
  // A failed budget is read from the report: the one call an ok run does not make.
  const failed = await callsOf(['--site', 'blog'], ['run', '--stack', 'prod-*'], { exitCode: 1, budgetFailures: true });
  expect(failed.code).toBe(1);
  expect([...new Set([...ran.calls, ...failed.calls])].sort()).toEqual([...actionsOf(runPolicy(['prod-*']))].sort());
  const out: string[] = [];
  expect(await main(['run', '--stack', 'prod-*', '--print-policy'], { out: t => out.push(t), err: () => {}, tty: false },
    () => { throw new Error('--print-policy must not call AWS'); })).toBe(0);
  expect(JSON.parse(out.join('\n'))).toEqual(runPolicy(['prod-*']));
}, 120_000);

test('docs/run.md shows exactly what `run --print-policy` prints', () => {
  const page = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'run.md'), 'utf8');
  const block = /npx cdk-sitespeed run --stack 'prod-\*' --print-policy<\/code><\/summary>\n\n```json\n([\s\S]*?)\n```/.exec(page);
  expect(block).not.toBeNull();
  expect(JSON.parse(block![1])).toEqual(runPolicy(['prod-*']));
});

test('`cdk-sitespeed mark` calls exactly what its --print-policy allows (the function\'s own calls are its role\'s)', async () => {
  const marked = await callsOf(['--message', 'v1.2.3'], ['mark', '--stack', 'prod-*']);
  expect(marked.code).toBe(0);
  expect([...marked.calls].sort()).toEqual([...actionsOf(markPolicy(['prod-*']))].sort());
}, 120_000);

test('docs/deploy-markers.md shows exactly what `mark --print-policy` prints', () => {
  const page = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'deploy-markers.md'), 'utf8');
  const block = /npx cdk-sitespeed mark --stack 'prod-\*' --print-policy<\/code><\/summary>\n\n```json\n([\s\S]*?)\n```/.exec(page);
  expect(block).not.toBeNull();
  expect(JSON.parse(block![1])).toEqual(markPolicy(['prod-*']));
});
