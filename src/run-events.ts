import * as events from 'aws-cdk-lib/aws-events';
import { RUN_EVENTS, RUN_METRICS, RunStatus } from './contract/run-events';

export { RunStatus } from './contract/run-events';

/**
 * Options of a rule on a site's "Sitespeed Run Finished" events (`site.onRunFinished`).
 */
export interface RunFinishedOptions extends events.OnEventOptions {
  /**
   * Only runs with one of these statuses.
   * @default - every status
   */
  readonly statuses?: RunStatus[];

  /**
   * Whether confirmation runs are included: the re-run SiteAlerts starts after a failed run
   * (`rerun: true` in the event). Leave them out when the rule alerts or counts failures, or a
   * confirmed failure arrives twice.
   * @default true
   */
  readonly confirmationRuns?: boolean;
}

/** Options of a rule on a cluster's "Sitespeed Run Finished" events (`cluster.onRunFinished`). */
export interface ClusterRunFinishedOptions extends RunFinishedOptions {
  /**
   * Only runs of these sites (slugs of the cluster's sites; checked at synth, once every site exists).
   * @default - every site of the cluster
   */
  readonly sites?: string[];
}

/** Options of a rule on a cluster's "Sitespeed Run Skipped" or "Sitespeed Run Not Started" events. */
export interface ClusterRunEventOptions extends events.OnEventOptions {
  /**
   * Only runs of these sites (slugs of the cluster's sites; checked at synth, once every site exists).
   * @default - every site of the cluster
   */
  readonly sites?: string[];
}

/**
 * The names of the run events, for event patterns written by hand (another account's bus, a
 * pipe): prefer the constructs' `on*()` methods, which also scope the rule to one cluster.
 */
export class RunEvents {
  /** The `source` of every run event. */
  public static readonly SOURCE: string = RUN_EVENTS.source;
  /** Every stopped run of a site: status, report link, failing budget checks. */
  public static readonly FINISHED: string = RUN_EVENTS.finished;
  /** A scheduled run skipped because the site's previous run was still going. */
  public static readonly SKIPPED: string = RUN_EVENTS.skipped;
  /** A run RunTask refused to start (one event per attempt). */
  public static readonly NOT_STARTED: string = RUN_EVENTS.notStarted;
  /** A site got slower than its own recent past (docs/regressions.md). */
  public static readonly REGRESSION_DETECTED: string = RUN_EVENTS.regressionDetected;
  /** A regression ended: back at the baseline, or the new level accepted. */
  public static readonly REGRESSION_RECOVERED: string = RUN_EVENTS.regressionRecovered;
  /** The test setup changed, and a new baseline starts. */
  public static readonly BASELINE_RESET: string = RUN_EVENTS.baselineReset;
  private constructor() {}
}

/**
 * The run metrics' namespace, dimensions and names, for dashboards and alarms built by hand:
 * prefer the constructs' `metric*()` methods, which set the dimensions, statistic and period.
 */
export class RunMetrics {
  /** The CloudWatch namespace of the run metrics. */
  public static readonly NAMESPACE: string = RUN_METRICS.namespace;
  /** The dimension every run metric has: the ECS cluster's name. */
  public static readonly CLUSTER_DIMENSION: string = RUN_METRICS.clusterDimension;
  /** The dimension of per-site metrics (with Cluster): the site's slug. */
  public static readonly SITE_DIMENSION: string = RUN_METRICS.siteDimension;
  /** Finished runs. */
  public static readonly RUNS: string = RUN_METRICS.runs;
  /** Finished runs with status ok. */
  public static readonly RUNS_OK: string = RUN_METRICS.runsOk;
  /** Finished runs with any other status than ok. */
  public static readonly RUNS_FAILED: string = RUN_METRICS.runsFailed;
  /** Finished runs with status budget failed. */
  public static readonly BUDGET_FAILURES: string = RUN_METRICS.budgetFailures;
  /** Finished runs that left no report. */
  public static readonly RUNS_WITHOUT_REPORT: string = RUN_METRICS.runsWithoutReport;
  /** Runs that never started (not those a hardStop schedule held back). */
  public static readonly RUNS_NOT_STARTED: string = RUN_METRICS.runsNotStarted;
  /** Scheduled runs skipped while the site's previous run was still going. */
  public static readonly RUNS_SKIPPED: string = RUN_METRICS.runsSkipped;
  /** Runs runTask started. */
  public static readonly RUNS_STARTED: string = RUN_METRICS.runsStarted;
  /** Seconds from a finished run's start to its stop. */
  public static readonly RUN_DURATION: string = RUN_METRICS.runDuration;
  private constructor() {}
}
