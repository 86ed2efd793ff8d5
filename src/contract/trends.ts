/*
 * A site's trend file: the key timings of its runs over the reports' retention, small enough for
 * the viewer to chart a year of hourly runs (lambda-src/report-index/trend-file.ts writes it from
 * each run's extract; viewer/trend-chart.ts draws it). Pure, imports only the contract: the viewer bundles it.
 *
 *   .cdk-sitespeed/index/trends/<site>.json
 *     { "version": 1, "site": "shop", "urls": ["https://shop.example.com/"],
 *       "runs": [["2026-12-06-10-00-00", 0, 812, 640, 120, 1]],   every run of the last RECENT_DAYS days
 *       "days": [["2026-11-01", 0, 790, 630, 118, 24]] }            older: the median of each UTC day, per URL
 *
 * A row: [run folder or day, URL index, LCP, FCP, TTFB (ms, null when the run had none), runs].
 * Only measured runs (ok or budget failed, with pages) are charted; on-demand and confirmation
 * runs are, marked in the viewer by nothing but their time: they measured the site too.
 */
import { median } from './median';

/** The metrics charted, in the rows' order after the URL index. */
export const TREND_METRICS = ['largestContentfulPaint', 'firstContentfulPaint', 'ttfb'] as const;
/** Runs of this many days before the newest are kept one by one; older ones as daily medians. */
export const RECENT_DAYS = 30;

export type TrendRow = [string, number, number | null, number | null, number | null, number];

export interface TrendFile {
  readonly version: 1;
  readonly site: string;
  readonly urls: string[];
  readonly runs: TrendRow[];
  readonly days: TrendRow[];
}

/** What a run adds: its folder and, per URL, the medians of its iterations (a run extract's pages). */
export interface TrendRun {
  readonly run: string;
  readonly pages: ReadonlyArray<{ readonly url: string; readonly medians: Readonly<Record<string, number | undefined>> }>;
}

export function emptyTrend(site: string): TrendFile {
  return { version: 1, site, urls: [], runs: [], days: [] };
}

const byKey = (a: TrendRow, b: TrendRow) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]);

function roundedMedian(values: number[]): number | null {
  return values.length === 0 ? null : Math.round(median(values));
}

/** The day `days` before a run folder's day, as YYYY-MM-DD (UTC). */
function dayBefore(run: string, days: number): string {
  const t = Date.UTC(+run.slice(0, 4), +run.slice(5, 7) - 1, +run.slice(8, 10)) - days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/**
 * The file with a run added (or replaced: the same run twice changes nothing), runs of whole days
 * older than RECENT_DAYS before the newest folded into their day's medians, and days older than
 * `retentionDays` (null: kept for ever) dropped. Pure and order-free: late runs land in place.
 */
export function withRun(file: TrendFile, run: TrendRun, retentionDays: number | null): TrendFile {
  const urls = [...file.urls];
  const rows: TrendRow[] = run.pages.map(page => {
    let index = urls.indexOf(page.url);
    if (index < 0) index = urls.push(page.url) - 1;
    const value = (metric: string) => {
      const v = page.medians[metric];
      return typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : null;
    };
    return [run.run, index, ...TREND_METRICS.map(value), 1] as TrendRow;
  });
  const runs = [...file.runs.filter(r => r[0] !== run.run), ...rows].sort(byKey);
  const newest = runs.length > 0 ? runs[runs.length - 1][0] : run.run;
  // A run older than RECENT_DAYS that arrives late joins its day's median with the rest of that day.
  const firstRecentDay = dayBefore(newest, RECENT_DAYS);
  const recent = runs.filter(r => r[0].slice(0, 10) >= firstRecentDay);
  const old = runs.filter(r => r[0].slice(0, 10) < firstRecentDay);
  // Folding happens once a day for an hourly site (when a day leaves the recent ones): the days stay as they are otherwise.
  const folded = old.length > 0 ? foldDays([...file.days, ...old]) : file.days;
  const oldestDay = retentionDays === null ? '' : dayBefore(newest, retentionDays);
  return { version: 1, site: file.site, urls, runs: recent, days: folded.filter(d => d[0] >= oldestDay) };
}

/** Rows of runs and days merged into one row per day and URL: the median of the runs' values, weighted by the days' counts. */
function foldDays(rows: TrendRow[]): TrendRow[] {
  const groups = new Map<string, TrendRow[]>();
  for (const row of rows) {
    const key = `${row[0].slice(0, 10)}|${row[1]}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.entries()].map(([key, group]) => {
    const [day, url] = key.split('|');
    // A day already folded counts as its runs (its median repeated): close to the median of all, with no raw runs kept.
    const values = (i: 2 | 3 | 4) => group.flatMap(r => (r[i] === null ? [] : Array<number>(r[5]).fill(r[i] as number)));
    const runs = group.reduce((n, r) => n + r[5], 0);
    return [day, Number(url), roundedMedian(values(2)), roundedMedian(values(3)), roundedMedian(values(4)), runs] as TrendRow;
  }).sort(byKey);
}

/** The trend file, or undefined when the text is not one (corrupt, foreign). */
export function parseTrendFile(text: string, site: string): TrendFile | undefined {
  let data: any;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const isRow = (r: any) => Array.isArray(r) && r.length === 6 && typeof r[0] === 'string' && Number.isInteger(r[1])
    && [r[2], r[3], r[4]].every(v => v === null || typeof v === 'number') && Number.isInteger(r[5]);
  if (data?.version !== 1 || data.site !== site || !Array.isArray(data.urls) || !data.urls.every((u: unknown) => typeof u === 'string')
    || !Array.isArray(data.runs) || !data.runs.every(isRow) || !Array.isArray(data.days) || !data.days.every(isRow)) return undefined;
  return data as TrendFile;
}
