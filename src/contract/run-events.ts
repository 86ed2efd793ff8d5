/**
 * The run events cdk-sitespeed puts on the account's default event bus, and the run metrics it
 * logs beside them (CloudWatch embedded metric format), defined once: the run outcome and runTask
 * functions emit them, the index writer and the alert function read them, the constructs' typed
 * `on*()` and `metric*()` methods select them, and docs show them. Imports only the contract:
 * every runtime (Lambda, CLI, viewer) bundles it.
 */
import { isRunFolder } from './run-folders';
import { SITE_SLUG } from './site-names';

/** The names of the run events: source and detail types. */
export const RUN_EVENTS = {
  source: 'cdk-sitespeed',
  /** Every stopped run of a site: its status, report and failing budget checks ({@link RunFinished}). */
  finished: 'Sitespeed Run Finished',
  /** A scheduled run skipped because the site's previous run was still going ({@link RunSkipped}). */
  skipped: 'Sitespeed Run Skipped',
  /** A run RunTask refused to start (each attempt: Lambda retries it) ({@link RunNotStarted}). */
  notStarted: 'Sitespeed Run Not Started',
  /** A site's runs got slower than its own recent past, confirmed by the next scheduled runs ({@link RegressionDetected}). */
  regressionDetected: 'Sitespeed Regression Detected',
  /** An open regression ended: the runs are back at the baseline, or the new level was accepted ({@link RegressionRecovered}). */
  regressionRecovered: 'Sitespeed Regression Recovered',
  /** A new baseline: the test setup changed (browser version, URLs, iterations, connectivity) ({@link BaselineReset}). */
  baselineReset: 'Sitespeed Baseline Reset',
} as const;

/**
 * The run metrics: namespace, dimension names and metric names. Every run logs them with the
 * dimension Cluster; a site with per-site metrics also with Cluster and Site.
 */
export const RUN_METRICS = {
  namespace: 'cdk-sitespeed',
  clusterDimension: 'Cluster',
  siteDimension: 'Site',
  /** Finished runs (not counting runs that never started). */
  runs: 'Runs',
  runsOk: 'RunsOk',
  /** Finished runs whose status is not ok: budget failed, failed or no report. */
  runsFailed: 'RunsFailed',
  budgetFailures: 'BudgetFailures',
  runsWithoutReport: 'RunsWithoutReport',
  /** Runs that never started: RunTask refused them, or they stopped waiting for capacity (not those a hardStop schedule held). */
  runsNotStarted: 'RunsNotStarted',
  /** Scheduled runs skipped while the site's previous run was still going. */
  runsSkipped: 'RunsSkipped',
  runsStarted: 'RunsStarted',
  /** Seconds from a finished run's start to its stop. */
  runDuration: 'RunDuration',
} as const;

/** The status of a finished run, the `status` field of a "Sitespeed Run Finished" event. */
export enum RunStatus {
  /** Exit code 0 and a report. */
  OK = 'ok',
  /** sitespeed.io's exit code 1 with failing checks in the report's budget file. */
  BUDGET_FAILED = 'budget failed',
  /** Any other failure: an error, a page it could not test, no exit code. */
  FAILED = 'failed',
  /** The run left no report folder (it failed before uploading, or the upload failed). */
  NO_REPORT = 'no report',
  /** The task stopped before it ever ran (no capacity, runTask's wait limit, a failed image pull). */
  NOT_STARTED = 'not started',
}

export type RunOutcomeStatus = `${RunStatus}`;
/** Every status of the schema, for the consumers that check events. */
export const RUN_STATUSES: readonly RunOutcomeStatus[] = Object.values(RunStatus);

/** One failing budget check, as sitespeed.io writes it into budgetResult.json (--budget.output json). */
export interface BudgetCheck {
  /** The page: its URL alias, or its URL. */
  readonly page: string;
  readonly metric: string;
  readonly type: string;
  readonly value: unknown;
  readonly limit: unknown;
  readonly friendlyValue?: unknown;
  readonly friendlyLimit?: unknown;
  readonly limitType?: string;
}

/** The detail of a "Sitespeed Run Finished" event (docs: docs/run-events.md). */
export interface RunFinished {
  readonly version: 1;
  readonly cluster: string;
  readonly site: string;
  /** The report folder (`<YYYY-MM-DD-HH-mm-ss>`, UTC), or null when the run left none. */
  readonly run: string | null;
  readonly status: RunOutcomeStatus;
  readonly exitCode: number | null;
  readonly reason: string | null;
  /** ECS's stop code, e.g. TaskFailedToStart or UserInitiated (runTask's wait limit). */
  readonly stopCode: string | null;
  /**
   * A run that did not start because it was asked for while the cluster's hardStop schedule held
   * it at zero instances: expected, never alerted.
   */
  readonly heldByHardStop: boolean;
  /** The first failing checks (at most 50, fewer if the event would pass EventBridge's size); all of them are in `budgetResult`. */
  readonly failedBudgetChecks: BudgetCheck[];
  /** How many checks failed in all. */
  readonly failedBudgetCheckCount: number;
  /** The run's whole budget result, `s3://<bucket>/<site>/<run>/budgetResult.json`, when it has one. */
  readonly budgetResult: string | null;
  readonly reportUrl: string | null;
  readonly viewerUrl: string | null;
  readonly startedAt: string;
  readonly stoppedAt: string;
  readonly durationSeconds: number;
  readonly taskArn: string | null;
  /** A confirmation run (started by SiteAlerts after a failure). */
  readonly rerun: boolean;
  /**
   * A run started on demand (`cdk-sitespeed run`), not by its schedule: judged for regressions,
   * never part of a baseline. Absent in events of versions before it (read as false).
   */
  readonly onDemand?: boolean;
}

/** The detail of a "Sitespeed Run Skipped" event. */
export interface RunSkipped {
  readonly version: 1;
  readonly cluster: string;
  readonly site: string;
  readonly reason: string;
  /** The task ARNs of the site's run that was still going. */
  readonly running: string[];
}

/** The detail of a "Sitespeed Run Not Started" event. */
export interface RunNotStarted {
  readonly version: 1;
  readonly cluster: string;
  readonly site: string;
  readonly reason: string;
}

/** One metric of one URL that moved, in a regression event. */
export interface RegressionFinding {
  readonly url: string;
  /** A metric of the run extracts (src/contract/run-extracts.ts): largestContentfulPaint, firstContentfulPaint or ttfb. */
  readonly metric: string;
  /** The unit of the medians and the shift: ms. */
  readonly unit: string;
  /** The median over the baseline's runs of each run's median. */
  readonly baselineMedian: number;
  /** The same over the runs since the change began. */
  readonly recentMedian: number;
  /** How much slower the recent runs are (after the baseline's daily cycle), and the lower bound of that at 1 - alpha. */
  readonly shift: number;
  readonly lowerBound: number;
  /** The one-sided p-value, and the same after Holm's correction across every URL and metric tested. */
  readonly pvalue: number;
  readonly adjustedPvalue: number;
}

/**
 * A metric that rose with a regression past its threshold (REPORTED_THRESHOLDS in
 * src/contract/run-extracts.ts): page weight, requests, layout shift or blocking time. Reported
 * beside the findings, never a reason for an alert by itself.
 */
export interface RegressionChange {
  readonly url: string;
  /** transferSize, requests, cumulativeLayoutShift or totalBlockingTime. */
  readonly metric: string;
  /** bytes, count, score or ms. */
  readonly unit: string;
  readonly baselineMedian: number;
  /** The baseline's 95th percentile: at least half of the runs since are above it. */
  readonly baselineHigh: number;
  /** The median of the runs since the change began that are above baselineHigh (at least half of them). */
  readonly recentMedian: number;
}

const CHANGE_NAMES: Record<string, string> = {
  transferSize: 'transfer size', requests: 'requests', cumulativeLayoutShift: 'Cumulative Layout Shift', totalBlockingTime: 'Total Blocking Time',
};

function amountOf(value: number, unit: string): string {
  if (unit === 'bytes') return Math.abs(value) >= 1e6 ? `${(value / 1e6).toFixed(1)} MB` : `${Math.round(value / 1000)} kB`;
  if (unit === 'score') return value.toFixed(3);
  return unit === 'count' ? String(Math.round(value)) : `${Math.round(value)} ${unit}`;
}

/** How much a reported change rose, in its unit: `+500 kB`, `+1`, `+0.083`, `+150 ms`. */
export function changeDelta(c: RegressionChange): string {
  const delta = c.recentMedian - c.baselineMedian;
  return `${delta >= 0 ? '+' : '−'}${amountOf(Math.abs(delta), c.unit)}`;
}

/** A reported change for people: `https://shop.example.com/ transfer size: 12 kB before, 512 kB now (+500 kB)`. */
export function changeLine(c: RegressionChange): string {
  return `${c.url} ${CHANGE_NAMES[c.metric] ?? c.metric}: ${amountOf(c.baselineMedian, c.unit)} before, ${amountOf(c.recentMedian, c.unit)} now ` +
    `(${changeDelta(c)})`;
}

/** What a "Sitespeed Regression Detected" and a "Recovered" event both have. */
export interface RegressionEventBase {
  readonly version: 1;
  /** One regression, the same in every copy of its events (`<site>@<since>`): for deduplication. */
  readonly id: string;
  readonly cluster: string;
  readonly site: string;
  /** The run that made the event: the one that confirmed the regression, or ended it. */
  readonly run: string;
  /** The first run of the window the change was first seen in (with `id`, it names the regression). */
  readonly since: string;
}

/** The detail of a "Sitespeed Regression Detected" event (docs: docs/regressions.md). */
export interface RegressionDetected extends RegressionEventBase {
  /** The first run above the effect floor on a metric that moved: where the change shows (`since` or the run after it). */
  readonly firstSlowRun: string;
  /** The runs of the baseline, and the newest of them (a report from before the change). */
  readonly baselineRuns: number;
  readonly baselineRun: string | null;
  readonly findings: RegressionFinding[];
  /** What else rose past its threshold over the same runs (page weight, requests, CLS, TBT); empty when nothing did. */
  readonly alsoChanged: RegressionChange[];
  readonly reportUrl: string | null;
  readonly baselineReportUrl: string | null;
  readonly viewerUrl: string | null;
  /** The deploy marker the change was judged at (the runs since it against the runs before it), or null. */
  readonly marker: MarkerRef | null;
}

/** A deploy marker named by a regression event (src/contract/deploy-markers.ts). */
export interface MarkerRef {
  readonly id: string;
  readonly message: string;
}

/** The detail of a "Sitespeed Regression Recovered" event (its `id` is the Detected event's). */
export interface RegressionRecovered extends RegressionEventBase {
  /**
   * recovered: every metric that moved is back within half the floor of its baseline median;
   * accepted: it stayed for `acceptAfterRuns` runs, or a deploy marker accepted it (`marker`), and
   * the new level is the baseline from now on.
   */
  readonly how: 'recovered' | 'accepted';
  /** The accepting deploy marker (`cdk-sitespeed mark --accept`), or null. */
  readonly marker: MarkerRef | null;
  /** The findings of the detection, with their baseline medians. */
  readonly findings: RegressionFinding[];
  readonly reportUrl: string | null;
  readonly viewerUrl: string | null;
}

/** The detail of a "Sitespeed Baseline Reset" event: the test setup changed, and runs compare only with runs of the new one. */
export interface BaselineReset {
  readonly version: 1;
  readonly id: string;
  readonly cluster: string;
  readonly site: string;
  /** The first run of the new setup. */
  readonly run: string;
  readonly setup: { browser: string; browserVersion: string; harCreator: string; connectivity: string; iterations: number; urls: string[] };
  /** The regression the reset closed without a verdict, if one was open. */
  readonly closedRegression: string | null;
  readonly viewerUrl: string | null;
}

/** A report's address under the viewer's URL (what sitespeed.io's --resultBaseURL makes of it). */
export function reportUrlOf(resultBaseUrl: string | undefined | null, site: string, run: string | undefined | null): string | null {
  if (!resultBaseUrl || !run) return null;
  return `${resultBaseUrl.replace(/\/+$/, '')}/${site}/${run}/index.html`;
}

/**
 * The detail of a "Sitespeed Run Finished" event, checked field by field against the schema
 * above: an event a consumer cannot act on is an error that names the field and what it allows.
 */
export function runFinishedOf(event: any): RunFinished {
  const detail = event?.detail;
  if (event?.['detail-type'] !== RUN_EVENTS.finished || typeof detail !== 'object' || detail === null) {
    throw new Error(`expected a "${RUN_EVENTS.finished}" event (source ${RUN_EVENTS.source}), got detail-type ${JSON.stringify(event?.['detail-type'])}`);
  }
  const fail = (field: string, allowed: string) => {
    throw new Error(`${RUN_EVENTS.finished} event: detail.${field} is ${JSON.stringify(detail[field])}; expected ${allowed}`);
  };
  const isTime = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));
  if (detail.version !== 1) fail('version', '1');
  if (typeof detail.cluster !== 'string' || detail.cluster === '') fail('cluster', 'a cluster name');
  if (typeof detail.site !== 'string' || !SITE_SLUG.test(detail.site)) fail('site', 'a site slug');
  if (detail.run !== null && (typeof detail.run !== 'string' || !isRunFolder(detail.run))) {
    fail('run', 'null or a run folder YYYY-MM-DD-HH-mm-ss: a real UTC time, not after tomorrow');
  }
  if (!RUN_STATUSES.includes(detail.status)) fail('status', RUN_STATUSES.join(', '));
  if (detail.exitCode !== null && !Number.isInteger(detail.exitCode)) fail('exitCode', 'null or an integer');
  if (!isTime(detail.startedAt)) fail('startedAt', 'an ISO 8601 time');
  if (!isTime(detail.stoppedAt)) fail('stoppedAt', 'an ISO 8601 time');
  if (!Array.isArray(detail.failedBudgetChecks)) fail('failedBudgetChecks', 'a list');
  return detail as RunFinished;
}
