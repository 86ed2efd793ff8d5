import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
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
    expect(Object.keys(template.Outputs).sort()).toEqual(['GrafanaAdminSecret', 'GraphiteHost', 'MetricsAutoScalingGroup']);
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
