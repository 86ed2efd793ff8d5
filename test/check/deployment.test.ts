import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { DeployedStack, deploymentOf } from '../../cli-src/check/deployment';
import { buildReferenceApp } from '../../examples/app';
import { ScheduledSite, SitespeedCluster } from '../../src';
import { testApp } from '../harness/nag';

/** Stacks as the check reads them once deployed: every resource with a physical id named after it. */
function deployed(assembly: CloudAssembly, names: string[]): DeployedStack[] {
  return names.map(name => {
    const template = assembly.getStackByName(name).template;
    const resources = Object.entries<any>(template.Resources).map(([id, r]) => ({
      LogicalResourceId: id, PhysicalResourceId: `phys-${id}`, ResourceType: r.Type, ResourceStatus: 'CREATE_COMPLETE' as const, LastUpdatedTimestamp: new Date(),
    }));
    return { name, status: 'CREATE_COMPLETE', template, resources };
  });
}

test('every stage of the reference app: its clusters, sites, metrics, queues and functions, found by their metadata alone', () => {
  const app = testApp();
  for (const built of buildReferenceApp(app, { nag: false })) {
    const stage = built.stageName;
    const d = deploymentOf(deployed(built.synth(), [`${stage}-Network`, `${stage}-Metrics`, `${stage}-Sitespeed`]));
    expect(d.sites.map(s => [s.site, s.cluster.logicalId])).toEqual([
      ['blog', expect.stringMatching(/^SitespeedCluster/)], ['checkout', expect.stringMatching(/^SitespeedCluster/)],
      ['docs', expect.stringMatching(/^SitespeedCluster/)], ['landing', expect.stringMatching(/^SitespeedHostTcCluster/)],
      ['shop', expect.stringMatching(/^SitespeedCluster/)],
    ]);
    expect(d.clusters.map(c => [c.shaping, c.autoScalingGroup])).toEqual([
      ['throttle', expect.stringMatching(/^phys-SitespeedAutoScalingGroup/)], ['hostTc', expect.stringMatching(/^phys-SitespeedHostTcAutoScalingGroup/)],
    ]);
    expect(d.metrics).toEqual([expect.objectContaining({
      stack: `${stage}-Metrics`,
      graphiteUrl: 'http://graphite.sitespeed.internal:80',
      grafanaPort: 3000,
      graphiteAuthSecretArn: expect.stringMatching(/^phys-MetricsGraphiteAuth/),
      autoScalingGroup: expect.stringMatching(/^phys-MetricsAutoScalingGroup/),
    })]);
    // Each cluster's runs that could not start and outcomes that could not be published; reportIndex's and DeployMarkers' failed events.
    expect(d.queues.map(q => q.role).sort()).toEqual([
      'deploy events that could not be marked', 'runs that could not be filed in the index', 'runs that could not start', 'runs that could not start',
      ...(stage === 'prod' ? ['runs whose alert could not be decided or sent', 'runs whose alert could not be decided or sent'] : []),
      'stopped tasks whose outcome could not be published', 'stopped tasks whose outcome could not be published',
    ].sort());
    expect(d.functions.map(f => f.role).sort()).toEqual([
      // One ECS service-role guard per stack with ECS clusters (the Sitespeed and Metrics stacks).
      'clusterTeardown', 'clusterTeardown', 'ecsServiceRole', 'ecsServiceRole', 'reportIndex', 'runOutcome', 'runOutcome', 'runTask', 'runTask',
      // Only a running stage (prod here) has alerts, one per cluster.
      ...(stage === 'prod' ? ['siteAlerts', 'siteAlerts'] : []), 'syncConfig',
    ]);
    // DeployMarkers on the first cluster: what `cdk-sitespeed mark` invokes.
    expect(d.markers.map(m => [m.cluster.shaping, m.functionName])).toEqual([['throttle', expect.stringMatching(/^phys-MarkersFunction/)]]);
    expect(d.strays).toEqual([]);
  }
});

test('a site whose cluster is in another stack: found with both stacks, named as a stray with its own alone', () => {
  const app = testApp();
  const env = { account: '123456789012', region: 'eu-north-1' };
  const clusters = new Stack(app, 'Clusters', { env });
  const vpc = new ec2.Vpc(clusters, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
  const cluster = new SitespeedCluster(clusters, 'Sitespeed', { vpc });
  const sites = new Stack(app, 'Sites', { env });
  new ScheduledSite(sites, 'Shop', { cluster, schedule: ScheduleExpression.rate(Duration.hours(1)), urls: [{ url: 'https://shop.example.com/' }] });

  const both = deploymentOf(deployed(app.synth(), ['Clusters', 'Sites']));
  expect(both.sites.map(s => [s.stack, s.site, s.cluster.stack])).toEqual([['Sites', 'shop', 'Clusters']]);
  const alone = deploymentOf(deployed(app.synth(), ['Sites']));
  expect(alone.sites).toEqual([]);
  expect(alone.strays).toEqual([{ site: 'shop', clusterStack: 'Clusters' }]);
});
