/**
 * What else a slower site changed: page weight, request count, layout shift and blocking time,
 * reported with a candidate or a regression, never alerted on by themselves (the alert rate is
 * budgeted on the primary timings alone). They barely vary (weight, requests) or are mostly zero
 * (CLS, TBT), so a rank or shift test has no spread to work with: a threshold instead. A metric
 * changed when at least half of the runs since (one of two, two of three or of four) are above
 * everything the baseline did bar its top 5 % (its 95th percentile) and above the baseline median
 * by the threshold of REPORTED_THRESHOLDS (src/contract/run-extracts.ts).
 */
import { median } from '../../src/contract/median';
import { ReportedMetric, REPORTED_THRESHOLDS, RunExtract } from '../../src/contract/run-extracts';

export interface ReportedChange {
  readonly url: string;
  readonly metric: ReportedMetric;
  readonly baselineMedian: number;
  /** The baseline's 95th percentile (nearest rank): the runs since are above it. */
  readonly baselineHigh: number;
  /** The median of the runs since that are above baselineHigh (at least half of them): what the changed runs measure. */
  readonly recentMedian: number;
}

/** A metric's values of some runs for one URL, zeros included (a CLS of 0 is a measurement). */
function valuesOf(runs: readonly RunExtract[], url: string, metric: ReportedMetric): number[] {
  return runs.flatMap(r => {
    const value = r.pages.find(p => p.url === url)?.medians[metric];
    return value !== undefined && Number.isFinite(value) ? [value] : [];
  });
}

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);

/** The threshold metrics that moved up from the baseline to the runs since, for each URL of the latest run's setup. */
export function alsoChanged(baseline: readonly RunExtract[], since: readonly RunExtract[], minBaselineRuns: number): ReportedChange[] {
  const urls = since[since.length - 1]?.setup?.urls ?? [];
  const changes: ReportedChange[] = [];
  for (const url of urls) {
    for (const [metric, threshold] of Object.entries(REPORTED_THRESHOLDS) as [ReportedMetric, typeof REPORTED_THRESHOLDS[ReportedMetric]][]) {
      const before = sorted(valuesOf(baseline, url, metric));
      const after = sorted(valuesOf(since, url, metric));
      if (before.length < minBaselineRuns || after.length === 0) continue;
      const baselineMedian = median(before);
      const baselineHigh = before[Math.ceil(0.95 * before.length) - 1];
      const halfAbove = after[Math.floor(after.length / 2)];
      const needed = baselineMedian + Math.max(threshold.absolute, baselineMedian * threshold.percent / 100);
      if (halfAbove > baselineHigh && halfAbove >= needed) {
        changes.push({ url, metric, baselineMedian, baselineHigh, recentMedian: median(after.filter(v => v > baselineHigh)) });
      }
    }
  }
  return changes;
}
