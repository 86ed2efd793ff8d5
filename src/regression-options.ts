import { Duration } from 'aws-cdk-lib';

/**
 * How a site's runs are compared with its own recent past (docs/regressions.md): on a
 * ReportTree for every site, on a ScheduledSite for that site (what it leaves out comes from the
 * ReportTree). The defaults are what `BENCH_ONLY=regressions npm run bench` measured.
 */
export interface RegressionOptions {
  /**
   * Whether runs are compared at all. On a ReportTree, false also leaves its function without
   * permission to put events.
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * Comparable runs (ok or budget failed, scheduled, the same test setup) a baseline needs before
   * any verdict: the site is "warming up" until then. More: steadier baselines, a later first
   * verdict (a daily site needs this many days).
   * @default 15
   */
  readonly minBaselineRuns?: number;

  /**
   * How far back a baseline reaches: older runs are not compared.
   * @default Duration.days(30)
   */
  readonly maxBaselineAge?: Duration;

  /**
   * Runs tested together against the baseline to raise a candidate: the latest and the ones
   * before it. One run cannot reach a corrected level against noisy runs; more find a change later.
   * @default 2
   */
  readonly recentRuns?: number;

  /**
   * Runs that must show a candidate's change before it is confirmed (a Detected event, an alert):
   * counted from the first run of the window it was first seen in, which starts one run before the
   * change. Also at least `recentRuns` + 1, and as many as the baseline's correlation between runs
   * needs. 4 instead of 3: about a quarter of the false alarms from pairs of outlier runs, for
   * confirmation one run later (docs/regressions.md has the measured figures).
   * @default 3
   */
  readonly confirmRuns?: number;

  /**
   * The chance per decision of a false finding across every URL and metric tested (Holm's
   * correction keeps the family at this level). Smaller: fewer false alarms, smaller changes missed.
   * @default 0.01
   */
  readonly significance?: number;

  /**
   * The smallest slowdown that counts, in percent of the baseline's median: the lower confidence
   * bound of the change must reach it (and `minSlowdown`).
   * @default 3
   */
  readonly minSlowdownPercent?: number;

  /**
   * The smallest slowdown that counts, as a time: the lower confidence bound of the change must
   * reach it (and `minSlowdownPercent`).
   * @default Duration.millis(50)
   */
  readonly minSlowdown?: Duration;

  /**
   * Runs after which a regression that has not recovered is accepted: its level becomes the
   * baseline (a "Sitespeed Regression Recovered" event with how: accepted).
   * @default 72
   */
  readonly acceptAfterRuns?: number;
}
