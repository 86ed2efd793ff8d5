import { DescribeTasksCommand, ECSClient, ListTasksCommand, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { BadRequestError, parseRunRequest, runnerConfigFromEnv } from '../../lambda-src/run-task/request';
import { runSite } from '../../lambda-src/run-task/run-site';
import { handler } from '../../lambda-src/run-task.lambda';
import { siteOfStartedBy, startedByFor } from '../../src/contract/site-names';
import { overridesSize, runOverrides } from '../../src/contract/sitespeed-args';

const config = {
  cluster: 'arn:aws:ecs:eu-north-1:123456789012:cluster/sitespeed',
  taskDefinition: 'arn:aws:ecs:eu-north-1:123456789012:task-definition/sitespeed:3',
  capacityProvider: 'sitespeed-cp',
  containerName: 'sitespeed',
  provisioningLimitMinutes: 30,
};
const request = { site: 'shop', args: ['https://shop.example.com/', '--slug', 'shop', '--utc', 'true'] };
const ecs = mockClient(ECSClient);
// The handler announces skipped and refused runs on EventBridge (run-task/announce.ts): never the real one here.
const eventBridge = mockClient(EventBridgeClient);

beforeEach(() => ecs.reset());

describe('runSite', () => {
  test('starts one task through the capacity provider, with startedBy, the site tag and the args as an array', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:task/1' }], failures: [] });
    const outcome = await runSite(new ECSClient({}), request, config);
    expect(outcome).toEqual({ site: 'shop', started: 'arn:task/1' });
    expect(ecs.commandCalls(ListTasksCommand)[0].args[0].input).toEqual({
      cluster: config.cluster, startedBy: 'sitespeed/shop', desiredStatus: 'RUNNING',
    });
    const input = ecs.commandCalls(RunTaskCommand)[0].args[0].input;
    expect(input).toEqual({
      cluster: config.cluster,
      taskDefinition: config.taskDefinition,
      count: 1,
      capacityProviderStrategy: [{ capacityProvider: 'sitespeed-cp', weight: 1 }],
      startedBy: 'sitespeed/shop',
      tags: [{ key: 'sitespeed:site', value: 'shop' }],
      enableECSManagedTags: true,
      overrides: { containerOverrides: [{ name: 'sitespeed', command: request.args }] },
    });
    expect(input).not.toHaveProperty('launchType');
  });

  test('skips while a run of the same site is PROVISIONING, PENDING or RUNNING, and says which', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:task/old'] });
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: 'arn:task/old', lastStatus: 'PROVISIONING' }] });
    const outcome = await runSite(new ECSClient({}), request, config);
    expect(outcome).toEqual({ site: 'shop', skipped: 'previous run still in progress', running: ['arn:task/old PROVISIONING'] });
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  describe('a run stuck in PROVISIONING (no capacity came) does not block the site for ever', () => {
    const now = new Date('2026-11-27T10:00:00Z');
    const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
    let logs: jest.SpyInstance;
    beforeEach(() => {
      logs = jest.spyOn(console, 'log').mockImplementation(() => {});
      ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:task/old'] });
      ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:task/new' }], failures: [] });
    });
    afterEach(() => logs.mockRestore());

    test('past the limit it is stopped, with the reason, and the new run starts', async () => {
      ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: 'arn:task/old', lastStatus: 'PROVISIONING', createdAt: minutesAgo(31) }] });
      const outcome = await runSite(new ECSClient({}), request, config, now);
      expect(outcome).toEqual({ site: 'shop', started: 'arn:task/new', stopped: ['arn:task/old'] });
      expect(ecs.commandCalls(StopTaskCommand).map(c => c.args[0].input)).toEqual([{
        cluster: config.cluster,
        task: 'arn:task/old',
        reason: 'cdk-sitespeed: waited over 30 min in PROVISIONING (no capacity); a new run of shop replaces it',
      }]);
      expect(JSON.parse(logs.mock.calls[0][0])).toEqual({ site: 'shop', stopped: 'arn:task/old', reason: expect.stringContaining('PROVISIONING') });
    });

    test.each([
      ['within the limit', [{ taskArn: 'arn:task/old', lastStatus: 'PROVISIONING', createdAt: minutesAgo(29) }]],
      ['PENDING (it has capacity: it is starting)', [{ taskArn: 'arn:task/old', lastStatus: 'PENDING', createdAt: minutesAgo(90) }]],
      ['one of two still running', [
        { taskArn: 'arn:task/old', lastStatus: 'PROVISIONING', createdAt: minutesAgo(90) },
        { taskArn: 'arn:task/older', lastStatus: 'RUNNING', createdAt: minutesAgo(95) },
      ]],
      ['no creation time to judge by', [{ taskArn: 'arn:task/old', lastStatus: 'PROVISIONING' }]],
    ])('%s: skipped, nothing stopped', async (_name, tasks) => {
      ecs.on(DescribeTasksCommand).resolves({ tasks });
      const outcome = await runSite(new ECSClient({}), request, config, now);
      expect(outcome).toMatchObject({ site: 'shop', skipped: 'previous run still in progress' });
      expect(ecs.commandCalls(StopTaskCommand)).toHaveLength(0);
      expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
    });
  });

  test('RunTask failures fail the invocation with their reasons', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ arn: 'arn:cp', reason: 'CAPACITY_PROVIDER_NOT_READY', detail: 'scaling' }] });
    await expect(runSite(new ECSClient({}), request, config))
      .rejects.toThrow('RunTask for site shop failed: arn:cp: CAPACITY_PROVIDER_NOT_READY: scaling');
  });

  test('a RunTask that starts nothing and reports nothing is a failure too', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [] });
    await expect(runSite(new ECSClient({}), request, config)).rejects.toThrow('started no task and reported no failure');
  });
});

describe('confirmation runs (SiteAlerts)', () => {
  test('a request with rerun: true starts the run with the mark its stopped event carries, and nothing else changes', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:task/2' }], failures: [] });
    await runSite(new ECSClient({}), parseRunRequest({ ...request, rerun: true }), config);
    expect(ecs.commandCalls(RunTaskCommand)[0].args[0].input.overrides).toEqual({
      containerOverrides: [{ name: 'sitespeed', command: request.args, environment: [{ name: 'CDK_SITESPEED_RERUN', value: 'true' }] }],
    });
  });

  test('rerun must be a boolean when given; false is an ordinary run', () => {
    expect(() => parseRunRequest({ ...request, rerun: 'yes' })).toThrow(/"rerun" must be true or false when given, got/);
    expect(parseRunRequest({ ...request, rerun: false })).toEqual(request);
  });

  test('a run on demand (cdk-sitespeed run) carries its own mark, which the stopped event reads back; onDemand must be a boolean', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:task/3' }], failures: [] });
    await runSite(new ECSClient({}), parseRunRequest({ ...request, onDemand: true }), config);
    const overrides = ecs.commandCalls(RunTaskCommand)[0].args[0].input.overrides!;
    expect(overrides).toEqual({
      containerOverrides: [{ name: 'sitespeed', command: request.args, environment: [{ name: 'CDK_SITESPEED_ON_DEMAND', value: 'true' }] }],
    });
    // The size check measures the largest overrides a run can have: both marks.
    expect(overridesSize(request.args)).toBeGreaterThan(JSON.stringify(overrides).length);
    expect(() => parseRunRequest({ ...request, onDemand: 1 })).toThrow(/"onDemand" must be true or false when given, got/);
    expect(parseRunRequest({ ...request, onDemand: false })).toEqual(request);
  });
});

describe('startedByFor', () => {
  test('fits ECS\'s 128 characters and keeps long slugs apart', () => {
    const a = 'a'.repeat(150) + 'x';
    const b = 'a'.repeat(150) + 'y';
    expect(startedByFor('shop')).toBe('sitespeed/shop');
    for (const slug of [a, b, 'z'.repeat(200)]) expect(startedByFor(slug).length).toBeLessThanOrEqual(128);
    expect(startedByFor(a)).not.toBe(startedByFor(b));
    expect(startedByFor(a)).toMatch(/^sitespeed\/[a-zA-Z0-9_/-]+$/);
  });

  test('reportIndex reads a short slug back from it; a hashed one or a foreign startedBy gives nothing', () => {
    for (const slug of ['shop', 'a'.repeat(118)]) expect(siteOfStartedBy(startedByFor(slug))).toBe(slug);
    expect(siteOfStartedBy(startedByFor('a'.repeat(119)))).toBeUndefined();
    for (const other of ['ecs-svc/123', 'sitespeed/', 'sitespeed/a b', 42, undefined]) expect(siteOfStartedBy(other)).toBeUndefined();
  });
});

describe('parseRunRequest', () => {
  test('RunTask\'s 8,192 characters count all that runTask sends, the marks of a confirmation or on-demand run included: a request that fits only without them is refused', () => {
    const base = ['--slug', 'shop', 'https://shop.example.com/'];
    const bare = (args: string[]) => JSON.stringify({ containerOverrides: [{ name: 'sitespeed', command: args }] }).length;
    const filler = 'x'.repeat(8192 - bare([...base, '']));
    const args = [...base, filler];
    // Before, only the bare overrides were measured: exactly at the limit, so accepted; its re-run would be refused by ECS.
    expect(bare(args)).toBe(8192);
    expect(JSON.stringify(runOverrides(args, true, 'sitespeed')).length).toBeGreaterThan(8192);
    expect(() => parseRunRequest({ site: 'shop', args })).toThrow(/the arguments take 83\d\d characters as RunTask overrides; ECS allows 8192/);
    const shorter = [...base, filler.slice(0, filler.length - (overridesSize(args) - 8192))];
    expect(overridesSize(shorter)).toBe(8192);
    expect(parseRunRequest({ site: 'shop', args: shorter, rerun: true }).args).toEqual(shorter);
  });

  test.each([
    ['a string', 'shop', /the event must be an object/],
    ['null', null, /the event must be an object/],
    ['no site', { args: ['x'] }, /"site" must be a slug/],
    ['a site with a space', { site: 'my shop', args: ['x'] }, /"site" must be a slug of 1–200 characters of \[a-zA-Z0-9_-\], not starting with '-', got "my shop"/],
    ['a site that sitespeed.io would read as an option', { site: '-shop', args: ['x'] }, /"site" must be a slug of .*not starting with '-', got "-shop"/],
    ['args as a joined string', { site: 'shop', args: '/start.sh,urls.txt,--config' }, /"args" must be a non-empty array of strings/],
    ['empty args', { site: 'shop', args: [] }, /"args" must be a non-empty array/],
    ['a number in args', { site: 'shop', args: ['--browsertime.iterations', 5] }, /"args\[1\]" must be a string, got 5/],
    ['args too long for ECS', { site: 'shop', args: ['x'.repeat(9000), '--slug', 'shop'] }, /the arguments take 9\d{3} characters as RunTask overrides; ECS allows 8192/],
    // A request that breaks the rules the renderer follows (hand-made, edited, or from another site) starts nothing.
    ['a slug that disagrees with the site', { site: 'shop', args: ['https://a/', '--slug', 'blog'] }, /--slug once, equal to the site 'shop' \(found 'blog'\)/],
    ['no slug at all', { site: 'shop', args: ['https://a/'] }, /--slug once, equal to the site 'shop' \(found 0 times\)/],
    ['two slugs', { site: 'shop', args: ['https://a/', '--slug', 'shop', '--slug=blog'] }, /found 2 times/],
    ['an option and its value in one element', { site: 'shop', args: ['https://a/', '--slug', 'shop', '-n 3'] }, /args\[3\] '-n 3' holds an option and its value in one element/],
    ['a forbidden option', { site: 'shop', args: ['https://a/', '--slug', 'shop', '--outputFolder', '/tmp'] }, /'outputFolder' is not allowed: it drops the <timestamp> folder/],
    ['a typed option twice', { site: 'shop', args: ['https://a/', '--slug', 'shop', '-n', '3', '-n', '9'] }, /'n' sets 'browsertime.iterations' again \(it is set by the iterations prop\)/],
    // Other spellings of the same option (sitespeed.io 42.7.0's aliases and yargs's negation).
    ['a typed option under an alias', { site: 'shop', args: ['https://a/', '--slug', 'shop', '--browsertime.iterations', '3', '-n9'] }, /'n' sets 'browsertime.iterations' again/],
    ['report folders in local time', { site: 'shop', args: ['https://a/', '--slug', 'shop', '--utc', 'true', '--no-utc'] }, /'no-utc' sets 'utc' again/],
    ['a credential', { site: 'shop', args: ['https://a/', '--slug', 'shop', '--graphite.auth', 'u:p'] }, /'graphite.auth' is not allowed: it is a credential/],
    ['a bare --', { site: 'shop', args: ['https://a/', '--slug', 'shop', '--', '--s3.path', 'x'] }, /a bare '--' ends sitespeed.io's options/],
  ])('rejects %s', (_name, event, message) => {
    expect(() => parseRunRequest(event)).toThrow(BadRequestError);
    expect(() => parseRunRequest(event)).toThrow(message);
  });

  test('accepts a well-formed request as it is', () => {
    const args = ['a', 'b c', '--slug', 'shop'];
    expect(parseRunRequest({ site: 'shop', args })).toEqual({ site: 'shop', args });
  });

  test('the runner configuration names a missing variable', () => {
    expect(() => runnerConfigFromEnv({ CLUSTER_ARN: 'c' })).toThrow('environment variable TASK_DEFINITION_ARN is not set');
  });

  test('the PROVISIONING limit comes from the environment (30 minutes without it); a bad one is an error', () => {
    const env = { CLUSTER_ARN: 'c', TASK_DEFINITION_ARN: 't', CAPACITY_PROVIDER: 'p', CONTAINER_NAME: 'sitespeed' };
    expect(runnerConfigFromEnv(env).provisioningLimitMinutes).toBe(30);
    expect(runnerConfigFromEnv({ ...env, PROVISIONING_LIMIT_MINUTES: '45' }).provisioningLimitMinutes).toBe(45);
    expect(() => runnerConfigFromEnv({ ...env, PROVISIONING_LIMIT_MINUTES: '-1' }))
      .toThrow("environment variable PROVISIONING_LIMIT_MINUTES must be a positive number of minutes, got '-1'");
  });
});

describe('handler', () => {
  const env = process.env;
  beforeEach(() => {
    process.env = { ...env, CLUSTER_ARN: config.cluster, TASK_DEFINITION_ARN: config.taskDefinition, CAPACITY_PROVIDER: 'sitespeed-cp', CONTAINER_NAME: 'sitespeed' };
  });
  afterEach(() => { process.env = env; });

  test('malformed input fails the invocation with a logged reason and calls no ECS API', async () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => {});
    await expect(handler({ site: 'shop', args: 'a,b' })).rejects.toThrow(BadRequestError);
    expect(ecs.calls()).toHaveLength(0);
    expect(JSON.parse(errors.mock.calls[0][0])).toEqual({ error: 'BadRequestError', message: expect.stringContaining('"args" must be') });
    errors.mockRestore();
  });

  test('logs one structured line per decision, after its metrics line, and puts the skipped run on the default bus', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:task/old'] });
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: 'arn:task/old', lastStatus: 'RUNNING' }] });
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const logs = jest.spyOn(console, 'log').mockImplementation(() => {});
    await handler(request);
    const lines = logs.mock.calls.map(c => JSON.parse(c[0]));
    expect(lines).toEqual([
      expect.objectContaining({ Cluster: 'sitespeed', Site: 'shop', RunsSkipped: 1 }),
      { site: 'shop', skipped: 'previous run still in progress', running: ['arn:task/old RUNNING'] },
    ]);
    expect(eventBridge.commandCalls(PutEventsCommand)[0].args[0].input.Entries![0].DetailType).toBe('Sitespeed Run Skipped');
    logs.mockRestore();
  });
});
