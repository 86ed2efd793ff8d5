import * as fs from 'fs';
import * as path from 'path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { failingChecks, statusOf } from '../../lambda-src/run-outcome/outcome';
import { announcedRun } from '../../lambda-src/run-task/announce';
import { RunTaskFailedError } from '../../lambda-src/run-task/run-site';
import { metricsLine, siteMetricsFromEnv } from '../../lambda-src/shared/run-events';
import { stoppedTaskOf } from '../../lambda-src/shared/task-event';
import { reportUrlOf } from '../../src/contract/run-events';

// budgetResult.json as sitespeed.io 39.2.0 wrote it in test/e2e/budget.e2e.ts (one check failing, one holding).
const BUDGET = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'budgetResult.json'), 'utf8'));

describe('run outcomes', () => {
  test('the failing checks of a real budgetResult.json, by page, with values and limits', () => {
    expect(failingChecks(BUDGET)).toEqual([{
      page: 'home', metric: 'Total Requests', type: 'requests', value: 2, limit: 0, friendlyValue: 2, friendlyLimit: 0, limitType: 'max',
    }]);
  });

  test.each([undefined, null, 'text', [], { failing: [] }, { failing: { home: 'x' } }, { failing: { home: [null, 3, { type: 'no metric' }] } }])(
    'a budget file that is not one (%j): no failing checks, never an error', budget => {
      expect(failingChecks(budget)).toEqual([]);
    });

  test.each([
    ['ok', 0, true, []],
    ['budget failed', 1, true, failingChecks(BUDGET)],
    ['failed', 1, true, []],
    ['failed', 2, true, []],
    ['failed', undefined, true, []],
    ['no report', 0, false, []],
    ['no report', 1, false, failingChecks(BUDGET)],
  ])('%s: exit %p, a report %p', (status, exitCode, hasReport, failing) => {
    expect(statusOf(exitCode as number | undefined, hasReport as boolean, failing as any)).toBe(status);
  });

  test('the report link is the viewer URL, the slug and the run folder; none without either', () => {
    expect(reportUrlOf('https://d1.cloudfront.net/', 'docs', '2026-11-28-05-00-00')).toBe('https://d1.cloudfront.net/docs/2026-11-28-05-00-00/index.html');
    expect(reportUrlOf(undefined, 'docs', '2026-11-28-05-00-00')).toBeNull();
    expect(reportUrlOf('https://d1.cloudfront.net', 'docs', undefined)).toBeNull();
  });

  test('metrics in the embedded metric format: namespace, the cluster\'s dimension only by default (each dimension set is a custom metric), units, values at the top level', () => {
    const line: any = metricsLine('prod-cluster', 'docs', { Runs: 1, RunDuration: 42 }, { RunDuration: 'Seconds' });
    expect(line._aws.CloudWatchMetrics).toEqual([{
      Namespace: 'cdk-sitespeed',
      Dimensions: [['Cluster']],
      Metrics: [{ Name: 'Runs', Unit: 'Count' }, { Name: 'RunDuration', Unit: 'Seconds' }],
    }]);
    // The site stays a field of the line (Logs Insights), not a dimension.
    expect(line).toMatchObject({ Cluster: 'prod-cluster', Site: 'docs', Runs: 1, RunDuration: 42 });
    expect(typeof line._aws.Timestamp).toBe('number');
    const perSite: any = metricsLine('prod-cluster', 'docs', { Runs: 1 }, {}, true);
    expect(perSite._aws.CloudWatchMetrics[0].Dimensions).toEqual([['Cluster', 'Site'], ['Cluster']]);
  });

  test('SITE_METRICS names the sites with per-site metrics; anything but a JSON array of slugs is a deployment error that says so', () => {
    expect(siteMetricsFromEnv({ SITE_METRICS: '["docs"]' })('docs')).toBe(true);
    expect(siteMetricsFromEnv({ SITE_METRICS: '["docs"]' })('shop')).toBe(false);
    expect(siteMetricsFromEnv({})('docs')).toBe(false);
    expect(() => siteMetricsFromEnv({ SITE_METRICS: 'docs' })).toThrow("environment variable SITE_METRICS must be a JSON array of site slugs, got 'docs'");
  });

  test('the task event gives the run\'s arguments, its task and whether it is a confirmation run', () => {
    const filter = { clusterArn: 'arn:aws:ecs:eu-north-1:1:cluster/c', family: 'fam', containerName: 'sitespeed' };
    const task = stoppedTaskOf({
      'detail-type': 'ECS Task State Change',
      'detail': {
        lastStatus: 'STOPPED',
        clusterArn: filter.clusterArn,
        taskDefinitionArn: 'arn:aws:ecs:eu-north-1:1:task-definition/fam:3',
        taskArn: 'arn:aws:ecs:eu-north-1:1:task/c/abc',
        startedAt: '2026-11-28T05:00:00Z',
        stoppedAt: '2026-11-28T05:03:00Z',
        containers: [{ name: 'sitespeed', exitCode: 1 }],
        overrides: { containerOverrides: [{ name: 'sitespeed', command: ['https://a.example/', '--slug', 'docs'], environment: [{ name: 'CDK_SITESPEED_RERUN', value: 'true' }] }] },
      },
    }, filter);
    expect(task).toMatchObject({ site: 'docs', args: ['https://a.example/', '--slug', 'docs'], taskArn: 'arn:aws:ecs:eu-north-1:1:task/c/abc', rerun: true, exitCode: 1 });
    expect(task).toMatchObject({ onDemand: false });
  });
});

describe('runTask announces the runs it does not start', () => {
  const events = mockClient(EventBridgeClient);
  const client = new EventBridgeClient({});
  const cluster = 'arn:aws:ecs:eu-north-1:123456789012:cluster/prod-Sitespeed';
  const sent = () => events.commandCalls(PutEventsCommand).map(c => c.args[0].input.Entries![0]);
  beforeEach(() => events.reset());

  test('a run skipped by the overlap guard: a Sitespeed Run Skipped event and a RunsSkipped metric', async () => {
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const lines: any[] = [];
    const outcome = await announcedRun(client, cluster, 'docs', async () => ({ site: 'docs', skipped: 'previous run still in progress', running: ['t RUNNING'] }), l => lines.push(l));
    expect(outcome).toMatchObject({ skipped: 'previous run still in progress' });
    expect(sent()).toEqual([{ Source: 'cdk-sitespeed', DetailType: 'Sitespeed Run Skipped', Detail: expect.any(String) }]);
    expect(JSON.parse(sent()[0].Detail!)).toEqual({ version: 1, cluster: 'prod-Sitespeed', site: 'docs', reason: 'previous run still in progress', running: ['t RUNNING'] });
    expect(lines).toEqual([expect.objectContaining({ Site: 'docs', RunsSkipped: 1 })]);
  });

  test('a run RunTask refused: a Sitespeed Run Not Started event, and the error still thrown (Lambda retries, then dead-letters)', async () => {
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const refused = new RunTaskFailedError('RunTask for site docs failed: RESOURCE:MEMORY');
    await expect(announcedRun(client, cluster, 'docs', async () => { throw refused; }, () => {})).rejects.toBe(refused);
    expect(JSON.parse(sent()[0].Detail!)).toEqual({ version: 1, cluster: 'prod-Sitespeed', site: 'docs', reason: 'RunTask for site docs failed: RESOURCE:MEMORY' });
    expect(sent()[0].DetailType).toBe('Sitespeed Run Not Started');
  });

  test('a started run: no event (its outcome comes when it stops), a RunsStarted metric', async () => {
    const lines: any[] = [];
    await announcedRun(client, cluster, 'docs', async () => ({ site: 'docs', started: 'arn:task' }), l => lines.push(l));
    expect(sent()).toEqual([]);
    expect(lines).toEqual([expect.objectContaining({ RunsStarted: 1 })]);
  });

  test('an event PutEvents refuses for a skipped run is logged, not thrown: the run must not be started again by a retry', async () => {
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }] });
    const lines: any[] = [];
    await announcedRun(client, cluster, 'docs', async () => ({ site: 'docs', skipped: 'previous run still in progress', running: [] }), l => lines.push(l));
    expect(lines).toContainEqual({ event: 'Sitespeed Run Skipped', lost: 'PutEventsFailedError: PutEvents refused the Sitespeed Run Skipped event: ThrottlingException slow down' });
  });
});
