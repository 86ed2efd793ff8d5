import { Duration, TimeZone } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { runNag } from './harness/nag';
import { flatten, policyStatementsOfRole, stackWithVpc } from './helpers';
import { DeployMarkers, GraphiteGrafana, ReportRetention, ReportTree, SitespeedCluster } from '../src';

const daily = ScheduleExpression.cron({ minute: '0', hour: '9', timeZone: TimeZone.of('Europe/Stockholm') });
const PIPELINE = { source: ['aws.codepipeline'], detailType: ['CodePipeline Pipeline Execution State Change'], detail: { state: ['SUCCEEDED'] } };

function deployment(withMetrics = true) {
  const { stack, vpc } = stackWithVpc();
  const metrics = withMetrics ? new GraphiteGrafana(stack, 'Metrics', { vpc }) : undefined;
  const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc, metrics, reportsBucket: withMetrics ? undefined : s3.Bucket.fromBucketName(stack, 'R', 'reports') });
  return { stack, cluster, metrics };
}

const functionEnv = (template: Template) => Object.values(template.findResources('AWS::Lambda::Function'))
  .find(f => /deploy markers/.test(f.Properties.Description))!.Properties.Environment.Variables;

describe('DeployMarkers', () => {
  test('the function knows every site and its Graphite namespace, the ReportTree\'s retention and Graphite, whatever the order of creation', () => {
    const { stack, cluster } = deployment();
    const markers = new DeployMarkers(stack, 'Markers', { cluster });
    // Sites and the ReportTree after the markers: order-free.
    cluster.addSite('Shop', { schedule: daily, urls: [{ url: 'https://shop.example.com/' }] });
    cluster.addSite('Blog', { schedule: daily, urls: [{ url: 'https://blog.example.com/' }], graphiteNamespace: 'sitespeed_io.blog' });
    new ReportTree(stack, 'Reports', { cluster, reportRetention: ReportRetention.expireAfter(Duration.days(30)) });
    const env = functionEnv(Template.fromStack(stack));
    expect(JSON.parse(env.SITES)).toEqual([['sitespeed_io.default', ['shop']], ['sitespeed_io.blog', ['blog']]]);
    expect(env.RETENTION_DAYS).toBe('30');
    expect(env.GRAPHITE_URL).toBe('http://graphite.sitespeed.internal:80');
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['REPORTS_BUCKET', 'METRICS_CLUSTER', 'GRAPHITE_SECRET_ARN']));
    expect(markers.function).toBeDefined();
  });

  test('the regression events of the cluster\'s ReportTree are marked too (a ReportTree made before or after), unless markRegressions is false', () => {
    const regressionRules = (tree: 'before' | 'after' | 'none' | 'off', markRegressions?: boolean) => {
      const { stack, cluster } = deployment();
      if (tree === 'before') new ReportTree(stack, 'Reports', { cluster });
      new DeployMarkers(stack, 'Markers', { cluster, markRegressions });
      if (tree === 'after') new ReportTree(stack, 'Reports', { cluster });
      if (tree === 'off') new ReportTree(stack, 'Reports', { cluster, regressions: { enabled: false } });
      return Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'))
        .map(r => r.Properties.EventPattern?.['detail-type']?.[0]).filter((t: string | undefined) => t?.includes('Regression') || t?.includes('Baseline'));
    };
    const all = ['Sitespeed Regression Detected', 'Sitespeed Regression Recovered', 'Sitespeed Baseline Reset'];
    expect(regressionRules('before')).toEqual(all);
    expect(regressionRules('after')).toEqual(all);
    expect(regressionRules('none')).toEqual([]);
    expect(regressionRules('off')).toEqual([]);
    expect(regressionRules('before', false)).toEqual([]);
  });

  test('least privilege: the markers file, Run Command on the metrics group\'s instances only, the metrics cluster\'s container instances only', () => {
    const { stack, cluster } = deployment();
    new DeployMarkers(stack, 'Markers', { cluster });
    const statements = flatten(policyStatementsOfRole(Template.fromStack(stack), 'MarkersRole'));
    expect(statements).toContain('"Action":["s3:GetObject","s3:PutObject"]');
    expect(statements).toContain('/.cdk-sitespeed/index/markers.json');
    expect(statements).toContain('ssm:resourceTag/cdk-sitespeed:cluster');
    expect(statements).toContain('"ecs:cluster"');
    const wildcard = policyStatementsOfRole(Template.fromStack(stack), 'MarkersRole').filter(s => s.Resource === '*');
    expect(wildcard.map(s => s.Action)).toEqual(['ssm:GetCommandInvocation']);
  });

  test('without a GraphiteGrafana: markers on the calendar only, no Run Command permission', () => {
    const { stack, cluster } = deployment(false);
    new DeployMarkers(stack, 'Markers', { cluster });
    const template = Template.fromStack(stack);
    expect(functionEnv(template).METRICS_CLUSTER).toBeUndefined();
    expect(flatten(policyStatementsOfRole(template, 'MarkersRole'))).not.toContain('ssm:SendCommand');
  });

  test('deployEvents and markOnEvent: a rule each, passing the event\'s id, time, source, type and detail and the sites', () => {
    const { stack, cluster } = deployment();
    const shop = cluster.addSite('Shop', { schedule: daily, urls: [{ url: 'https://shop.example.com/' }] });
    cluster.addSite('Blog', { schedule: daily, urls: [{ url: 'https://blog.example.com/' }] });
    const markers = new DeployMarkers(stack, 'Markers', { cluster, deployEvents: [PIPELINE] });
    markers.markOnEvent('ShopDeploy', { eventPattern: { source: ['aws.codedeploy'] }, sites: [shop] });
    const template = Template.fromStack(stack);
    expect(Object.keys(template.findResources('AWS::Events::Rule')).filter(id => id.startsWith('Markers'))).toHaveLength(2);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.codepipeline'], 'detail-type': ['CodePipeline Pipeline Execution State Change'], 'detail': { state: ['SUCCEEDED'] } },
      Targets: [Match.objectLike({
        InputTransformer: {
          InputPathsMap: { 'id': '$.id', 'time': '$.time', 'source': '$.source', 'detail-type': '$.detail-type', 'detail': '$.detail' },
          InputTemplate: '{"fromEvent":{"id":<id>,"time":<time>,"source":<source>,"detailType":<detail-type>,"detail":<detail>},"sites":[]}',
        },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 },
      })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.codedeploy'] },
      Targets: [Match.objectLike({ InputTransformer: Match.objectLike({ InputTemplate: Match.stringLikeRegexp('"sites":\\["shop"\\]') }) })],
    });
    // What the rules could not deliver after Lambda's retries lands in a queue (check counts it).
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
  });

  test('bad input is named: an empty pattern, a site of another cluster', () => {
    const { stack, cluster } = deployment();
    expect(() => new DeployMarkers(stack, 'Bad', { cluster, deployEvents: [{}] }))
      .toThrow(/deployEvents\[0\]: an EventBridge pattern needs source, detailType, detail or resources/);
    const { stack: other, cluster: otherCluster } = deployment(false);
    const foreign = otherCluster.addSite('Foreign', { schedule: daily, urls: [{ url: 'https://x.example.com/' }] });
    const markers = new DeployMarkers(stack, 'Markers', { cluster });
    markers.markOnEvent('X', { eventPattern: PIPELINE, sites: [foreign] });
    expect(() => Template.fromStack(stack)).toThrow(/markOnEvent\('X'\): sites: 'foreign' is not a site of Test\/Sitespeed/);
    void other;
  });

  test('a site list that would not fit Lambda\'s 4 KB of environment is a synth error that says what to do', () => {
    const { stack, cluster } = deployment();
    new DeployMarkers(stack, 'Markers', { cluster });
    for (let i = 0; i < 150; i++) cluster.addSite(`Site${i}`, { schedule: daily, urls: [{ url: 'https://x.example.com/' }], slug: `a-rather-long-site-slug-${i}` });
    expect(() => Template.fromStack(stack)).toThrow(/cluster: the 150 sites of Test\/Sitespeed take \d+ bytes of the markers function's environment, over the 3300 bytes left of Lambda's 4 KB/);
  });

  test('runAfter: a schedule group of its own; the function reads every site\'s schedule (added in any order), creates schedules in its group only, passes the scheduler role only to the scheduler', () => {
    const { stack, cluster } = deployment();
    const markers = new DeployMarkers(stack, 'Markers', { cluster, runAfter: Duration.minutes(10) });
    cluster.addSite('Shop', { schedule: daily, urls: [{ url: 'https://shop.example.com/' }] });
    cluster.addSite('Blog', { schedule: daily, urls: [{ url: 'https://blog.example.com/' }] });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    expect(markers.runsAfterDeploys).toBeDefined();
    const runAfter = functionEnv(template).RUN_AFTER;
    expect(flatten(runAfter)).toMatch(/"seconds":600/);
    expect(flatten(runAfter)).toMatch(/SitespeedShopSchedule/);
    expect(flatten(runAfter)).toMatch(/SitespeedBlogSchedule/);
    const statements = policyStatementsOfRole(template, 'MarkersRole');
    const get = statements.find(s => s.Action === 'scheduler:GetSchedule')!;
    expect(flatten(get.Resource)).toMatch(/SitespeedShopSchedule.*SitespeedBlogSchedule/);
    const create = statements.find(s => s.Action === 'scheduler:CreateSchedule')!;
    expect(flatten(create.Resource)).toMatch(/:scheduler:eu-north-1:123456789012:schedule\/Test-Markers-RunsAfterDeploys-\w+\/\*$/);
    const pass = statements.find(s => s.Action === 'iam:PassRole')!;
    expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
    expect(flatten(pass.Resource)).toMatch(/SchedulerRole/);
    // Without runAfter: none of it.
    const plain = deployment();
    new DeployMarkers(plain.stack, 'Markers', { cluster: plain.cluster });
    Template.fromStack(plain.stack).resourceCountIs('AWS::Scheduler::ScheduleGroup', 0);
    expect(functionEnv(Template.fromStack(plain.stack)).RUN_AFTER).toBeUndefined();
  });

  test('runAfter out of range is named with what is allowed', () => {
    const { stack, cluster } = deployment();
    expect(() => new DeployMarkers(stack, 'Soon', { cluster, runAfter: Duration.seconds(30) }))
      .toThrow(/runAfter is 30 seconds; it must be from 1 minute to 24 hours/);
    expect(() => new DeployMarkers(stack, 'Late', { cluster, runAfter: Duration.days(2) }))
      .toThrow(/runAfter is 2 days; it must be from 1 minute to 24 hours/);
  });

  test('the check command finds the function by its metadata', () => {
    const { stack, cluster } = deployment();
    cluster.addSite('Shop', { schedule: daily, urls: [{ url: 'https://shop.example.com/' }] });
    const markers = new DeployMarkers(stack, 'Markers', { cluster, deployEvents: [PIPELINE] });
    const fn = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).find(f => /deploy markers/.test(f.Properties.Description))!;
    expect(fn.Metadata['cdk-sitespeed:check']).toEqual({ kind: 'deploy-markers', cluster: expect.stringMatching(/^SitespeedCluster/), clusterStack: 'Test' });
    void markers;
  });

  test('cdk-nag: every finding on it acknowledged with a reason; no warning on a GraphiteGrafana cluster', () => {
    const quiet = deployment();
    new DeployMarkers(quiet.stack, 'Markers', { cluster: quiet.cluster });
    Annotations.fromStack(quiet.stack).hasNoWarning('/Test/Markers', Match.anyValue());
    const { stack, cluster } = deployment();
    cluster.addSite('Shop', { schedule: daily, urls: [{ url: 'https://shop.example.com/' }] });
    const { errors, acknowledged } = runNag(new DeployMarkers(stack, 'Markers', { cluster, deployEvents: [PIPELINE], runAfter: Duration.minutes(5) }));
    expect(errors.filter(e => e.path.includes('/Markers/'))).toEqual([]);
    expect(acknowledged.filter(a => a.path.includes('/Markers/')).every(a => a.reason.length > 40)).toBe(true);
  });
});
