import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { stackWithVpc } from './helpers';
import { ConfigSync, GraphiteGrafana, ReportTree, SitespeedCluster } from '../src';

// Two of a thing where one is meant: each would deploy and then misbehave, or fail at deploy.
describe('two of a thing where one is meant', () => {
  test('two GraphiteGrafana with one Cloud Map name in one VPC: refused (Cloud Map refuses the second namespace at deploy); another name is fine', () => {
    const { stack, vpc } = stackWithVpc();
    new GraphiteGrafana(stack, 'Metrics', { vpc });
    expect(() => new GraphiteGrafana(stack, 'Metrics2', { vpc }))
      .toThrow(/cloudMapNamespaceName 'sitespeed.internal' is already the Cloud Map namespace of Test\/Metrics in the same VPC; give this GraphiteGrafana another cloudMapNamespaceName/);
    expect(() => new GraphiteGrafana(stack, 'Metrics3', { vpc, cloudMapNamespaceName: 'metrics2.internal' })).not.toThrow();
  });

  test('the same VPC imported in two stacks is one VPC', () => {
    const { stack } = stackWithVpc();
    const other = new Stack(stack.node.root as any, 'Other', { env: { account: '123456789012', region: 'eu-north-1' } });
    const attrs = { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-north-1a'], publicSubnetIds: ['subnet-1'] };
    new GraphiteGrafana(stack, 'Metrics', { vpc: ec2.Vpc.fromVpcAttributes(stack, 'Imported', attrs) });
    expect(() => new GraphiteGrafana(other, 'Metrics', { vpc: ec2.Vpc.fromVpcAttributes(other, 'Imported', attrs) }))
      .toThrow(/already the Cloud Map namespace of Test\/Metrics in the same VPC/);
  });

  test('two ReportTrees on one reports bucket: refused, naming addCluster', () => {
    const { stack, vpc } = stackWithVpc();
    const first = new SitespeedCluster(stack, 'First', { vpc });
    const second = new SitespeedCluster(stack, 'Second', { vpc, reportsBucket: first.reportsBucket });
    new ReportTree(stack, 'Reports', { cluster: first });
    expect(() => new ReportTree(stack, 'Reports2', { cluster: second }))
      .toThrow(/the reports bucket of Test\/Second is already indexed by Test\/Reports: one ReportTree per bucket; add this cluster to it with Reports.addCluster\(...\) instead/);
  });

  test('ConfigSync on a reports bucket (where any run may write any key) is refused, also when that cluster comes later', () => {
    const { stack, vpc } = stackWithVpc();
    const shared = new s3.Bucket(stack, 'Shared');
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc });
    new ConfigSync(stack, 'Config', { cluster, bucket: shared });
    new SitespeedCluster(stack, 'Later', { vpc, reportsBucket: shared });
    expect(() => Template.fromStack(stack)).toThrow(/bucket: Test\/Shared is the reports bucket of Test\/Later, where every run may write any key; keep the config in a bucket of its own/);
  });

  test('ConfigSync on its own bucket, and a ReportTree per bucket, are fine', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc });
    const other = new SitespeedCluster(stack, 'Other', { vpc });
    new ConfigSync(stack, 'Config', { cluster });
    new ReportTree(stack, 'Reports', { cluster });
    new ReportTree(stack, 'OtherReports', { cluster: other });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });
});
