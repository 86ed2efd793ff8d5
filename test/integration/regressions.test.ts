import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { markerOfRegressionEvent } from '../../lambda-src/deploy-marker/regression-marker';
import { DEFAULT_SETTINGS } from '../../lambda-src/regression/decide';
import { RegressionSeries, trackRegressions } from '../../lambda-src/regression/series';
import { parseMarkerFile } from '../../src/contract/deploy-markers';
import { extractKey, KEPT_PREFIX, MARKERS_KEY, regressionMarkersKey, regressionsKey } from '../../src/contract/report-keys';
import { RegressionDetected, RegressionRecovered, RUN_EVENTS } from '../../src/contract/run-events';
import { RunExtract } from '../../src/contract/run-extracts';
import { timeOfFolder } from '../../src/contract/run-folders';
import { motoClientConfig, resetMoto } from '../harness/moto';
import { extract, HOUR, START, URLS } from '../lambda/fixtures/extracts';

// Regression detection as reportIndex runs it, against a real S3 API (moto): the site's file, its
// compare-and-swap, the events a verdict makes (EventBridge recorded by a mock), duplicates, late
// runs, failures and corrupt files.
const s3 = new S3Client(motoClientConfig());
const eventsClient = new EventBridgeClient({ region: 'us-east-1' });
const events = mockClient(eventsClient);
const context = { cluster: 'perf', viewerUrl: 'https://d1.cloudfront.net' };
const lines: object[] = [];
const log = (line: object) => lines.push(line);

let s3Calls: string[] = [];
s3.middlewareStack.add(next => async args => {
  s3Calls.push((args.input as any).constructor?.name ?? 'call');
  return next(args);
}, { step: 'initialize', name: 'countCalls' });

const put = (detailType: string) => events.commandCalls(PutEventsCommand).map(c => c.args[0].input.Entries![0])
  .filter(e => e.DetailType === detailType).map(e => JSON.parse(e.Detail!));

async function series(): Promise<RegressionSeries> {
  return JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: 'reports', Key: regressionsKey('shop') }))).Body!.transformToString());
}

async function track(run: RunExtract) {
  return trackRegressions({ s3, events: eventsClient }, 'reports', run, context, log);
}

/** Stable runs 0‥39, then LCP of the first URL 30 % higher (and 300 kB heavier) for 6 runs, then back. */
const runs = [
  ...Array.from({ length: 40 }, (_, i) => extract(i)),
  ...Array.from({ length: 6 }, (_, i) => extract(40 + i, { lcp: 1.3, bytes: 300_000 })),
  ...Array.from({ length: 4 }, (_, i) => extract(46 + i)),
];

beforeEach(async () => {
  await resetMoto();
  await s3.send(new CreateBucketCommand({ Bucket: 'reports' }));
  events.reset();
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
  lines.length = 0;
  s3Calls = [];
});

test('a slower page: one Detected event naming the metric, URL, medians and a report from each side; one Recovered when it is back; 3 S3 calls a run', async () => {
  const callsPerRun: number[] = [];
  const kinds: string[] = [];
  for (const run of runs) {
    s3Calls = [];
    kinds.push((await track(run)).kind);
    callsPerRun.push(s3Calls.length);
  }
  const detected: RegressionDetected[] = put(RUN_EVENTS.regressionDetected);
  expect(detected).toHaveLength(1);
  const d = detected[0];
  // The window the change was first seen in starts one run early; the first slow run is the change's.
  expect(d).toMatchObject({ version: 1, cluster: 'perf', site: 'shop', since: runs[39].run, firstSlowRun: runs[40].run, id: `shop@${runs[39].run}`, viewerUrl: context.viewerUrl });
  expect(d.findings.map(f => [f.url, f.metric, f.unit])).toEqual([[URLS[0], 'largestContentfulPaint', 'ms']]);
  expect(d.findings[0].recentMedian / d.findings[0].baselineMedian).toBeCloseTo(1.3, 1);
  expect(d.findings[0].adjustedPvalue).toBeLessThanOrEqual(DEFAULT_SETTINGS.alpha);
  // The site's file keeps each run's weight (compact()), so the event reports the 300 kB beside the timing.
  expect(d.alsoChanged).toEqual([{
    url: URLS[0],
    metric: 'transferSize',
    unit: 'bytes',
    baselineMedian: expect.any(Number),
    baselineHigh: expect.any(Number),
    recentMedian: expect.any(Number),
  }]);
  expect(d.alsoChanged[0].recentMedian - d.alsoChanged[0].baselineMedian).toBeGreaterThan(299_000);
  expect(d.reportUrl).toBe(`https://d1.cloudfront.net/shop/${d.run}/index.html`);
  expect(d.baselineRun! < d.since).toBe(true);
  expect(d.baselineReportUrl).toBe(`https://d1.cloudfront.net/shop/${d.baselineRun}/index.html`);
  const recovered: RegressionRecovered[] = put(RUN_EVENTS.regressionRecovered);
  expect(recovered).toHaveLength(1);
  expect(recovered[0]).toMatchObject({ id: d.id, how: 'recovered', since: d.since });
  expect(kinds.indexOf('recovered')).toBeGreaterThan(45);
  // Stated in series.ts: 2 GETs (markers, file) + 1 PUT a run; a run that makes an event 1 GET + 2 PUTs more (the pending
  // event taken off, the viewer's copy of the markers); the first (no file yet: a listing to replay, and the viewer's copy) 2 more.
  const eventRuns = new Set([kinds.indexOf('detected'), kinds.indexOf('recovered')]);
  callsPerRun.forEach((calls, i) => expect(calls).toBe(eventRuns.has(i) ? 6 : i === 0 ? 5 : 3));
  // The viewer's copy: the regression and its recovery as markers, with the ids DeployMarkers gives the same events.
  const view = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: 'reports', Key: regressionMarkersKey('shop') }))).Body!.transformToString());
  expect(parseMarkerFile(JSON.stringify(view))).toBeDefined();
  expect(view.markers).toEqual([
    markerOfRegressionEvent({ 'detail-type': RUN_EVENTS.regressionDetected, 'detail': d }, ['shop']),
    markerOfRegressionEvent({ 'detail-type': RUN_EVENTS.regressionRecovered, 'detail': recovered[0] }, ['shop']),
  ]);
  expect(view.markers.map((m: any) => [m.id, m.kind, m.at])).toEqual([
    [`regression:shop:${d.since}`, 'regression', new Date(timeOfFolder(d.firstSlowRun)).toISOString()],
    [`recovered:shop:${d.since}`, 'recovered', new Date(timeOfFolder(recovered[0].run)).toISOString()],
  ]);
  // Its line on the calendar (and its Graphite annotation) says what moved and what else rose.
  expect(view.markers[0].message).toMatch(/^LCP \+\d+ % \(1\d{3} → 1\d{3} ms\) \/, weight \+\d{3} kB \/$/);
  expect((await series()).pending).toEqual([]);
});

test('the same run twice, and a run older than the newest decided: no second event, no verdict; the late run joins the history', async () => {
  for (const run of runs.slice(0, 43)) await track(run);
  const confirming = runs.findIndex((_, i) => i >= 40 && put(RUN_EVENTS.regressionDetected).length > 0);
  expect(put(RUN_EVENTS.regressionDetected)).toHaveLength(1);
  expect((await track(runs[42])).kind).toBe('duplicate');
  expect((await track(runs[41])).kind).toBe('duplicate');
  expect(put(RUN_EVENTS.regressionDetected)).toHaveLength(1);
  const late = extract(41.5);
  expect((await track(late)).kind).toBe('late');
  const file = await series();
  expect(file.runs.map(r => r.run)).toContain(late.run);
  expect(file.decidedThrough).toBe(runs[42].run);
  expect(confirming).toBeGreaterThanOrEqual(40);
});

test('PutEvents failing: the call fails (EventBridge retries the run), the event stays pending, and the retry puts it once', async () => {
  for (const run of runs.slice(0, 41)) await track(run);
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
  let failedAt = -1;
  for (let i = 41; i < 46 && failedAt < 0; i++) {
    await track(runs[i]).catch(() => { failedAt = i; });
  }
  expect(failedAt).toBeGreaterThan(40);
  expect((await series()).pending.map(p => p.detailType)).toEqual([RUN_EVENTS.regressionDetected]);
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
  expect((await track(runs[failedAt])).kind).toBe('duplicate');
  const entries = events.commandCalls(PutEventsCommand).map(c => c.args[0].input.Entries![0]);
  expect(entries.map(e => e.DetailType)).toEqual([RUN_EVENTS.regressionDetected, RUN_EVENTS.regressionDetected]);
  expect((await series()).pending).toEqual([]);
});

test('a corrupt file is kept aside and rebuilt from the extracts to the same state; a corrupt extract is skipped, never a regression', async () => {
  for (const run of runs.slice(0, 44)) {
    await s3.send(new PutObjectCommand({ Bucket: 'reports', Key: extractKey('shop', run.run), Body: JSON.stringify(run) }));
    await track(run);
  }
  const intact = await series();
  expect(intact.state.open?.since).toBe(runs[39].run);
  await s3.send(new PutObjectCommand({ Bucket: 'reports', Key: regressionsKey('shop'), Body: '{"version": 1, "site": "sh' }));
  await s3.send(new PutObjectCommand({ Bucket: 'reports', Key: extractKey('shop', '2026-11-01-12-30-00'), Body: 'not json' }));
  await s3.send(new PutObjectCommand({ Bucket: 'reports', Key: extractKey('shop', runs[44].run), Body: JSON.stringify(runs[44]) }));
  events.reset();
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
  expect((await track(runs[44])).kind).toBe('still regressed');
  const rebuilt = await series();
  const open = intact.state.open!;
  const flagged = [...intact.state.flagged, runs[44].run];
  expect(rebuilt.state).toEqual({ ...intact.state, flagged, open: { ...open, runsSince: open.runsSince + 1 } });
  // The replayed runs made no events: the regression was announced when it happened.
  expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
  const kept = await s3.send(new ListObjectsV2Command({ Bucket: 'reports', Prefix: `${KEPT_PREFIX}regressions/shop.corrupt-` }));
  expect(kept.Contents).toHaveLength(1);
  expect(lines).toContainEqual(expect.objectContaining({ extractSkipped: extractKey('shop', '2026-11-01-12-30-00') }));
});

test('a new browser version starts a new baseline with a Baseline Reset event; an extract without pages decides nothing', async () => {
  for (const run of runs.slice(0, 20)) await track(run);
  const empty: RunExtract = { ...extract(20), pages: [], problems: ['no HAR'] };
  delete (empty as any).setup;
  expect((await track(empty)).kind).toBe('not comparable');
  expect((await track(extract(21, { browserVersion: '132.0' }))).kind).toBe('new setup');
  const reset = put(RUN_EVENTS.baselineReset);
  expect(reset).toHaveLength(1);
  expect(reset[0]).toMatchObject({ site: 'shop', run: extract(21).run, closedRegression: null, setup: { browserVersion: '132.0' } });
  expect((await track(extract(22, { browserVersion: '132.0' }))).kind).toBe('warming up');
});

test('a run on demand: its verdict is kept (marked on demand), it makes no event and changes nothing the schedule decides', async () => {
  for (const run of runs.slice(0, 40)) await track(run);
  const stateBefore = (await series()).state;
  const outcome = await track({ ...extract(40, { lcp: 1.3 }), onDemand: true });
  expect(outcome.kind).toBe('candidate');
  const file = await series();
  expect(file.latest).toMatchObject({ kind: 'candidate', onDemand: true });
  expect(file.state).toEqual(stateBefore);
  expect(file.pending).toEqual([]);
  expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
});

describe('deploy markers from the markers file are change points', () => {
  const markersFile = (markers: object[]) => s3.send(new PutObjectCommand({ Bucket: 'reports', Key: MARKERS_KEY, Body: JSON.stringify({ version: 1, markers }) }));
  const at = (hours: number) => new Date(START + hours * HOUR).toISOString();

  test('a change right after a deploy marker is detected from the first run after it, the event naming the marker; --accept accepts it', async () => {
    await markersFile([
      { id: 'v2', at: at(39.5), message: 'shop v2', sites: ['shop'], source: 'cdk-sitespeed mark' },
      // Another site's deploy, and the detector's own regression markers, are not the site's change points.
      { id: 'blog-v9', at: at(38.5), message: 'blog v9', sites: ['blog'], source: 'cdk-sitespeed mark' },
      { id: 'regression:shop@x', at: at(30.5), message: 'LCP +30 %', sites: ['shop'], source: 'cdk-sitespeed', kind: 'regression' },
    ]);
    const slow = Array.from({ length: 8 }, (_, i) => extract(40 + i, { lcp: 1.3 }));
    for (const run of [...runs.slice(0, 40), ...slow.slice(0, 4)]) await track(run);
    const detected: RegressionDetected[] = put(RUN_EVENTS.regressionDetected);
    expect(detected).toHaveLength(1);
    expect(detected[0]).toMatchObject({ since: slow[0].run, firstSlowRun: slow[0].run, baselineRun: runs[39].run, marker: { id: 'v2', message: 'shop v2' } });
    expect((await series()).verdicts[0]).toMatchObject({ run: slow[0].run, kind: 'candidate', marker: { id: 'v2', message: 'shop v2' } });
    // The team meant it: an accepting marker, then the next run.
    await markersFile([
      { id: 'v2', at: at(39.5), message: 'shop v2', sites: ['shop'], source: 'cdk-sitespeed mark' },
      { id: 'accept-v2', at: at(43.5), message: 'the new hero image is meant', sites: ['shop'], source: 'cdk-sitespeed mark', accept: true },
    ]);
    expect((await track(slow[4])).kind).toBe('accepted');
    expect(put(RUN_EVENTS.regressionRecovered)).toEqual([expect.objectContaining({ id: detected[0].id, how: 'accepted', marker: { id: 'accept-v2', message: 'the new hero image is meant' } })]);
    // The new level is the baseline: it warms up from the regression's first run, never detected again.
    for (const run of slow.slice(5)) expect((await track(run)).kind).toBe('warming up');
    expect((await series()).state).toMatchObject({ baselineFrom: slow[0].run, markersThrough: Date.parse(at(43.5)) });
  });

  test('a corrupt markers file is logged and the runs are judged without markers, never stopped by it', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'reports', Key: MARKERS_KEY, Body: '{"version": 1, "mark' }));
    for (const run of runs.slice(0, 46)) await track(run);
    expect(put(RUN_EVENTS.regressionDetected)).toEqual([expect.objectContaining({ since: runs[39].run, marker: null })]);
    expect(lines).toContainEqual(expect.objectContaining({ markersUnreadable: MARKERS_KEY, site: 'shop' }));
  });
});
