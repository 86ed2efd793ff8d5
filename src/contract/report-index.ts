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
 * nextRevision), so the summary never takes an older state of a site over a newer one. Written by the index writer
 * (lambda-src/write-tree), read by the viewer and the check command: no imports.
 */

/** A run's status in the index (the viewer's colours): coarser than the event's RunStatus. */
export type IndexRunStatus = 'ok' | 'failed' | 'unknown';

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
  readonly status: IndexRunStatus;
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
