import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { stackWithVpc } from './helpers';
import { ReportTree, RunEvents, RunMetrics, RunMetricSource, RunStatus, SiteAlerts, SitespeedCluster } from '../src';
import { RUN_EVENTS, RUN_METRICS, RUN_STATUSES } from '../src/contract/run-events';

const schedule = ScheduleExpression.rate(Duration.hours(1));

function cluster() {
  const { stack, vpc } = stackWithVpc();
  const sitespeed = new SitespeedCluster(stack, 'Sitespeed', { vpc });
  const shop = sitespeed.addSite('Shop', { schedule, urls: [{ url: 'https://shop.example.com/' }] });
  const queue = new sqs.Queue(stack, 'Queue');
  return { stack, sitespeed, shop, queue };
}

const patternOf = (stack: Stack, id: string) => {
  const rules = Template.fromStack(stack).findResources('AWS::Events::Rule');
  const [key] = Object.keys(rules).filter(k => k.startsWith(id));
  if (!key) throw new Error(`no rule ${id}`);
  return stack.resolve(rules[key].Properties.EventPattern);
};

describe('typed run events', () => {
  test('onRunFinished on the cluster: scoped to the cluster by name, with statuses, sites and no confirmation runs', () => {
    const { stack, sitespeed, queue } = cluster();
    const rule = sitespeed.onRunFinished('Problems', {
      statuses: [RunStatus.BUDGET_FAILED, RunStatus.FAILED], sites: ['shop'], confirmationRuns: false, target: new targets.SqsQueue(queue),
    });
    expect(rule.node.scope).toBe(sitespeed);
    expect(patternOf(stack, 'SitespeedProblems')).toEqual({
      'source': ['cdk-sitespeed'],
      'detail-type': ['Sitespeed Run Finished'],
      'detail': { cluster: [stack.resolve(sitespeed.cluster.clusterName)], site: ['shop'], status: ['budget failed', 'failed'], rerun: [false] },
    });
    const targetsOfRule = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'))
      .find(r => r.Properties.Targets)!.Properties.Targets;
    expect(targetsOfRule).toHaveLength(1);
  });

  test('by default every status, every site and the confirmation runs: only the cluster scopes it', () => {
    const { stack, sitespeed } = cluster();
    sitespeed.onRunFinished('All');
    expect(patternOf(stack, 'SitespeedAll').detail).toEqual({ cluster: [stack.resolve(sitespeed.cluster.clusterName)] });
  });

  test('a site\'s rules carry its slug; skipped and not started have their own detail types', () => {
    const { stack, shop, sitespeed } = cluster();
    shop.onRunFinished('Finished', { statuses: [RunStatus.OK] });
    shop.onRunSkipped('Skipped');
    sitespeed.onRunNotStarted('NotStarted', { sites: ['shop'] });
    const clusterName = stack.resolve(sitespeed.cluster.clusterName);
    expect(patternOf(stack, 'SitespeedShopFinished').detail).toEqual({ cluster: [clusterName], site: ['shop'], status: ['ok'] });
    expect(patternOf(stack, 'SitespeedShopSkipped')['detail-type']).toEqual(['Sitespeed Run Skipped']);
    expect(patternOf(stack, 'SitespeedNotStarted')).toMatchObject({ 'detail-type': ['Sitespeed Run Not Started'], 'detail': { site: ['shop'] } });
  });

  test('a pattern of the user\'s is merged in, as aws-cdk-lib\'s onEvent does', () => {
    const { stack, sitespeed } = cluster();
    sitespeed.onRunFinished('Slow', { eventPattern: { detail: { durationSeconds: [{ numeric: ['>', 600] }] } } });
    expect(patternOf(stack, 'SitespeedSlow').detail).toMatchObject({ durationSeconds: [{ numeric: ['>', 600] }] });
  });

  test('sites are checked once every site exists: a later site counts, a slug of no site is an error', () => {
    const { stack, sitespeed } = cluster();
    sitespeed.onRunFinished('Later', { sites: ['blog'] });
    sitespeed.addSite('Blog', { schedule, urls: [{ url: 'https://blog.example.com/' }] });
    expect(() => Template.fromStack(stack)).not.toThrow();
    const other = cluster();
    other.sitespeed.onRunFinished('Typo', { sites: ['shpo'] });
    expect(() => Template.fromStack(other.stack)).toThrow(/sites: 'shpo' is not a site of Test\/Sitespeed \(its sites: shop\)/);
  });

  test.each([
    ['an unknown status', { statuses: ['broken' as RunStatus] }, /statuses\[0\] "broken" is not a RunStatus \(ok, budget failed, failed, no report, not started\)/],
    ['no status', { statuses: [] }, /statuses must list at least one RunStatus/],
    ['no site', { sites: [] }, /sites must list at least one site slug/],
    ['a site that is no slug', { sites: ['shop/prod'] }, /sites\[0\] "shop\/prod" must be a plain site slug/],
  ])('%s is refused, naming the option', (_name, options, message) => {
    const { sitespeed } = cluster();
    expect(() => sitespeed.onRunFinished('Bad', options)).toThrow(message);
  });

  test('statuses on an event that has none is refused', () => {
    const { sitespeed } = cluster();
    expect(() => sitespeed.onRunSkipped('Bad', { statuses: [RunStatus.OK] } as any))
      .toThrow(/statuses and confirmationRuns select finished runs; a Sitespeed Run Skipped event has neither/);
  });

  test('regression events: typed rules on the cluster and the site, which need a ReportTree that detects (checked at synth, in any order)', () => {
    const { stack, sitespeed, shop } = cluster();
    sitespeed.onRegressionDetected('Slower', { sites: ['shop'] });
    shop.onRegressionRecovered('Back');
    shop.onBaselineReset('Reset');
    new ReportTree(stack, 'Reports', { cluster: sitespeed });
    const clusterName = stack.resolve(sitespeed.cluster.clusterName);
    expect(patternOf(stack, 'SitespeedSlower')).toEqual({
      'source': ['cdk-sitespeed'], 'detail-type': ['Sitespeed Regression Detected'], 'detail': { cluster: [clusterName], site: ['shop'] },
    });
    expect(patternOf(stack, 'SitespeedShopBack')['detail-type']).toEqual(['Sitespeed Regression Recovered']);
    expect(patternOf(stack, 'SitespeedShopReset')['detail-type']).toEqual(['Sitespeed Baseline Reset']);

    const none = cluster();
    none.sitespeed.onRegressionDetected('Slower');
    expect(() => Template.fromStack(none.stack)).toThrow(/the rule on "Sitespeed Regression Detected" would never fire: the cluster has no ReportTree/);
    const off = cluster();
    off.shop.onRegressionRecovered('Back');
    new ReportTree(off.stack, 'Reports', { cluster: off.sitespeed, regressions: { enabled: false } });
    expect(() => Template.fromStack(off.stack)).toThrow(/Test\/Reports has regressions.enabled false/);
  });

  test('SiteAlerts sends regressions only with alertOnRegressions: a rule per event to its function', () => {
    const regressionRules = (alertOnRegressions: boolean) => {
      const { stack, sitespeed } = cluster();
      new ReportTree(stack, 'Reports', { cluster: sitespeed });
      new SiteAlerts(stack, 'Alerts', { cluster: sitespeed, emails: ['ops@example.com'], alertOnRegressions });
      return Object.entries(Template.fromStack(stack).findResources('AWS::Events::Rule'))
        .filter(([, r]) => JSON.stringify(r.Properties.EventPattern ?? {}).includes('Regression')).map(([k]) => k.replace(/[0-9A-F]{8}$/, ''));
    };
    expect(regressionRules(false)).toEqual([]);
    expect(regressionRules(true)).toEqual(['AlertsOnRegressionDetected', 'AlertsOnRegressionRecovered']);
  });

  test('RunStatus, RunEvents and RunMetrics are the contract\'s names', () => {
    expect(Object.values(RunStatus)).toEqual(RUN_STATUSES);
    expect([RunEvents.SOURCE, RunEvents.FINISHED, RunEvents.SKIPPED, RunEvents.NOT_STARTED])
      .toEqual([RUN_EVENTS.source, RUN_EVENTS.finished, RUN_EVENTS.skipped, RUN_EVENTS.notStarted]);
    expect([RunMetrics.NAMESPACE, RunMetrics.RUNS_FAILED, RunMetrics.RUN_DURATION]).toEqual([RUN_METRICS.namespace, 'RunsFailed', 'RunDuration']);
  });
});

describe('typed run metrics', () => {
  test('the cluster\'s: namespace, Cluster dimension, Sum over an hour (duration: Average)', () => {
    const { stack, sitespeed } = cluster();
    const failed = sitespeed.metricRunsFailed();
    expect(failed.namespace).toBe('cdk-sitespeed');
    expect(failed.metricName).toBe('RunsFailed');
    expect(stack.resolve(failed.dimensions)).toEqual({ Cluster: stack.resolve(sitespeed.cluster.clusterName) });
    expect(failed.statistic).toBe('Sum');
    expect(failed.period.toSeconds()).toBe(3600);
    expect(sitespeed.metricRunDuration().statistic).toBe('Average');
    const names = [sitespeed.metricRuns(), sitespeed.metricBudgetFailures(), sitespeed.metricRunsWithoutReport(),
      sitespeed.metricRunsNotStarted(), sitespeed.metricRunsSkipped()].map(m => m.metricName);
    expect(names).toEqual(['Runs', 'BudgetFailures', 'RunsWithoutReport', 'RunsNotStarted', 'RunsSkipped']);
    expect(sitespeed.metricRunsFailed({ period: Duration.days(1), statistic: 'Maximum' })).toMatchObject({ statistic: 'Maximum' });
  });

  test('every metric the functions log has a method, and every method names a metric they log', () => {
    const { sitespeed } = cluster();
    const methods = Object.getOwnPropertyNames(RunMetricSource.prototype).filter(n => /^metric./.test(n));
    const named = methods.map(m => (sitespeed as any)[m]().metricName).sort();
    const logged = Object.entries(RUN_METRICS).filter(([k]) => !['namespace', 'clusterDimension', 'siteDimension', 'runsOk', 'runsStarted'].includes(k))
      .map(([, v]) => v).sort();
    expect(named).toEqual(logged);
  });

  test('a site\'s metric has the Site dimension and turns its per-site metrics on (the functions\' SITE_METRICS)', () => {
    const siteMetricsOf = (stack: Stack) => Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))
      .map(f => f.Properties.Environment?.Variables?.SITE_METRICS).filter(v => v !== undefined);
    expect(siteMetricsOf(cluster().stack)).toEqual(['[]', '[]']);
    const { stack, sitespeed, shop } = cluster();
    const metric = shop.metricBudgetFailures();
    expect(stack.resolve(metric.dimensions)).toEqual({ Cluster: stack.resolve(sitespeed.cluster.clusterName), Site: 'shop' });
    metric.createAlarm(stack, 'ShopBudget', { threshold: 1, evaluationPeriods: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD });
    expect(siteMetricsOf(stack)).toEqual(['["shop"]', '["shop"]']);
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'cdk-sitespeed', MetricName: 'BudgetFailures', Statistic: 'Sum', Period: 3600 });
  });

  test('a site with siteMetrics: false refuses its metric methods, saying why', () => {
    const { sitespeed } = cluster();
    const blog = sitespeed.addSite('Blog', { schedule, urls: [{ url: 'https://blog.example.com/' }], siteMetrics: false });
    expect(() => blog.metricRunsFailed()).toThrow(/Test\/Sitespeed\/Blog: siteMetrics is false, so the site's runs log no per-site metric and RunsFailed would stay empty/);
  });
});
