/**
 * tree.json: every site's runs, which the calendar viewer reads.
 *   { "version": 1, "sites": { "<slug>": [ { "run": "2026-11-27-08-15-03", "status": "ok" }, … ] } }
 * Runs are sorted by their (UTC) folder name; status is "ok", "failed" or "unknown" (a run
 * whose task event was never seen, e.g. after a rebuild of runs older than the tree).
 */
export type RunStatus = 'ok' | 'failed' | 'unknown';

export interface Run {
  readonly run: string;
  readonly status: RunStatus;
  readonly exitCode?: number;
  readonly reason?: string;
  /** False when the run failed before it uploaded a report. */
  readonly report?: boolean;
}

export interface Tree {
  readonly version: 1;
  readonly sites: Record<string, Run[]>;
}

/** A run folder: sitespeed.io's <YYYY-MM-DD-HH-mm-ss>. */
export const RUN_FOLDER = /^\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}$/;
/** What a site folder may be named (sitespeed.io's slug). */
export { SITE_SLUG } from '../../../src/contract/site-names';

/**
 * A site's runs. Slugs are user data, and `constructor`, `toString` or `__proto__` are valid
 * slugs that every object also answers to: only the tree's own entries count.
 */
export function runsOf(tree: Tree, site: string): Run[] {
  return Object.prototype.hasOwnProperty.call(tree.sites, site) ? tree.sites[site] : [];
}

export function emptyTree(): Tree {
  return { version: 1, sites: {} };
}

/** Parses tree.json, or returns undefined when it is not a tree (corrupt, foreign, truncated). */
export function parseTree(text: string): Tree | undefined {
  let data: any;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!data || data.version !== 1 || typeof data.sites !== 'object' || Array.isArray(data.sites)) return undefined;
  for (const runs of Object.values(data.sites)) {
    if (!Array.isArray(runs) || runs.some((r: any) => typeof r?.run !== 'string' || typeof r?.status !== 'string')) return undefined;
  }
  return data as Tree;
}

/**
 * The tree with `site`'s runs set to the folders listed, keeping what is known of each run and
 * adding `stopped` (the task that just ended). Other sites are untouched.
 */
export function mergeSite(tree: Tree, site: string, folders: string[], stopped?: Run): Tree {
  const known = new Map(runsOf(tree, site).map(r => [r.run, r]));
  const runs = new Map<string, Run>();
  for (const folder of folders) runs.set(folder, known.get(folder) ?? { run: folder, status: 'unknown' });
  // A known run without a folder is kept only if it never had a report (a failed start).
  for (const run of known.values()) if (run.report === false && !runs.has(run.run)) runs.set(run.run, run);
  if (stopped) runs.set(stopped.run, { ...runs.get(stopped.run), ...stopped });
  const sorted = [...runs.values()].sort((a, b) => (a.run < b.run ? -1 : a.run > b.run ? 1 : 0));
  return { version: 1, sites: { ...tree.sites, [site]: sorted } };
}

/** The run folder name (UTC) of a moment, as sitespeed.io names it with --utc. */
export function folderOf(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getUTCFullYear()}-${p(date.getUTCMonth() + 1)}-${p(date.getUTCDate())}-${p(date.getUTCHours())}-${p(date.getUTCMinutes())}-${p(date.getUTCSeconds())}`;
}

/** The folder a task wrote: the last one that starts between the task's start (less a minute of clock skew) and its stop. */
export function folderOfTask(folders: string[], startedAt: Date, stoppedAt: Date): string | undefined {
  const from = folderOf(new Date(startedAt.getTime() - 60_000));
  const to = folderOf(stoppedAt);
  return folders.filter(f => f >= from && f <= to).sort().pop();
}
