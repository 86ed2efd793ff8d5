/**
 * The calendar benchmark's fixture (issue: one calendar at any size): SITES sites, each run
 * RUNS_PER_DAY times a day for DAYS days, as the version 1 single tree.json and as the version 2
 * index (a summary and one file per site). A run in 40 fails (a budget or an error), and a few
 * sites are failing now. No reports: the viewer figures need only the index.
 */
import { failedChecksOf, summaryOf, withSiteSummaries } from '../lambda-src/report-index/index-files';
import { Run, SiteIndex, Summary } from '../src/contract/report-index';
import { folderOf } from '../src/contract/run-folders';

export const SITES = Number(process.env.BENCH_TREE_SITES ?? 200);
export const RUNS_PER_DAY = Number(process.env.BENCH_TREE_RUNS_PER_DAY ?? 6);
export const DAYS = Number(process.env.BENCH_TREE_DAYS ?? 365);
const START = Date.UTC(2025, 10, 28);

export const siteName = (i: number) => `site-${String(i).padStart(3, '0')}`;

function runOf(site: number, day: number, slot: number): Run {
  const at = new Date(START + day * 86_400_000 + (6 + slot * 2) * 3600_000 + (site % 60) * 1000 + 3000);
  const n = site * 7919 + day * 31 + slot;
  const failingNow = site % 25 === 0 && day === DAYS - 1;
  if (n % 40 !== 0 && !failingNow) return { run: folderOf(at), status: 'ok', exitCode: 0 };
  if (n % 80 === 0) return { run: folderOf(at), status: 'failed', exitCode: 2, reason: 'Essential container in task exited' };
  return {
    run: folderOf(at),
    status: 'failed',
    exitCode: 1,
    reason: 'Essential container in task exited',
    budget: failedChecksOf([{ page: 'home', metric: 'Total Requests', type: 'requests', value: 42 + (n % 9), limit: 40, limitType: 'max' }]),
  };
}

export interface CalendarFixture {
  readonly v1: { version: 1; sites: Record<string, Run[]> };
  readonly summary: Summary;
  readonly siteFiles: Map<string, SiteIndex>;
  readonly runs: number;
}

export function calendarFixture(): CalendarFixture {
  const v1: CalendarFixture['v1'] = { version: 1, sites: {} };
  const siteFiles = new Map<string, SiteIndex>();
  let runs = 0;
  for (let site = 0; site < SITES; site++) {
    const list: Run[] = [];
    for (let day = 0; day < DAYS; day++) for (let slot = 0; slot < RUNS_PER_DAY; slot++) list.push(runOf(site, day, slot));
    runs += list.length;
    // Version 1 knew no budget checks.
    v1.sites[siteName(site)] = list.map(({ budget, ...rest }) => rest);
    siteFiles.set(siteName(site), { version: 2, site: siteName(site), revision: list.length, runs: list });
  }
  const summary = withSiteSummaries(undefined, new Map([...siteFiles].map(([site, file]) => [site, summaryOf(file)])), 400);
  return { v1, summary, siteFiles, runs };
}

/**
 * The day everything fails: every site's last run failed 20 budget checks with a long reason, as
 * the summary holds it now (summaryOf) and as it held it before (the whole last run).
 */
export function allFailingSummaries(): { before: string; after: string } {
  const checks = failedChecksOf(Array.from({ length: 20 }, (_, i) => ({
    page: `https://www.example.com/products/category-${i}/a-long-product-page`,
    metric: `Largest Contentful Paint ${i}`,
    type: 'timings',
    value: 4200 + i,
    friendlyValue: `${4.2 + i / 100} s`,
    limit: 2500,
    friendlyLimit: '2.5 s',
    limitType: 'max',
  })));
  const last: Run = {
    run: folderOf(new Date(START)),
    status: 'failed',
    exitCode: 1,
    budget: checks,
    reason: 'Essential container in task exited: '.padEnd(600, 'sitespeed.io failed a budget and ended with exit code 1 '),
  };
  const sites = Array.from({ length: SITES }, (_, i) => siteName(i));
  const after = JSON.stringify(withSiteSummaries(undefined,
    new Map(sites.map(site => [site, summaryOf({ version: 2, site, revision: 1, runs: [last] })])), 400));
  const before = JSON.stringify(withSiteSummaries(undefined,
    new Map(sites.map(site => [site, { revision: 1, runs: 1, first: last.run, last }])), 400));
  return { before, after };
}
