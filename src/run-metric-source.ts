import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { RUN_METRICS } from './contract/run-events';

/**
 * What logs run metrics: a SitespeedCluster (dimension Cluster), or one of its sites (dimensions
 * Cluster and Site; asking a site for one turns its per-site metrics on, see ScheduledSite.metric).
 * Each method sets the statistic and period the metric is read with; pass props to change them.
 */
export abstract class RunMetricSource extends Construct {
  /** A run metric by name (`RunMetrics`): Sum over an hour, Average for the duration. */
  public abstract metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Finished runs (Sum over an hour). */
  public metricRuns(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(RUN_METRICS.runs, props);
  }

  /** Finished runs that were not ok: budget failed, failed or no report, confirmation runs included (Sum over an hour). */
  public metricRunsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(RUN_METRICS.runsFailed, props);
  }

  /** Runs that failed their budget (Sum over an hour). */
  public metricBudgetFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(RUN_METRICS.budgetFailures, props);
  }

  /** Runs that left no report (Sum over an hour). */
  public metricRunsWithoutReport(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(RUN_METRICS.runsWithoutReport, props);
  }

  /** Runs that never started: RunTask refused them or no instance came (Sum over an hour; not those a hardStop schedule held). */
  public metricRunsNotStarted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(RUN_METRICS.runsNotStarted, props);
  }

  /** Scheduled runs skipped while the previous run of their site was still going (Sum over an hour). */
  public metricRunsSkipped(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(RUN_METRICS.runsSkipped, props);
  }

  /** Seconds from a run's start to its stop (Average over an hour). */
  public metricRunDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(RUN_METRICS.runDuration, props);
  }
}
