/** Pure index logic: runs from events, merging, retention and summaries (the S3 side is s3-index.ts). */
import { FailedCheck, own, recordOf, Run, SiteIndex, SiteSummary, Summary } from '../../src/contract/report-index';
import { BudgetCheck, RunFinished } from '../../src/contract/run-events';
import { folderOf } from '../../src/contract/run-folders';

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

function byRun(a: Run, b: Run): number {
  return a.run < b.run ? -1 : a.run > b.run ? 1 : 0;
}

export { retentionDaysOf } from '../shared/handler';

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
