import { allFailingSummaries } from '../../bench/calendar-fixture';
import { mergeRuns, reconcile, retentionCutoff, retentionDaysOf, runOfOutcome, summaryOf, withSiteSummaries } from '../../lambda-src/report-index/index-files';
import { stoppedTaskOf } from '../../lambda-src/shared/task-event';
import { parseSiteIndex, parseSummary, Run } from '../../src/contract/report-index';
import { runFinishedOf } from '../../src/contract/run-events';
import { folderOf, folderOfTask, isRunFolder } from '../../src/contract/run-folders';

const filter = { clusterArn: 'arn:aws:ecs:eu-north-1:1:cluster/sitespeed', family: 'sitespeed', containerName: 'sitespeed' };
const stopped = (detail: object) => ({
  'detail-type': 'ECS Task State Change',
  'detail': {
    lastStatus: 'STOPPED',
    clusterArn: filter.clusterArn,
    taskDefinitionArn: 'arn:aws:ecs:eu-north-1:1:task-definition/sitespeed:7',
    startedBy: 'sitespeed/shop',
    startedAt: '2026-11-27T08:15:00.000Z',
    stoppedAt: '2026-11-27T08:19:00.000Z',
    containers: [{ name: 'sitespeed', exitCode: 0 }],
    overrides: { containerOverrides: [{ name: 'sitespeed', command: ['https://a/', '--slug', 'shop'] }] },
    ...detail,
  },
});

describe('stoppedTaskOf', () => {
  test('reads the site from the run\'s --slug, the exit code and the times', () => {
    expect(stoppedTaskOf(stopped({}), filter)).toEqual({
      site: 'shop',
      args: ['https://a/', '--slug', 'shop'],
      taskArn: undefined,
      rerun: false,
      onDemand: false,
      exitCode: 0,
      reason: undefined,
      started: true,
      stopCode: undefined,
      createdAt: new Date('2026-11-27T08:15:00.000Z'),
      startedAt: new Date('2026-11-27T08:15:00.000Z'),
      stoppedAt: new Date('2026-11-27T08:19:00.000Z'),
    });
  });

  test('a failed budget is a non-zero exit code with its reason', () => {
    const task = stoppedTaskOf(stopped({ containers: [{ name: 'sitespeed', exitCode: 1, reason: 'budget failed' }] }), filter);
    expect(task).toMatchObject({ site: 'shop', exitCode: 1, reason: 'budget failed' });
  });

  test('falls back to startedBy when the command has no slug', () => {
    expect(stoppedTaskOf(stopped({ overrides: {}, startedBy: 'sitespeed/blog' }), filter)).toMatchObject({ site: 'blog' });
  });

  test.each([
    ['another cluster', { clusterArn: 'arn:aws:ecs:eu-north-1:1:cluster/other' }, /another cluster/],
    ['another family', { taskDefinitionArn: 'arn:aws:ecs:eu-north-1:1:task-definition/grafana:1' }, /another family \(grafana\)/],
    ['a running task', { lastStatus: 'RUNNING' }, /task is RUNNING, not STOPPED/],
    ['no slug anywhere', { overrides: {}, startedBy: 'ecs-svc/123' }, /no site slug/],
    ['a slug with odd characters', { overrides: { containerOverrides: [{ name: 'sitespeed', command: ['--slug', '../x'] }] }, startedBy: '' }, /no site slug/],
  ])('ignores %s, saying why', (_name, detail, why) => {
    expect((stoppedTaskOf(stopped(detail), filter) as { ignored: string }).ignored).toMatch(why);
  });

  test('ignores events that are not task state changes', () => {
    expect(stoppedTaskOf({ rebuild: 'yes' }, filter)).toEqual({ ignored: 'not an ECS Task State Change event' });
  });
});

describe('run folders', () => {
  test('a task is matched to the folder it wrote, allowing a minute of clock skew', () => {
    const folders = ['2026-11-27-08-00-00', '2026-11-27-08-14-30', '2026-11-27-08-15-04', '2026-11-27-09-00-00'];
    expect(folderOfTask(folders, new Date('2026-11-27T08:15:00Z'), new Date('2026-11-27T08:19:00Z'))).toBe('2026-11-27-08-15-04');
    expect(folderOfTask(['2026-11-27-07-00-00'], new Date('2026-11-27T08:15:00Z'), new Date('2026-11-27T08:19:00Z'))).toBeUndefined();
    expect(folderOf(new Date('2026-01-02T03:04:05Z'))).toBe('2026-01-02-03-04-05');
  });
});

const finished = (detail: object = {}) => ({
  'source': 'cdk-sitespeed',
  'detail-type': 'Sitespeed Run Finished',
  'detail': {
    version: 1,
    cluster: 'prod-cluster',
    site: 'shop',
    run: '2026-11-27-08-15-03',
    status: 'ok',
    exitCode: 0,
    reason: null,
    failedBudgetChecks: [],
    reportUrl: null,
    viewerUrl: null,
    startedAt: '2026-11-27T08:15:00.000Z',
    stoppedAt: '2026-11-27T08:19:00.000Z',
    durationSeconds: 240,
    taskArn: null,
    rerun: false,
    ...detail,
  },
});

describe('the index of a run outcome', () => {
  test('an ok run is its folder and exit code', () => {
    expect(runOfOutcome(runFinishedOf(finished()))).toEqual({ run: '2026-11-27-08-15-03', status: 'ok', exitCode: 0 });
  });

  test('a failed budget keeps its checks as the viewer shows them, and the reason', () => {
    const run = runOfOutcome(runFinishedOf(finished({
      status: 'budget failed',
      exitCode: 1,
      reason: 'Essential container in task exited',
      rerun: true,
      failedBudgetChecks: [
        { page: 'home', metric: 'Total Requests', type: 'requests', value: 42, limit: 30, limitType: 'max' },
        { page: 'cart', metric: 'First Contentful Paint', type: 'timings', value: 2400, limit: 1800, friendlyValue: '2.4 s', friendlyLimit: '1.8 s' },
      ],
    })));
    expect(run).toEqual({
      run: '2026-11-27-08-15-03',
      status: 'failed',
      exitCode: 1,
      reason: 'Essential container in task exited',
      rerun: true,
      budget: [
        { page: 'home', metric: 'Total Requests', value: '42', limit: '30', limitType: 'max' },
        { page: 'cart', metric: 'First Contentful Paint', value: '2.4 s', limit: '1.8 s' },
      ],
    });
  });

  test('a run without report is filed at its start time, marked so', () => {
    expect(runOfOutcome(runFinishedOf(finished({ run: null, status: 'no report', exitCode: null, reason: 'CannotPullContainerError' }))))
      .toEqual({ run: '2026-11-27-08-15-00', status: 'failed', reason: 'CannotPullContainerError', report: false });
  });

  test('a budget with more failing checks than the event carries: the index says how many in all', () => {
    const checks = Array.from({ length: 50 }, (_, i) => ({ page: 'home', metric: `m${i}`, type: 't', value: 2, limit: 1 }));
    const run = runOfOutcome(runFinishedOf(finished({ status: 'budget failed', exitCode: 1, failedBudgetChecks: checks, failedBudgetCheckCount: 1200 })));
    expect(run.budget).toHaveLength(50);
    expect(run.budgetCount).toBe(1200);
    expect(runOfOutcome(runFinishedOf(finished({ status: 'budget failed', exitCode: 1, failedBudgetChecks: checks.slice(0, 2), failedBudgetCheckCount: 2 }))).budgetCount)
      .toBeUndefined();
  });

  test('a run that never started is filed as such (before, "not started" was refused as an unknown status and the run reached no index): failed, or unknown when the hardStop schedule held it', () => {
    const notStarted = { run: null, status: 'not started', exitCode: null, reason: 'waited over 30 min in PROVISIONING', stopCode: 'UserInitiated', heldByHardStop: false };
    expect(runOfOutcome(runFinishedOf(finished(notStarted))))
      .toEqual({ run: '2026-11-27-08-15-00', status: 'failed', reason: 'waited over 30 min in PROVISIONING', report: false, started: false, stopCode: 'UserInitiated' });
    expect(runOfOutcome(runFinishedOf(finished({ ...notStarted, heldByHardStop: true })))).toMatchObject({ status: 'unknown', started: false });
  });

  test('a task stopped before it ran has no startedAt: not started, asked for at its createdAt', () => {
    const task = stoppedTaskOf(stopped({ startedAt: undefined, createdAt: '2026-11-27T08:14:00.000Z', stopCode: 'TaskFailedToStart', containers: [{ name: 'sitespeed' }] }), filter);
    expect(task).toMatchObject({ started: false, stopCode: 'TaskFailedToStart', createdAt: new Date('2026-11-27T08:14:00.000Z') });
    expect(stoppedTaskOf(stopped({}), filter)).toMatchObject({ started: true });
  });

  test.each([
    ['another event', { 'detail-type': 'ECS Task State Change', 'detail': {} }, /expected a "Sitespeed Run Finished" event/],
    ['a newer version', finished({ version: 2 }), /detail\.version is 2; expected 1/],
    ['a slug that is no slug', finished({ site: '../etc' }), /detail\.site is "\.\.\/etc"; expected a site slug/],
    ['a run that is no folder', finished({ run: 'yesterday' }), /detail\.run is "yesterday"; expected null or a run folder/],
    ['an unknown status', finished({ status: 'great' }), /detail\.status is "great"; expected ok, budget failed, failed, no report, not started/],
    ['a bad start', finished({ startedAt: 'soon' }), /detail\.startedAt is "soon"; expected an ISO 8601 time/],
  ])('%s is an error naming the field', (_name, event, message) => {
    expect(() => runFinishedOf(event)).toThrow(message);
  });

  test('RETENTION_DAYS is a whole number of days or empty', () => {
    expect(retentionDaysOf('')).toBeNull();
    expect(retentionDaysOf(undefined)).toBeNull();
    expect(retentionDaysOf('90')).toBe(90);
    expect(() => retentionDaysOf('1.5')).toThrow(/RETENTION_DAYS is '1.5'; expected a whole number of days, or empty/);
  });
});

describe('index files', () => {
  const ok = (run: string) => ({ run, status: 'ok' as const, exitCode: 0 });

  test('merging a run keeps what is known and drops runs older than the retention', () => {
    const runs = [ok('2026-08-01-08-00-00'), { run: '2026-11-26-08-00-00', status: 'unknown' as const }];
    const cutoff = retentionCutoff(90, new Date('2026-11-27T12:00:00Z'));
    expect(cutoff).toBe('2026-08-29-12-00-00');
    expect(mergeRuns(runs, [{ run: '2026-11-26-08-00-00', status: 'failed', exitCode: 1 }, ok('2026-11-27-08-00-00')], cutoff)).toEqual([
      { run: '2026-11-26-08-00-00', status: 'failed', exitCode: 1 }, ok('2026-11-27-08-00-00'),
    ]);
    expect(retentionCutoff(null, new Date())).toBeUndefined();
  });

  test('a listing keeps known runs, adds unknown ones, drops gone reports but keeps report-less runs', () => {
    const known = [ok('2026-11-25-08-00-00'), { run: '2026-11-26-08-00-00', status: 'failed' as const, report: false }, ok('2026-11-24-08-00-00')];
    expect(reconcile(['2026-11-25-08-00-00', '2026-11-27-08-00-00'], known)).toEqual([
      ok('2026-11-25-08-00-00'), { run: '2026-11-26-08-00-00', status: 'failed', report: false }, { run: '2026-11-27-08-00-00', status: 'unknown' },
    ]);
  });

  test('the summary takes a site\'s newer state only: a late writer of an older revision does not win', () => {
    const older = summaryOf({ version: 2, site: 'shop', revision: 4, runs: [ok('2026-11-26-08-00-00')] });
    const newer = summaryOf({ version: 2, site: 'shop', revision: 5, runs: [ok('2026-11-26-08-00-00'), ok('2026-11-27-08-00-00')] });
    const withNewer = withSiteSummaries(undefined, new Map([['shop', newer]]), 90);
    expect(withSiteSummaries(withNewer, new Map([['shop', older]]), 90).sites.shop).toEqual(newer);
    expect(newer).toEqual({ revision: 5, runs: 2, first: '2026-11-26-08-00-00', last: ok('2026-11-27-08-00-00') });
  });

  test('__proto__ and constructor are sites of the summary like any other', () => {
    const entry = summaryOf({ version: 2, site: '__proto__', revision: 1, runs: [ok('2026-11-26-08-00-00')] });
    const summary = withSiteSummaries(undefined, new Map([['__proto__', entry], ['constructor', entry]]), null);
    const text = JSON.stringify(summary);
    expect(text).toContain('"__proto__":');
    expect(Object.keys(parseSummary(text)!.sites)).toEqual(['__proto__', 'constructor']);
  });

  test.each([
    ['not JSON', '{"version":2'],
    ['version 1', '{"version":1,"site":"shop","revision":1,"runs":[]}'],
    ['another site\'s file', '{"version":2,"site":"blog","revision":1,"runs":[]}'],
    ['a run without status', '{"version":2,"site":"shop","revision":1,"runs":[{"run":"x"}]}'],
  ])('%s is not shop\'s index file', (_name, text) => {
    expect(parseSiteIndex(text, 'shop')).toBeUndefined();
  });
});

describe('the first view stays small when things go wrong', () => {
  test('the summary holds a bounded last run: no budget checks (their count), a reason of 160 characters at most', () => {
    const checks = Array.from({ length: 20 }, (_, i) => ({ page: `https://www.example.com/p/${i}`, metric: `m${i}`, value: '4.2 s', limit: '2.5 s' }));
    const last: Run = { run: '2026-11-27-08-15-03', status: 'failed', exitCode: 1, reason: 'x'.repeat(600), budget: checks, rerun: true };
    const entry = summaryOf({ version: 2, site: 'shop', revision: 1, runs: [last] });
    expect(entry.last).toEqual({ run: '2026-11-27-08-15-03', status: 'failed', exitCode: 1, reason: `${'x'.repeat(159)}…`, budgetCount: 20, rerun: true });
  });

  test('200 sites whose last runs all failed 20 checks: a summary of at most 100 kB (before: about 585 kB)', () => {
    const { before, after } = allFailingSummaries();
    expect(after.length).toBeLessThanOrEqual(100 * 1024);
    expect(before.length).toBeGreaterThan(500 * 1024);
  });
});

test('a run folder is a real UTC date and time, not after tomorrow', () => {
  const now = new Date('2026-11-28T12:00:00Z');
  expect(isRunFolder('2026-11-28-08-15-03', now)).toBe(true);
  expect(isRunFolder('2026-11-29-11-00-00', now)).toBe(true); // clock skew: within a day
  expect(isRunFolder('2026-13-45-99-99-99', now)).toBe(false);
  expect(isRunFolder('2026-02-30-08-00-00', now)).toBe(false);
  expect(isRunFolder('2099-01-01-00-00-00', now)).toBe(false);
  expect(isRunFolder('latest', now)).toBe(false);
});
