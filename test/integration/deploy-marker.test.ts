import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateScheduleCommand, CreateScheduleGroupCommand, GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { AnnotationError, markDeploy, MarkerConfig } from '../../lambda-src/deploy-marker/mark-deploy';
import { runScheduleName } from '../../lambda-src/deploy-marker/run-after';
import { MARKERS_KEY, KEPT_PREFIX } from '../../src/contract/report-keys';
import { startSerialMoto } from '../harness/serial-moto';

// DeployMarkers' function against a moto S3 that, like S3, never interleaves two conditional PUTs
// (serial-moto.ts). ECS and SSM are answered here: the metrics instance, and what the annotation
// script prints per site (the script itself runs in test/lambda/deploy-marker.test.ts and the e2e).
let moto: { endpoint: string; stop: () => void };
let s3: S3Client;
let scheduler: SchedulerClient;
const NOW = new Date('2026-12-06T18:40:00Z');
const waiting = { now: () => Date.now(), sleep: async () => undefined, pollMs: 1, timeoutSeconds: 1 };

beforeAll(async () => {
  moto = await startSerialMoto();
  const endpoint = { endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  s3 = new S3Client({ ...endpoint, forcePathStyle: true });
  scheduler = new SchedulerClient(endpoint);
}, 60_000);
afterAll(() => {
  s3?.destroy();
  scheduler?.destroy();
  moto?.stop();
});

let bucket = '';
let n = 0;
beforeEach(async () => {
  bucket = `markers-${++n}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

const config = (): MarkerConfig => ({
  bucket,
  retentionDays: 90,
  sites: [{ site: 'shop', namespace: 'sitespeed_io.prod' }, { site: 'blog', namespace: 'sitespeed_io.prod' }, { site: 'own', namespace: undefined as any }],
  graphite: { cluster: 'metrics', url: 'http://graphite.sitespeed.internal:80', secretArn: 'arn:s', region: 'us-east-1' },
});

/** The metrics cluster's one instance, and SSM answering with what Graphite said per site. */
function instanceClients(status: (site: string) => number) {
  const sentEvents: any[][] = [];
  const ecs = {
    send: async (command: any) => (command.constructor.name === 'ListContainerInstancesCommand'
      ? { containerInstanceArns: ['arn:ci/1'] }
      : { containerInstances: [{ ec2InstanceId: 'i-0metrics', status: 'ACTIVE' }] }),
  };
  let output = '';
  const ssm = {
    send: async (command: any) => {
      if (command.constructor.name === 'SendCommandCommand') {
        const events = JSON.parse(/EVENTS='([^']*)'/.exec(command.input.Parameters.commands[0])![1]);
        sentEvents.push(events);
        output = events.map((e: any) => `annotated=${e.site} ${status(e.site)}\n`).join('');
        return { Command: { CommandId: 'c1' } };
      }
      return { Status: 'Success', ResponseCode: 0, StandardOutputContent: output };
    },
  };
  return { clients: { s3, ecs: ecs as any, ssm: ssm as any, scheduler }, sentEvents };
}

const markers = async () => {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: MARKERS_KEY }));
  return JSON.parse(await object.Body!.transformToString()).markers;
};
const log = () => undefined;

test('a marker is recorded and annotated once: the same id again (a retry, a copy of the event) adds and posts nothing', async () => {
  const { clients, sentEvents } = instanceClients(() => 200);
  const first = await markDeploy(clients, { message: 'v1.2.3', sites: ['shop', 'own'], id: 'rel-1' }, config(), NOW, waiting, log);
  expect(first).toMatchObject({ id: 'rel-1', added: true, annotated: ['shop'], notAnnotated: ['own: sends to a Graphite other than the cluster\'s GraphiteGrafana'] });
  const again = await markDeploy(clients, { message: 'v1.2.3', sites: ['shop', 'own'], id: 'rel-1' }, config(), NOW, waiting, log);
  expect(again).toMatchObject({ id: 'rel-1', added: false, annotated: ['shop'] });
  expect(sentEvents.map(events => events.map((e: any) => e.site))).toEqual([['shop']]);
  expect(await markers()).toEqual([
    { id: 'rel-1', at: NOW.toISOString(), message: 'v1.2.3', sites: ['shop', 'own'], source: 'cdk-sitespeed mark', annotated: ['shop'] },
  ]);
});

test('Graphite refusing one site: the marker stays on the calendar, the call fails naming it, and the retry posts only that site', async () => {
  let blogStatus = 500;
  const { clients, sentEvents } = instanceClients(site => (site === 'blog' ? blogStatus : 200));
  const failed = markDeploy(clients, { message: 'v2', id: 'rel-2' }, config(), NOW, waiting, log);
  await expect(failed).rejects.toThrow(AnnotationError);
  await expect(failed).rejects.toThrow(/marker rel-2 is on the calendar; its Graphite annotation failed for blog: Graphite answered 500 to POST \/events\/.*--id rel-2/);
  expect((await markers())[0]).toMatchObject({ id: 'rel-2', sites: ['shop', 'blog', 'own'], annotated: ['shop'] });
  blogStatus = 200;
  expect(await markDeploy(clients, { message: 'v2', id: 'rel-2' }, config(), NOW, waiting, log)).toMatchObject({ added: false, annotated: ['blog', 'shop'] });
  expect(sentEvents.map(events => events.map((e: any) => e.site))).toEqual([['shop', 'blog'], ['blog']]);
});

test('no metrics instance running: on the calendar, and the call fails so EventBridge retries the annotation', async () => {
  const clients = { s3, ecs: { send: async () => ({ containerInstanceArns: [], containerInstances: [] }) } as any, ssm: {} as any, scheduler };
  await expect(markDeploy(clients, { message: 'v3', id: 'rel-3', sites: ['shop'] }, config(), NOW, waiting, log))
    .rejects.toThrow(/no metrics instance is running in metrics/);
  expect((await markers()).map((m: any) => m.id)).toEqual(['rel-3']);
});

test('a burst of markers at once: every one recorded, none doubled', async () => {
  const { clients } = instanceClients(() => 200);
  const ids = Array.from({ length: 12 }, (_, i) => `burst-${i}`);
  await Promise.all([...ids, ...ids.slice(0, 4)].map(id => markDeploy(clients, { message: id, id, sites: ['shop'] }, config(), NOW, waiting, log)));
  const stored = await markers();
  expect(stored.map((m: any) => m.id).sort()).toEqual([...ids].sort());
  expect(stored.every((m: any) => m.annotated?.[0] === 'shop')).toBe(true);
}, 60_000);

test('a corrupt markers file is kept aside, never overwritten blindly, and the marker recorded', async () => {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: MARKERS_KEY, Body: '{"version":1,"markers":[{"id":' }));
  const clients = { s3, ecs: {} as any, ssm: {} as any, scheduler };
  await markDeploy(clients, { message: 'v4', id: 'rel-4', sites: ['shop'] }, { ...config(), graphite: undefined }, NOW, waiting, log);
  expect((await markers()).map((m: any) => m.id)).toEqual(['rel-4']);
  const kept = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: KEPT_PREFIX }));
  expect(kept.Contents?.map(c => c.Key)).toEqual([expect.stringMatching(/^\.cdk-sitespeed\/index\/kept\/markers\.corrupt-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.json$/)]);
});

test('a bad request fails loudly and writes nothing', async () => {
  const clients = { s3, ecs: {} as any, ssm: {} as any, scheduler };
  await expect(markDeploy(clients, { message: 'v5', sites: ['nope'] }, config(), NOW, waiting, log)).rejects.toThrow(/sites: no site 'nope' here; choose from shop, blog, own/);
  await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: MARKERS_KEY }))).rejects.toThrow();
});

test('SSM refusing the command (a metrics instance launched before it carried the library\'s tag): the fix named, with the tag and the instance', async () => {
  const denied = Object.assign(new Error('User is not authorized to perform: ssm:SendCommand'), { name: 'AccessDeniedException' });
  const clients = {
    s3,
    ecs: { send: async (c: any) => (c.constructor.name === 'ListContainerInstancesCommand' ? { containerInstanceArns: ['ci'] } : { containerInstances: [{ ec2InstanceId: 'i-0old', status: 'ACTIVE' }] }) } as any,
    ssm: { send: async () => { throw denied; } } as any,
    scheduler,
  };
  const graphite = { ...config().graphite!, tagValue: 'c8abc' };
  await expect(markDeploy(clients, { message: 'v6', id: 'rel-6', sites: ['shop'] }, { ...config(), graphite }, NOW, waiting, log))
    .rejects.toThrow(/SSM refused the command on i-0old: does it carry the tag cdk-sitespeed:cluster=c8abc\?.*aws ec2 create-tags --resources i-0old --tags Key=cdk-sitespeed:cluster,Value=c8abc/);
  expect((await markers()).map((m: any) => m.id)).toEqual(['rel-6']);
});

test('a regression event becomes a marker of its kind: on the calendar beside its runs, annotated with the tag regression, once per regression', async () => {
  const { clients, sentEvents } = instanceClients(() => 200);
  const detected = {
    'source': 'cdk-sitespeed',
    'detail-type': 'Sitespeed Regression Detected',
    'detail': {
      version: 1,
      id: 'shop@2026-12-06-15-00-00',
      cluster: 'perf',
      site: 'shop',
      run: '2026-12-06-18-00-00',
      since: '2026-12-06-15-00-00',
      firstSlowRun: '2026-12-06-16-00-00',
      baselineRuns: 38,
      baselineRun: '2026-12-06-14-00-00',
      findings: [{ url: 'https://shop.example.com/cart', metric: 'largestContentfulPaint', unit: 'ms', baselineMedian: 1500, recentMedian: 1950, shift: 452, lowerBound: 372, pvalue: 1e-9, adjustedPvalue: 6e-9 }],
      reportUrl: null,
      baselineReportUrl: null,
      viewerUrl: null,
    },
  };
  const first = await markDeploy(clients, detected, config(), NOW, waiting, log);
  expect(first).toMatchObject({ id: 'regression:shop:2026-12-06-15-00-00', added: true, annotated: ['shop'] });
  // A copy of the event (EventBridge delivers at least once, the detector puts at least once): nothing added, nothing posted.
  expect(await markDeploy(clients, detected, config(), NOW, waiting, log)).toMatchObject({ added: false, annotated: ['shop'] });
  expect(sentEvents).toHaveLength(1);
  expect(sentEvents[0]).toEqual([{
    site: 'shop',
    what: 'Slower: LCP +30 % (1500 → 1950 ms) /cart',
    tags: ['sitespeed_io', 'prod', 'shop', 'regression'],
    when: Date.parse('2026-12-06T16:00:00Z') / 1000,
    data: 'LCP +30 % (1500 → 1950 ms) /cart (Sitespeed Regression Detected)',
  }]);
  const recovered = { ...detected, 'detail-type': 'Sitespeed Regression Recovered', 'detail': { ...detected.detail, run: '2026-12-06-22-00-00', how: 'recovered' } };
  await markDeploy(clients, recovered, config(), NOW, waiting, log);
  expect((await markers()).map((m: any) => [m.kind, m.at, m.message])).toEqual([
    ['regression', '2026-12-06T16:00:00.000Z', 'LCP +30 % (1500 → 1950 ms) /cart'],
    ['recovered', '2026-12-06T22:00:00.000Z', 'back to its baseline (slower since 2026-12-06-15-00-00)'],
  ]);
  await expect(markDeploy(clients, { ...detected, detail: { ...detected.detail, site: 'docs' } }, config(), NOW, waiting, log))
    .rejects.toThrow("Sitespeed Regression Detected event of site 'docs', which is not a site of this cluster (shop, blog, own): not marked");
});

describe('runAfter: a run of each marked site after the deploy, the way its schedule runs it', () => {
  const target = (site: string) => ({
    Arn: 'arn:aws:lambda:us-east-1:123456789012:function:runTask',
    RoleArn: 'arn:aws:iam::123456789012:role/scheduler',
    Input: JSON.stringify({ site, args: ['https://example.com/'] }),
    RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
    DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:dlq' },
  });
  let group = '';
  const runAfter = () => ({ seconds: 600, group, schedules: { shop: `shop-schedule-${n}`, blog: `blog-schedule-${n}`, own: `own-schedule-${n}` } });
  beforeEach(async () => {
    group = `markers-runs-${n}`;
    await scheduler.send(new CreateScheduleGroupCommand({ Name: group }));
    for (const site of ['shop', 'blog', 'own']) {
      await scheduler.send(new CreateScheduleCommand({
        Name: `${site}-schedule-${n}`, ScheduleExpression: 'cron(0 * * * ? *)', FlexibleTimeWindow: { Mode: 'OFF' }, Target: target(site),
      }));
    }
  });
  const runs = async () => (await scheduler.send(new ListSchedulesCommand({ GroupName: group }))).Schedules ?? [];

  test('one one-time schedule per marked site, 10 min after the marker, with its own schedule\'s target; a retry schedules nothing twice', async () => {
    const { clients } = instanceClients(() => 200);
    const outcome = await markDeploy(clients, { message: 'v3', sites: ['shop', 'blog'], id: 'rel-3' }, { ...config(), runAfter: runAfter() }, NOW, waiting, log);
    expect(outcome.runs).toEqual({ at: '2026-12-06T18:50:00.000Z', sites: ['shop', 'blog'] });
    expect((await runs()).map(s => s.Name).sort()).toEqual([runScheduleName('blog', 'rel-3'), runScheduleName('shop', 'rel-3')].sort());
    const shop = await scheduler.send(new GetScheduleCommand({ Name: runScheduleName('shop', 'rel-3'), GroupName: group }));
    expect(shop).toMatchObject({
      ScheduleExpression: 'at(2026-12-06T18:50:00)',
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: target('shop'),
    });
    const again = await markDeploy(clients, { message: 'v3', sites: ['shop', 'blog'], id: 'rel-3' }, { ...config(), runAfter: runAfter() }, NOW, waiting, log);
    expect(again.runs?.sites).toEqual(['shop', 'blog']);
    expect(await runs()).toHaveLength(2);
  });

  test('a marker handled late runs a minute from now; one over an hour past its runs schedules none; a regression marker never', async () => {
    const { clients } = instanceClients(() => 200);
    const late = new Date(NOW.getTime() + 15 * 60_000);
    const soon = await markDeploy(clients, { message: 'v4', sites: ['shop'], id: 'rel-4', at: NOW.toISOString() }, { ...config(), runAfter: runAfter() }, late, waiting, log);
    expect(soon.runs).toEqual({ at: '2026-12-06T18:56:00.000Z', sites: ['shop'] });
    const old = await markDeploy(clients, { message: 'v5', sites: ['shop'], id: 'rel-5', at: '2026-12-06T10:00:00Z' }, { ...config(), runAfter: runAfter() }, NOW, waiting, log);
    expect(old.runs).toMatchObject({ sites: [], skipped: expect.stringMatching(/over an hour after its runs were due/) });
    const regression = {
      'source': 'cdk-sitespeed',
      'detail-type': 'Sitespeed Regression Detected',
      'id': 'e1',
      'time': NOW.toISOString(),
      'detail': { version: 1, id: 'shop@2026-12-06-17-00-00', cluster: 'perf', site: 'shop', run: '2026-12-06-18-00-00', since: '2026-12-06-17-00-00', firstSlowRun: '2026-12-06-17-00-00', findings: [] },
    };
    const marked = await markDeploy(clients, regression, { ...config(), runAfter: runAfter() }, NOW, waiting, log).catch(e => e);
    expect(marked.runs).toBeUndefined();
    expect((await runs()).map(s => s.Name)).toEqual([runScheduleName('shop', 'rel-4')]);
  });
});
