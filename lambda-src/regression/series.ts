/**
 * Regression detection wired to the runs: one file per site, `.cdk-sitespeed/regressions/<site>.json`,
 * holds the detector's state (decide.ts), the recent runs it decides on (their extracts, cut to
 * the primary metrics and the reported ones: compact()) and its recent verdicts. Each run's extract goes through it once, with
 * the site's deploy markers (change-points.ts): 2 GETs (the markers, the file) and 1 PUT (a
 * compare-and-swap) per run, and 1 PutEvents plus 1 GET and 2 PUTs more when the run ends in an
 * event (the pending event taken off, the viewer's copy of the regression markers).
 *
 * Nothing lost, nothing doubled:
 * - a copy of a run already in the file changes nothing and decides nothing;
 * - a late run (older than the newest decided) joins the history for later baselines, undecided:
 *   it must not undo what newer runs decided;
 * - the events a verdict makes are saved in the file (`pending`) with the verdict, then put, then
 *   taken off: an invocation that dies between the two leaves them for the next invocation of
 *   the site (a retry or the next run), so an event may come twice (each carries the `id` of its
 *   regression), never not at all;
 * - a missing or corrupt file is rebuilt by replaying the site's extracts through decide() (it is
 *   deterministic), without events for the replayed runs; a corrupt extract is skipped, so it
 *   can neither crash the detector nor make a regression.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ReportedChange } from './also-changed';
import { siteChangePoints } from './change-points';
import {
  ChangePoint, decide, DEFAULT_SETTINGS, DetectorState, Finding, INITIAL_STATE, PRIMARY_METRICS, RegressionSettings, Verdict,
} from './decide';
import { DeployMarker } from '../../src/contract/deploy-markers';
import { regressionMarkerOf } from '../../src/contract/regression-markers';
import { regressionMarkersKey, regressionsKey } from '../../src/contract/report-keys';
import {
  BaselineReset, MarkerRef, RegressionChange, RegressionDetected, RegressionFinding, RegressionRecovered, reportUrlOf, RUN_EVENTS,
} from '../../src/contract/run-events';
import { EXTRACT_METRICS, REPORTED_THRESHOLDS, ReportedMetric, RunExtract } from '../../src/contract/run-extracts';
import { timeOfFolder } from '../../src/contract/run-folders';
import { putRunEvent } from '../shared/run-events';
import { compareAndSwap } from '../shared/s3-swap';
import { siteExtracts } from '../shared/site-extracts';

type Log = (line: object) => void;

/** What a site's file keeps of each run's pages: what decide() tests and what it reports beside. */
const KEPT_METRICS = [...PRIMARY_METRICS, ...Object.keys(REPORTED_THRESHOLDS) as ReportedMetric[]];

/** Runs a site's file keeps at most: a baseline (≤ 168) with a long candidate window and an open regression's runs. */
export const MAX_RUNS = 400;
/** Verdicts kept for the viewer and the CLI, newest last (the ones that are not just 'ok'). */
const MAX_VERDICTS = 100;
/** Regression markers kept for the viewer (regressions, recoveries, new baselines), newest last. */
const MAX_MARKERS = 100;

export type EventDetail = RegressionDetected | RegressionRecovered | BaselineReset;

export interface PendingEvent {
  readonly detailType: string;
  readonly detail: EventDetail;
}

/** A verdict as the file keeps it. */
export interface VerdictEntry {
  readonly run: string;
  readonly kind: Verdict['kind'];
  /** A run started on demand: its verdict changed nothing and made no event (a candidate is not confirmed). */
  readonly onDemand?: boolean;
  readonly since?: string;
  readonly findings?: RegressionFinding[];
  /** Page weight, requests, CLS or TBT that rose with it past their thresholds (a candidate's or a detection's). */
  readonly alsoChanged?: RegressionChange[];
  /** The deploy marker it was judged at (the runs since it against the runs before it), or that accepted the regression. */
  readonly marker?: MarkerRef;
}

export interface RegressionSeries {
  readonly version: 1;
  readonly site: string;
  readonly state: DetectorState;
  /** The newest run decided. */
  readonly decidedThrough: string | null;
  /** Recent runs, oldest first. */
  readonly runs: RunExtract[];
  /** The latest verdict, and the recent ones other than ok / warming up / not comparable. */
  readonly latest: VerdictEntry | null;
  readonly verdicts: VerdictEntry[];
  /** Events decided and saved, not yet put. */
  readonly pending: PendingEvent[];
  /**
   * The events' markers (src/contract/regression-markers.ts), which the viewer reads from
   * `.cdk-sitespeed/index/regressions/<site>.json`: regressions on the calendar without DeployMarkers.
   */
  readonly markers: DeployMarker[];
}

const FIELDS = ['version', 'site', 'state', 'decidedThrough', 'runs', 'latest', 'verdicts', 'pending', 'markers'];

export function emptySeries(site: string): RegressionSeries {
  return { version: 1, site, state: INITIAL_STATE, decidedThrough: null, runs: [], latest: null, verdicts: [], pending: [], markers: [] };
}

function parseSeries(site: string) {
  return (text: string): RegressionSeries | undefined => {
    try {
      const value = JSON.parse(text);
      const ok = value?.version === 1 && value.site === site && typeof value.state === 'object' && Array.isArray(value.state?.flagged)
        && Array.isArray(value.runs) && Array.isArray(value.verdicts) && Array.isArray(value.pending);
      // Files written before regression markers have none: the next event starts them.
      return ok ? { ...value, markers: Array.isArray(value.markers) ? value.markers : [] } : undefined;
    } catch {
      return undefined;
    }
  };
}

/** Where a run came from: its "Sitespeed Run Finished" event. */
export interface RunContext {
  readonly cluster: string;
  readonly viewerUrl: string | null;
}

/** An extract cut to what decide() reads: setup, status, the primary metrics and the reported ones. */
export function compact(extract: RunExtract): RunExtract {
  return {
    version: 1,
    site: extract.site,
    run: extract.run,
    status: extract.status,
    rerun: extract.rerun,
    ...(extract.onDemand ? { onDemand: true } : {}),
    ...(extract.setup ? { setup: extract.setup } : {}),
    pages: extract.pages.map(p => ({
      url: p.url,
      iterations: p.iterations,
      medians: Object.fromEntries(KEPT_METRICS.filter(m => p.medians[m] !== undefined).map(m => [m, p.medians[m]])),
    })),
    problems: [],
  };
}

const round = (value: number) => Math.round(value * 10) / 10;
// CLS is a score of a few hundredths: kept to four places, not one.
const roundOf = (metric: string) => (metric === 'cumulativeLayoutShift' ? (v: number) => Math.round(v * 10_000) / 10_000 : round);

function changeOf(c: ReportedChange): RegressionChange {
  const r = roundOf(c.metric);
  return {
    url: c.url,
    metric: c.metric,
    unit: EXTRACT_METRICS[c.metric].unit,
    baselineMedian: r(c.baselineMedian),
    baselineHigh: r(c.baselineHigh),
    recentMedian: r(c.recentMedian),
  };
}

function findingOf(f: Finding): RegressionFinding {
  return {
    url: f.url,
    metric: f.metric,
    unit: EXTRACT_METRICS[f.metric].unit,
    baselineMedian: round(f.baselineMedian),
    recentMedian: round(f.recentMedian),
    shift: round(f.shift),
    lowerBound: round(f.lowerBound),
    pvalue: f.pvalue,
    adjustedPvalue: f.adjusted,
  };
}

/** The events of a verdict, given the state before it. */
function eventsOf(site: string, verdict: Verdict, before: DetectorState, latest: RunExtract, context: RunContext): PendingEvent[] {
  const common = { version: 1 as const, cluster: context.cluster, site, run: verdict.run };
  const regressionId = (since: string) => `${site}@${since}`;
  switch (verdict.kind) {
    case 'detected':
      return [{
        detailType: RUN_EVENTS.regressionDetected,
        detail: {
          ...common,
          id: regressionId(verdict.since),
          since: verdict.since,
          firstSlowRun: verdict.firstSlowRun,
          baselineRuns: verdict.baselineRuns,
          baselineRun: verdict.baselineRun,
          findings: verdict.findings.map(findingOf),
          alsoChanged: verdict.alsoChanged.map(changeOf),
          reportUrl: reportUrlOf(context.viewerUrl, site, verdict.run),
          baselineReportUrl: reportUrlOf(context.viewerUrl, site, verdict.baselineRun),
          viewerUrl: context.viewerUrl,
          marker: verdict.marker ?? null,
        },
      }];
    case 'recovered':
    case 'accepted':
      return [{
        detailType: RUN_EVENTS.regressionRecovered,
        detail: {
          ...common,
          id: regressionId(verdict.since),
          since: verdict.since,
          how: verdict.kind,
          findings: (before.open?.findings ?? []).map(findingOf),
          reportUrl: reportUrlOf(context.viewerUrl, site, verdict.run),
          viewerUrl: context.viewerUrl,
          marker: verdict.marker ?? null,
        },
      }];
    case 'new setup':
      return [{
        detailType: RUN_EVENTS.baselineReset,
        detail: {
          ...common,
          id: `${site}@${verdict.run}#setup`,
          setup: latest.setup!,
          closedRegression: before.open ? regressionId(before.open.since) : null,
          viewerUrl: context.viewerUrl,
        },
      }];
    default:
      return [];
  }
}

const byRun = (a: RunExtract, b: RunExtract) => (a.run < b.run ? -1 : a.run > b.run ? 1 : 0);

/** The runs a file keeps: within the baseline's age (and a day) of the newest, at most MAX_RUNS. */
function pruned(runs: RunExtract[], settings: RegressionSettings): RunExtract[] {
  const sorted = [...runs].sort(byRun);
  const newest = sorted.length > 0 ? timeOfFolder(sorted[sorted.length - 1].run) : 0;
  const oldest = newest - (settings.maxBaselineAgeDays + 1) * 86_400_000;
  return sorted.filter(r => timeOfFolder(r.run) >= oldest).slice(-MAX_RUNS);
}

export type Outcome = Verdict | { readonly kind: 'duplicate'; readonly run: string } | { readonly kind: 'late'; readonly run: string };

/** One run through a site's file (pure), given the site's deploy markers: the next file and the verdict on the run. */
export function advance(series: RegressionSeries, extract: RunExtract, context: RunContext,
  settings: RegressionSettings = DEFAULT_SETTINGS, changePoints: readonly ChangePoint[] = []): { series: RegressionSeries; outcome: Outcome } {
  const run = extract.run;
  if (series.runs.some(r => r.run === run) || series.decidedThrough === run) return { series, outcome: { kind: 'duplicate', run } };
  const entry = compact(extract);
  if (series.decidedThrough !== null && run < series.decidedThrough) {
    return { series: { ...series, runs: pruned([...series.runs, entry], settings) }, outcome: { kind: 'late', run } };
  }
  const { verdict, state } = decide(series.runs, entry, series.state, settings, changePoints);
  const kept: VerdictEntry = {
    run,
    kind: verdict.kind,
    ...(extract.onDemand ? { onDemand: true } : {}),
    ...('since' in verdict ? { since: verdict.since } : {}),
    ...('findings' in verdict ? { findings: verdict.findings.map(findingOf) } : {}),
    ...('alsoChanged' in verdict && verdict.alsoChanged.length > 0 ? { alsoChanged: verdict.alsoChanged.map(changeOf) } : {}),
    ...(verdict.marker ? { marker: verdict.marker } : {}),
  };
  const notable = !['ok', 'warming up', 'not comparable'].includes(verdict.kind);
  // A run on demand is judged for its caller (`cdk-sitespeed run`), never announced: only scheduled runs make events.
  const events = extract.onDemand ? [] : eventsOf(series.site, verdict, series.state, entry, context);
  const markers = events.map(e => regressionMarkerOf(e.detailType, e.detail));
  return {
    series: {
      ...series,
      state,
      decidedThrough: run,
      runs: pruned([...series.runs, entry], settings),
      latest: kept,
      verdicts: notable ? [...series.verdicts, kept].slice(-MAX_VERDICTS) : series.verdicts,
      pending: [...series.pending, ...events],
      markers: markers.length > 0
        ? [...series.markers.filter(m => !markers.some(n => n.id === m.id)), ...markers].slice(-MAX_MARKERS)
        : series.markers,
    },
    outcome: verdict,
  };
}

/** A site's file from its extracts (oldest first, the run being filed left out): every run replayed, no events. */
async function replayed(s3: S3Client, bucket: string, site: string, leaveOut: string, context: RunContext,
  settings: RegressionSettings, changePoints: readonly ChangePoint[], log: Log): Promise<RegressionSeries> {
  const extracts = await siteExtracts(s3, bucket, site, { leaveOut, limit: MAX_RUNS }, log);
  let series = emptySeries(site);
  for (const extract of extracts) series = advance(series, extract, context, settings, changePoints).series;
  log({ regressionsReplayed: site, runs: extracts.length, state: series.latest?.kind ?? 'empty' });
  return { ...series, pending: [] };
}

/**
 * The run's extract through its site's file, then the events it made (and any a failed
 * invocation left) put on the default bus and taken off the file. Returns the outcome.
 */
export async function trackRegressions(clients: { s3: S3Client; events: EventBridgeClient }, bucket: string, extract: RunExtract,
  context: RunContext, log: Log, settings: RegressionSettings = DEFAULT_SETTINGS): Promise<Outcome> {
  const key = regressionsKey(extract.site);
  const changePoints = await siteChangePoints(clients.s3, bucket, extract.site, log);
  let outcome: Outcome = { kind: 'duplicate', run: extract.run };
  let markersChanged = false;
  const saved = await compareAndSwap(clients.s3, bucket, {
    key,
    parse: parseSeries(extract.site),
    fields: FIELDS,
    rebuild: async () => {
      markersChanged = true;
      return replayed(clients.s3, bucket, extract.site, extract.run, context, settings, changePoints, log);
    },
    change: current => {
      const next = advance(current, extract, context, settings, changePoints);
      outcome = next.outcome;
      markersChanged ||= next.series.markers !== current.markers;
      return next.series;
    },
  }, log);
  // The viewer's copy of the markers, whole from the file just saved: a lost or stale copy is right again at the next change.
  if (markersChanged) {
    await clients.s3.send(new PutObjectCommand({
      Bucket: bucket,
      Key: regressionMarkersKey(extract.site),
      Body: JSON.stringify({ version: 1, markers: saved.markers }),
      ContentType: 'application/json',
    }));
  }
  const put = new Set<string>();
  const idOf = (e: PendingEvent) => `${e.detailType}#${e.detail.id}`;
  try {
    for (const event of saved.pending) {
      await putRunEvent(clients.events, event.detailType, event.detail);
      put.add(idOf(event));
      log({ regressionEvent: event.detailType, id: event.detail.id });
    }
  } finally {
    if (put.size > 0) {
      await compareAndSwap(clients.s3, bucket, {
        key,
        parse: parseSeries(extract.site),
        fields: FIELDS,
        // Gone meanwhile (deleted by hand): replayed again, this run included.
        rebuild: () => replayed(clients.s3, bucket, extract.site, '', context, settings, changePoints, log),
        change: current => ({ ...current, pending: current.pending.filter(e => !put.has(idOf(e))) }),
      }, log);
    }
  }
  log({ regression: outcome.kind, site: extract.site, run: extract.run });
  return outcome;
}
