/**
 * The report index the calendar viewer reads (version 2), in the reports bucket:
 *
 *   .cdk-sitespeed/index/summary.json         every site: its latest run, its number of runs
 *     { "version": 2, "retentionDays": 400, "sites": { "<slug>": { "revision": 7, "runs": 2190,
 *       "first": "2025-…", "last": { "run": "2026-11-27-08-15-03", "status": "ok", … } } } }
 *   .cdk-sitespeed/index/sites/<slug>.json    one site's runs
 *     { "version": 2, "site": "<slug>", "revision": 7, "runs": [ { "run": "…", "status": "ok" }, … ] }
 *
 * A stopped run rewrites its own site's file and the summary: neither write grows with the
 * number of other sites or their runs, and the viewer downloads the summary first and a
 * site's runs only when it is opened. `revision` grows with every write of a site's file (see
 * nextRevision), so the summary never takes an older state of a site over a newer one. Pure: the S3 side is s3-index.ts.
 */
import { folderOf, isRunFolder, SITE_SLUG } from './tree';
import type { BudgetCheck, RunFinished } from '../run-outcome/outcome';

export { INDEX_PREFIX, KEPT_PREFIX, SITES_PREFIX, siteIndexKey, SUMMARY_KEY } from '../../src/private/report-keys';

export type RunStatus = 'ok' | 'failed' | 'unknown';

/** A failing budget check as the viewer shows it. */
export interface FailedCheck {
  readonly page: string;
  readonly metric: string;
  readonly value: string;
  readonly limit: string;
  readonly limitType?: string;
}

export interface Run {
  /** The report folder (`YYYY-MM-DD-HH-mm-ss`, UTC); for a run without report, when it started. */
  readonly run: string;
  /** ok; failed (non-zero exit, failed budget, no report); unknown (a folder whose run was never seen stopping). */
  readonly status: RunStatus;
  readonly exitCode?: number;
  readonly reason?: string;
  /** False when the run left no report. */
  readonly report?: boolean;
  /** The failing budget checks, when the run failed its budget (the first ones the event carried). */
  readonly budget?: FailedCheck[];
  /** How many checks failed, when more than `budget` lists (the rest are in the report's budgetResult.json). */
  readonly budgetCount?: number;
  /** A confirmation run (SiteAlerts). */
  readonly rerun?: boolean;
  /** False when the run never started (no capacity, a failed pull): status failed, or unknown when held by a hardStop schedule. */
  readonly started?: boolean;
  /** ECS's stop code of a run that never started. */
  readonly stopCode?: string;
}

export interface SiteIndex {
  readonly version: 2;
  readonly site: string;
  readonly revision: number;
  readonly runs: Run[];
}

export interface SiteSummary {
  readonly revision: number;
  readonly runs: number;
  readonly first?: string;
  readonly last?: Run;
}

export interface Summary {
  readonly version: 2;
  /** Runs older than this are dropped by the index (and their reports by the bucket's lifecycle); null: kept for ever. */
  readonly retentionDays: number | null;
  readonly sites: Record<string, SiteSummary>;
}

/**
 * Slugs are user data, and `constructor`, `toString` or `__proto__` are valid slugs that every
 * object also answers to: only an object's own entries count.
 */
export function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** A record built entry by entry, where a `__proto__` key is an entry like any other. */
export function recordOf<T>(entries: Iterable<[string, T]>): Record<string, T> {
  const record: Record<string, T> = {};
  for (const [key, value] of entries) Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  return record;
}

const isRun = (r: any) => typeof r?.run === 'string' && typeof r?.status === 'string';

/** A site's file, or undefined when the text is not one (corrupt, foreign, of another site). */
export function parseSiteIndex(text: string, site: string): SiteIndex | undefined {
  const data = parseJson(text);
  if (!data || data.version !== 2 || data.site !== site || !Number.isInteger(data.revision) || !Array.isArray(data.runs)) return undefined;
  return data.runs.every(isRun) ? data as SiteIndex : undefined;
}

export function parseSummary(text: string): Summary | undefined {
  const data = parseJson(text);
  if (!data || data.version !== 2 || typeof data.sites !== 'object' || data.sites === null || Array.isArray(data.sites)) return undefined;
  for (const entry of Object.values<any>(data.sites)) {
    if (!entry || !Number.isInteger(entry.revision) || typeof entry.runs !== 'number' || (entry.last !== undefined && !isRun(entry.last))) return undefined;
  }
  return data as Summary;
}

function parseJson(text: string): any {
  try {
    // JSON.parse makes a `__proto__` key an own property, as it should be here.
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function shown(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
}

export function failedChecksOf(checks: BudgetCheck[]): FailedCheck[] {
  return checks.map(c => ({
    page: c.page,
    metric: c.metric,
    value: shown(c.friendlyValue ?? c.value),
    limit: shown(c.friendlyLimit ?? c.limit),
    ...(c.limitType ? { limitType: c.limitType } : {}),
  }));
}

/** The index's run of a "Sitespeed Run Finished" event's detail. */
export function runOfOutcome(detail: RunFinished): Run {
  const budget = failedChecksOf(detail.failedBudgetChecks ?? []);
  return {
    run: detail.run ?? folderOf(new Date(detail.startedAt)),
    // A run held back by the cluster's hardStop schedule is expected: not a failure.
    status: detail.status === 'ok' ? 'ok' : detail.status === 'not started' && detail.heldByHardStop ? 'unknown' : 'failed',
    ...(detail.exitCode !== null && detail.exitCode !== undefined ? { exitCode: detail.exitCode } : {}),
    ...(detail.reason ? { reason: detail.reason } : {}),
    ...(detail.run === null ? { report: false } : {}),
    ...(budget.length > 0 ? { budget } : {}),
    ...((detail.failedBudgetCheckCount ?? 0) > budget.length ? { budgetCount: detail.failedBudgetCheckCount } : {}),
    ...(detail.rerun ? { rerun: true } : {}),
    ...(detail.status === 'not started' ? { started: false, ...(detail.stopCode ? { stopCode: detail.stopCode } : {}) } : {}),
  };
}

const STATUSES = ['ok', 'budget failed', 'failed', 'no report', 'not started'];

/**
 * The detail of a "Sitespeed Run Finished" event, checked field by field: an event this version
 * cannot file is an error that names the field (logged and alarmed; the daily rebuild still files the run from the bucket).
 */
export function outcomeOfEvent(event: any): RunFinished {
  const detail = event?.detail;
  const fail = (field: string, allowed: string) => {
    throw new Error(`Sitespeed Run Finished event: detail.${field} is ${JSON.stringify(detail?.[field])}; expected ${allowed}`);
  };
  if (event?.['detail-type'] !== 'Sitespeed Run Finished' || typeof detail !== 'object' || detail === null) {
    throw new Error(`expected a "Sitespeed Run Finished" event (source cdk-sitespeed), got detail-type ${JSON.stringify(event?.['detail-type'])}`);
  }
  if (detail.version !== 1) fail('version', '1');
  if (typeof detail.site !== 'string' || !SITE_SLUG.test(detail.site)) fail('site', 'a site slug');
  if (detail.run !== null && (typeof detail.run !== 'string' || !isRunFolder(detail.run))) {
    fail('run', 'null or a run folder YYYY-MM-DD-HH-mm-ss: a real UTC time, not after tomorrow');
  }
  if (!STATUSES.includes(detail.status)) fail('status', STATUSES.join(', '));
  if (detail.exitCode !== null && !Number.isInteger(detail.exitCode)) fail('exitCode', 'null or an integer');
  if (typeof detail.startedAt !== 'string' || Number.isNaN(Date.parse(detail.startedAt))) fail('startedAt', 'an ISO 8601 time');
  if (detail.failedBudgetChecks !== undefined && !Array.isArray(detail.failedBudgetChecks)) fail('failedBudgetChecks', 'a list');
  return detail as RunFinished;
}

function byRun(a: Run, b: Run): number {
  return a.run < b.run ? -1 : a.run > b.run ? 1 : 0;
}

/** RETENTION_DAYS: a whole number of days, or '' (kept for ever). */
export function retentionDaysOf(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1) throw new Error(`environment variable RETENTION_DAYS is '${value}'; expected a whole number of days, or empty`);
  return days;
}

/**
 * The first run folder kept when runs are kept `retentionDays` (none: every run). A run's folder
 * is named when it starts, before any of its objects is written, and S3 expires an object
 * `days` after its creation, rounded up to the next midnight UTC
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html):
 * so the index drops a run no later than S3 deletes its report, and never links to a deleted one.
 */
export function retentionCutoff(retentionDays: number | null, now: Date): string | undefined {
  return retentionDays === null ? undefined : folderOf(new Date(now.getTime() - retentionDays * 86_400_000));
}

/** `runs` with `added` merged in (what is new wins, what it does not say is kept), expired runs dropped, sorted. */
export function mergeRuns(runs: Run[], added: Run[], cutoff?: string): Run[] {
  const merged = new Map(runs.map(r => [r.run, r]));
  for (const run of added) merged.set(run.run, { ...merged.get(run.run), ...run });
  return [...merged.values()].filter(r => cutoff === undefined || r.run >= cutoff).sort(byRun);
}

/**
 * A site's runs from a listing of its folders, keeping what `known` says of each: folders never
 * seen stopping are unknown; a known run whose folder is gone is dropped unless it never had a
 * report (a failed start); expired runs are dropped.
 */
export function reconcile(folders: string[], known: Run[], cutoff?: string): Run[] {
  const byFolder = new Map(known.map(r => [r.run, r]));
  const runs = new Map<string, Run>();
  for (const folder of folders) runs.set(folder, byFolder.get(folder) ?? { run: folder, status: 'unknown' });
  for (const run of known) if (run.report === false && !runs.has(run.run)) runs.set(run.run, run);
  return [...runs.values()].filter(r => cutoff === undefined || r.run >= cutoff).sort(byRun);
}

/** `known` with what `more` says where `known` says less (absent, or unknown). */
export function withKnown(known: Run[], more: Run[]): Run[] {
  const runs = new Map(known.map(r => [r.run, r]));
  for (const run of more) {
    const had = runs.get(run.run);
    if (!had || had.status === 'unknown') runs.set(run.run, { ...had, ...run });
  }
  return [...runs.values()].sort(byRun);
}

/**
 * A site file's next revision: one more than the file it changes, and never less than the time
 * of the write in milliseconds. Counting alone froze the summary when a site's file was rebuilt
 * (missing, corrupt) or restored from an older version: it started again far below the revision
 * the summary held, which keeps the higher one, so the site's entry stopped updating. A write's
 * time is above any revision written before it; a compare-and-swap still orders two writers of
 * one file (the later one read the earlier one's revision).
 */
export function nextRevision(current: number, now: Date): number {
  return Math.max(current + 1, now.getTime());
}

/** What the site list shows of a site's last run: its status and time, a bounded reason, how many checks failed. */
const SUMMARY_REASON_CHARS = 160;

/**
 * A run as the summary holds it. The summary is what the calendar loads first, so it stays small
 * on the day everything fails: not the run's budget checks (their count only) nor a long reason
 * (the site's own file has both, loaded when the site is opened).
 */
export function summaryRun(run: Run): Run {
  const { budget, budgetCount, reason, ...rest } = run;
  const failing = budgetCount ?? budget?.length ?? 0;
  return {
    ...rest,
    ...(reason ? { reason: reason.length > SUMMARY_REASON_CHARS ? `${reason.slice(0, SUMMARY_REASON_CHARS - 1)}…` : reason } : {}),
    ...(failing > 0 ? { budgetCount: failing } : {}),
  };
}

export function summaryOf(index: SiteIndex): SiteSummary {
  const { runs } = index;
  return {
    revision: index.revision,
    runs: runs.length,
    ...(runs.length > 0 ? { first: runs[0].run, last: summaryRun(runs[runs.length - 1]) } : {}),
  };
}

/**
 * The summary with these sites' entries, each taken only if it is newer (a higher revision) than
 * the one it has: of two writers of one site, the later state wins whichever writes last.
 * `replaceAll`: a rebuild's summary (sites not given are dropped).
 */
export function withSiteSummaries(summary: Summary | undefined, entries: Map<string, SiteSummary>, retentionDays: number | null,
  replaceAll = false): Summary {
  const sites = new Map<string, SiteSummary>(replaceAll || !summary ? [] : Object.entries(summary.sites));
  for (const [site, entry] of entries) {
    const had = summary ? own(summary.sites, site) : undefined;
    sites.set(site, had && had.revision > entry.revision ? had : entry);
  }
  for (const [site, entry] of sites) if (entry.runs === 0) sites.delete(site);
  const sorted = [...sites].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { version: 2, retentionDays, sites: recordOf(sorted) };
}
