import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { GraphiteGrafana, MetricsStack, SitespeedCluster } from '../src';
import { testApp } from './harness/nag';

const env = { account: '123456789012', region: 'eu-north-1' };
const hourly = scheduler.ScheduleExpression.rate(Duration.hours(1));

function networkStack(app: ReturnType<typeof testApp>): { vpc: ec2.Vpc } {
  const network = new Stack(app, 'Network', { env });
  const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
  return { vpc };
}

describe('MetricsStack: a stack holding GraphiteGrafana', () => {
  test('holds the same resources as a GraphiteGrafana with the id Metrics, plus the first run\'s outputs', () => {
    const app = testApp();
    const { vpc } = networkStack(app);
    const metricsStack = new MetricsStack(app, 'Metrics', { env, vpc, graphiteNamespace: 'sitespeed_io.prod' });
    // The same in a plain stack of the same name (logical ids of rules carry the stack's path).
    const otherApp = testApp();
    const plain = new Stack(otherApp, 'Metrics', { env });
    new GraphiteGrafana(plain, 'Metrics', { vpc: networkStack(otherApp).vpc, graphiteNamespace: 'sitespeed_io.prod' });

    const template = Template.fromStack(metricsStack).toJSON();
    expect(Object.keys(template.Resources).sort()).toEqual(Object.keys(Template.fromStack(plain).toJSON().Resources).sort());
    expect(Object.keys(template.Outputs).sort()).toEqual(['GrafanaAdminSecret', 'GraphiteAuthSecret', 'GraphiteHost', 'MetricsAutoScalingGroup']);
    expect(metricsStack.graphiteGrafana).toBeInstanceOf(GraphiteGrafana);
  });

  test('a cluster and its sites take it as their metrics, as they take the construct', () => {
    const app = testApp();
    const { vpc } = networkStack(app);
    const metrics = new MetricsStack(app, 'Metrics', { env, vpc, graphiteNamespace: 'sitespeed_io.prod' });
    const sitespeedStack = new Stack(app, 'Sitespeed', { env });
    const cluster = new SitespeedCluster(sitespeedStack, 'Cluster', { vpc, metrics });
    const site = cluster.addSite('Shop', { schedule: hourly, urls: [{ url: 'https://shop.example.com/' }] });
    expect(site.sitespeedArgs.join(' ')).toContain('--graphite.host graphite.sitespeed.internal --graphite.port 2003 --graphite.namespace sitespeed_io.prod --graphite.httpPort 80');
    const rules = Object.values(Template.fromStack(sitespeedStack).findResources('AWS::EC2::SecurityGroupIngress')).map(r => r.Properties.FromPort);
    expect(rules.sort()).toEqual([2003, 80]);
    const assembly = app.synth();
    expect(assembly.getStackByName(metrics.stackName).dependencies.map(d => d.id)).not.toContain(sitespeedStack.artifactId);
  });

  test('the VPC in the cluster\'s stack and the metrics in another is refused at synth, saying where the VPC goes', () => {
    const app = testApp();
    const sitespeedStack = new Stack(app, 'Sitespeed', { env });
    const vpc = new ec2.Vpc(sitespeedStack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
    const metrics = new MetricsStack(app, 'Metrics', { env, vpc });
    expect(() => new SitespeedCluster(sitespeedStack, 'Cluster', { vpc, metrics }))
      .toThrow(/Sitespeed\/Cluster sends metrics to Metrics\/Metrics in stack Metrics, but the VPC is in the sender's stack \(Sitespeed\).*Put the VPC in a stack of its own/);
  });

  test('an imported VPC is plain values in every stack: no cycle, no error', () => {
    const app = testApp();
    const sitespeedStack = new Stack(app, 'Sitespeed', { env });
    const vpc = ec2.Vpc.fromVpcAttributes(sitespeedStack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0', vpcCidrBlock: '10.0.0.0/16', availabilityZones: ['eu-north-1a'], publicSubnetIds: ['subnet-0123456789abcdef0'],
    });
    const metrics = new MetricsStack(app, 'Metrics', { env, vpc });
    expect(() => new SitespeedCluster(sitespeedStack, 'Cluster', { vpc, metrics })).not.toThrow();
  });
});

describe('one slug per place where data lands, across clusters', () => {
  const site = (cluster: SitespeedCluster, slug = 'shop', extra: Record<string, unknown> = {}) =>
    cluster.addSite(`Site${Math.random().toString(36).slice(2, 8)}`, { slug, schedule: hourly, urls: [{ url: 'https://shop.example.com/' }], ...extra });

  test('two clusters sharing a reports bucket cannot both have a site shop: their reports would mix', () => {
    const app = testApp();
    const { vpc } = networkStack(app);
    const stack = new Stack(app, 'Sitespeed', { env });
    const a = new SitespeedCluster(stack, 'A', { vpc });
    const b = new SitespeedCluster(stack, 'B', { vpc, reportsBucket: a.reportsBucket });
    site(a);
    expect(() => site(b)).toThrow(/slug 'shop' of site Sitespeed\/B\/Site\w+ is already used by site Sitespeed\/A\/Site\w+, and both send to the reports bucket Sitespeed\/A\/ReportsBucket/);
    expect(() => site(b, 'shop-b')).not.toThrow();
  });

  test('the same bucket imported by name in two stacks is one place', () => {
    const app = testApp();
    const { vpc } = networkStack(app);
    const one = new Stack(app, 'One', { env });
    const two = new Stack(app, 'Two', { env });
    const a = new SitespeedCluster(one, 'A', { vpc, reportsBucket: s3.Bucket.fromBucketName(one, 'R', 'my-reports') });
    const b = new SitespeedCluster(two, 'B', { vpc, reportsBucket: s3.Bucket.fromBucketName(two, 'R', 'my-reports') });
    site(a);
    expect(() => site(b)).toThrow(/both send to the reports bucket my-reports/);
  });

  test('two clusters sending to one Graphite (stack or construct) under one namespace cannot share a slug; other namespaces can', () => {
    const app = testApp();
    const { vpc } = networkStack(app);
    const metrics = new MetricsStack(app, 'Metrics', { env, vpc, graphiteNamespace: 'sitespeed_io.prod' });
    const stack = new Stack(app, 'Sitespeed', { env });
    const a = new SitespeedCluster(stack, 'A', { vpc, metrics });
    const b = new SitespeedCluster(stack, 'B', { vpc, metrics: metrics.graphiteGrafana });
    site(a);
    expect(() => site(b)).toThrow(/both send to Graphite Metrics\/graphite.sitespeed.internal under sitespeed_io.prod/);
    const c = new SitespeedCluster(stack, 'C', { vpc, metrics });
    expect(() => site(c, 'shop', { graphiteNamespace: 'sitespeed_io.staging' })).not.toThrow();
  });
});
