import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { RUN_EVENTS, RUN_METRICS, RUN_STATUSES } from '../contract/run-events';
import { SITE_SLUG, SITE_SLUG_RULE } from '../contract/site-names';
import type { ClusterRunEventOptions, ClusterRunFinishedOptions } from '../run-events';
import type { SitespeedCluster } from '../sitespeed-cluster';
import { requireSitesOf } from './cluster-of';

/*
 * The typed run events and metrics of SitespeedCluster and ScheduledSite (aws-cdk-lib's
 * `repository.onImageScanCompleted()`, `cluster.metricCpuReservation()`): names from the contract,
 * every rule scoped to one cluster, so a rule never catches another stage's runs in the account.
 */

/** Whose runs: a cluster, or one site of it. */
export interface RunSubject {
  readonly cluster: SitespeedCluster;
  readonly site?: string;
  /** The construct path that names the subject in errors. */
  readonly path: string;
}

export type RunEventKind = 'finished' | 'skipped' | 'notStarted' | 'regressionDetected' | 'regressionRecovered' | 'baselineReset';

/** The events the report index puts (regression detection): a rule on them needs a ReportTree that detects. */
const REGRESSION_KINDS: RunEventKind[] = ['regressionDetected', 'regressionRecovered', 'baselineReset'];

/** A rule on the subject's run events of one kind; a target and a pattern of the user's are added as aws-cdk-lib's onEvent does. */
export function runEventRule(scope: Construct, id: string, subject: RunSubject, kind: RunEventKind,
  options: ClusterRunFinishedOptions & ClusterRunEventOptions): events.Rule {
  const detail: Record<string, unknown[]> = { cluster: [subject.cluster.cluster.clusterName] };
  const sites = subject.site !== undefined ? [subject.site] : checkedSites(options.sites, subject);
  if (sites) detail.site = sites;
  if (kind === 'finished') {
    const statuses = checkedStatuses(options.statuses, subject.path);
    if (statuses) detail.status = statuses;
    if (options.confirmationRuns === false) detail.rerun = [false];
  } else if (options.statuses !== undefined || options.confirmationRuns !== undefined) {
    throw new Error(`${subject.path}: statuses and confirmationRuns select finished runs; a ${RUN_EVENTS[kind]} event has neither.`);
  }
  const rule = new events.Rule(scope, id, {
    description: options.description ?? `cdk-sitespeed: ${RUN_EVENTS[kind]} events of ${subject.site ?? 'the cluster'}`,
    ruleName: options.ruleName,
    crossStackScope: options.crossStackScope,
    eventPattern: { source: [RUN_EVENTS.source], detailType: [RUN_EVENTS[kind]], detail },
  });
  if (options.eventPattern) rule.addEventPattern(options.eventPattern);
  if (options.target) rule.addTarget(options.target);
  if (sites && subject.site === undefined) requireSitesOf(rule, subject.cluster, 'sites', sites, '; the rule would never match it');
  if (REGRESSION_KINDS.includes(kind)) {
    // Checked at synth, so a ReportTree created after the rule counts.
    const cluster = subject.cluster;
    rule.node.addValidation({
      validate: () => (cluster.reportTree?.regressionDetection ? [] : [
        `${subject.path}: the rule on "${RUN_EVENTS[kind]}" would never fire: ` + (cluster.reportTree
          ? `${cluster.reportTree.node.path} has regressions.enabled false.`
          : 'the cluster has no ReportTree, whose index compares each run with the site\'s past (new ReportTree(this, \'Reports\', { cluster })).'),
      ]),
    });
  }
  return rule;
}

function checkedSites(sites: string[] | undefined, subject: RunSubject): string[] | undefined {
  if (sites === undefined) return undefined;
  if (!Array.isArray(sites) || sites.length === 0) throw new Error(`${subject.path}: sites must list at least one site slug, or be left out for every site.`);
  for (const [i, site] of sites.entries()) {
    if (Token.isUnresolved(site) || typeof site !== 'string' || !SITE_SLUG.test(site)) {
      throw new Error(`${subject.path}: sites[${i}] ${JSON.stringify(site)} must be a plain site slug (${SITE_SLUG_RULE}).`);
    }
  }
  return [...new Set(sites)];
}

function checkedStatuses(statuses: readonly unknown[] | undefined, path: string): string[] | undefined {
  if (statuses === undefined) return undefined;
  if (!Array.isArray(statuses) || statuses.length === 0) throw new Error(`${path}: statuses must list at least one RunStatus, or be left out for every status.`);
  for (const [i, status] of statuses.entries()) {
    if (!RUN_STATUSES.includes(status as any)) {
      throw new Error(`${path}: statuses[${i}] ${JSON.stringify(status)} is not a RunStatus (${RUN_STATUSES.join(', ')}).`);
    }
  }
  return [...new Set(statuses as string[])];
}

/** How each run metric is read: counts add up over an hour (runs are minutes to hours apart), durations average. */
const STATISTICS: Record<string, string> = { [RUN_METRICS.runDuration]: cloudwatch.Stats.AVERAGE };

/** A run metric of the subject, in the contract's namespace with its dimensions. */
export function runMetric(subject: RunSubject, metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: RUN_METRICS.namespace,
    metricName,
    dimensionsMap: {
      [RUN_METRICS.clusterDimension]: subject.cluster.cluster.clusterName,
      ...(subject.site !== undefined ? { [RUN_METRICS.siteDimension]: subject.site } : {}),
    },
    statistic: STATISTICS[metricName] ?? cloudwatch.Stats.SUM,
    period: Duration.hours(1),
    ...props,
  });
}
