import { Duration, Lazy, Stack, TimeZone } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { stackWithVpc } from './helpers';
import {
  ConfigSync, Connectivity, ConnectivityProfile, GrafanaAccess, GrafanaDashboards, GraphiteGrafana, InstanceSchedule,
  ReportRetention, ReportTree, SitespeedCluster, SitespeedImage,
} from '../src';

// Props given as tokens (a CfnParameter, Lazy, an attribute) are either validated when they
// resolve (passed through) or refused with a message that says a plain value is needed: never
// a crash that prints the token's placeholder (`${Token[TOKEN.12]}`, `-1.888e+289`).
const str = () => Lazy.string({ produce: () => 'resolved' });
const num = () => Lazy.number({ produce: () => 1 });
const hourly = ScheduleExpression.rate(Duration.hours(1));
const PLAIN = /must be a plain value, not a token \(a CfnParameter, Lazy or resource attribute\): .+\./;

test('a token maxCapacity with on/off windows passes into both scheduled actions intact', () => {
  const { stack, vpc } = stackWithVpc();
  new SitespeedCluster(stack, 'Sitespeed', { vpc, maxCapacity: Lazy.number({ produce: () => 3 }), schedule: InstanceSchedule.onOff({ timeZone: TimeZone.of('UTC'), startHour: 7, stopHour: 20 }) });
  const actions = Object.values(Template.fromStack(stack).findResources('AWS::AutoScaling::ScheduledAction')).map(r => r.Properties.MaxSize);
  expect(actions).toEqual([3, 3]);
});

function outcome(build: (stack: Stack) => void): 'passed' | 'refused' {
  const { stack } = stackWithVpc();
  try {
    build(stack);
    Template.fromStack(stack);
    return 'passed';
  } catch (error) {
    const message = (error as Error).message;
    expect(message).not.toMatch(/\$\{Token\[|e\+\d{2,}|Token\[/);
    expect(message).toMatch(PLAIN);
    return 'refused';
  }
}

const cluster = (stack: Stack, props: Record<string, unknown> = {}) =>
  new SitespeedCluster(stack, 'Sitespeed', { vpc: stack.node.findChild('Vpc') as any, ...props });

test.each<[string, (stack: Stack) => void, 'passed' | 'refused']>([
  ['cluster minCapacity', s => cluster(s, { minCapacity: num() }), 'passed'],
  ['cluster maxCapacity', s => cluster(s, { maxCapacity: num() }), 'passed'],
  ['cluster maxCapacity with on/off windows', s => cluster(s, { maxCapacity: num(), schedule: InstanceSchedule.onOff({ timeZone: TimeZone.of('UTC'), startHour: 7, stopHour: 20 }) }), 'passed'],
  ['cluster minCapacity with on/off windows', s => cluster(s, { minCapacity: num(), schedule: InstanceSchedule.onOff({ timeZone: TimeZone.of('UTC'), startHour: 7, stopHour: 20 }) }), 'passed'],
  ['cluster taskCpu', s => cluster(s, { taskCpu: num() }), 'refused'],
  ['cluster taskMemoryMiB', s => cluster(s, { taskMemoryMiB: num() }), 'refused'],
  ['cluster sharedMemorySizeMiB', s => cluster(s, { sharedMemorySizeMiB: num() }), 'passed'],
  ['cluster rootVolumeSizeGiB', s => cluster(s, { rootVolumeSizeGiB: num() }), 'passed'],
  ['cluster maxProvisioningWait', s => cluster(s, { maxProvisioningWait: Duration.minutes(num()) }), 'refused'],
  ['cluster maxProvisioningWait in hours', s => cluster(s, { maxProvisioningWait: Duration.hours(num()) }), 'refused'],
  ['onOff timeZone', s => cluster(s, { schedule: InstanceSchedule.onOff({ timeZone: TimeZone.of(str()), startHour: 7, stopHour: 20 }) }), 'passed'],
  ['onOff startHour', s => cluster(s, { schedule: InstanceSchedule.onOff({ timeZone: TimeZone.of('UTC'), startHour: num(), stopHour: 20 }) }), 'refused'],
  ['onOff weekDays', s => cluster(s, { schedule: InstanceSchedule.onOff({ timeZone: TimeZone.of('UTC'), startHour: 7, stopHour: 20, weekDays: str() }) }), 'refused'],
  ['onOff warmInstances', s => cluster(s, { schedule: InstanceSchedule.onOff({ timeZone: TimeZone.of('UTC'), startHour: 7, stopHour: 20, warmInstances: num() }) }), 'refused'],
  ['image name', s => cluster(s, { image: SitespeedImage.fromRegistry(str()) }), 'passed'],
  ['hostTc exemptCidrs', s => cluster(s, { connectivity: Connectivity.hostTc(ConnectivityProfile.CABLE, { exemptCidrs: [str()] }) }), 'passed'],
  ['custom profile figure', () => ConnectivityProfile.custom({ downKbps: num(), upKbps: 1, rttMs: 1 }), 'refused'],
  ['site slug', s => cluster(s).addSite('Shop', { slug: str(), schedule: hourly, urls: [{ url: 'https://a.example/' }] }), 'refused'],
  ['site url', s => cluster(s).addSite('Shop', { schedule: hourly, urls: [{ url: str() }] }), 'passed'],
  ['site alias', s => cluster(s).addSite('Shop', { schedule: hourly, urls: [{ url: 'https://a.example/', alias: str() }] }), 'refused'],
  ['site iterations', s => cluster(s).addSite('Shop', { schedule: hourly, urls: [{ url: 'https://a.example/' }], iterations: num() }), 'passed'],
  ['site graphiteHost', s => cluster(s).addSite('Shop', { schedule: hourly, urls: [{ url: 'https://a.example/' }], graphiteHost: str() }), 'passed'],
  ['site graphitePort', s => cluster(s).addSite('Shop', { schedule: hourly, urls: [{ url: 'https://a.example/' }], graphiteHost: 'g', graphitePort: num() }), 'passed'],
  ['site graphiteNamespace', s => cluster(s).addSite('Shop', { schedule: hourly, urls: [{ url: 'https://a.example/' }], graphiteNamespace: str() }), 'refused'],
  ['site resultBaseUrl', s => cluster(s).addSite('Shop', { schedule: hourly, urls: [{ url: 'https://a.example/' }], resultBaseUrl: str() }), 'passed'],
  ['site urlsFile', s => {
    const c = cluster(s);
    new ConfigSync(s, 'Config', { cluster: c });
    c.addSite('Shop', { schedule: hourly, urlsFile: str() });
  }, 'refused'],
  ['ConfigSync prefix', s => new ConfigSync(s, 'Config', { cluster: cluster(s), prefix: str() }), 'refused'],
  ['ReportTree allowedCidrs', s => new ReportTree(s, 'Reports', { cluster: cluster(s), allowedCidrs: [str()] }), 'refused'],
  ['GrafanaAccess cidrs', s => new GraphiteGrafana(s, 'Metrics', { vpc: s.node.findChild('Vpc') as any, grafanaAccess: GrafanaAccess.fromCidrs([str()]) }), 'passed'],
  ['GrafanaDashboards version', s => new GraphiteGrafana(s, 'Metrics', { vpc: s.node.findChild('Vpc') as any, dashboards: GrafanaDashboards.sitespeedRelease(str()) }), 'passed'],
  ['metrics volumeSizeGiB', s => new GraphiteGrafana(s, 'Metrics', { vpc: s.node.findChild('Vpc') as any, volumeSizeGiB: num() }), 'refused'],
  ['metrics snapshotId', s => new GraphiteGrafana(s, 'Metrics', { vpc: s.node.findChild('Vpc') as any, snapshotId: str() }), 'passed'],
  ['metrics backupRetentionDays', s => new GraphiteGrafana(s, 'Metrics', { vpc: s.node.findChild('Vpc') as any, backupRetentionDays: num() }), 'passed'],
  ['metrics cloudMapNamespaceName', s => new GraphiteGrafana(s, 'Metrics', { vpc: s.node.findChild('Vpc') as any, cloudMapNamespaceName: str() }), 'passed'],
  ['metrics graphiteNamespace', s => new GraphiteGrafana(s, 'Metrics', { vpc: s.node.findChild('Vpc') as any, graphiteNamespace: str() }), 'refused'],
  ['metrics grafanaPlugins', s => new GraphiteGrafana(s, 'Metrics', { vpc: s.node.findChild('Vpc') as any, grafanaPlugins: [str()] }), 'passed'],
])('%s as a token: %s', (_name, build, expected) => {
  expect(outcome(build)).toBe(expected);
});

describe('every Duration prop: a token in any unit, NaN, zero, the wrong unit, a number where a Duration is meant', () => {
  const wait = (maxProvisioningWait: unknown) => () => {
    const { stack, vpc } = stackWithVpc();
    new SitespeedCluster(stack, 'Sitespeed', { vpc, maxProvisioningWait: maxProvisioningWait as Duration });
  };
  test.each<[string, () => unknown, RegExp]>([
    ['retention as a token in hours', () => ReportRetention.expireAfter(Duration.hours(num())), /ReportRetention: expireAfter must be a plain value, not a token .*: the lifecycle rules are written from it at synth/],
    ['retention of NaN days', () => ReportRetention.expireAfter(Duration.days(NaN)), /ReportRetention: expireAfter is not a number of days; give a finite Duration such as Duration.days\(90\)/],
    ['retention of zero days', () => ReportRetention.expireAfter(Duration.days(0)), /ReportRetention: expireAfter is 0 days; S3 lifecycle rules count whole days \(at least 1\)/],
    ['retention in seconds where days are meant', () => ReportRetention.expireAfter(Duration.seconds(90)), /expireAfter is 1 minute 30 seconds; S3 lifecycle rules count whole days/],
    ['retention as a number', () => ReportRetention.expireAfter(90 as any), /ReportRetention: expireAfter must be a Duration such as Duration.days\(90\), not 90/],
    ['infrequent access as a number', () => ReportRetention.expireAfter(Duration.days(90), { infrequentAccessAfter: 30 as any }),
      /ReportRetention: infrequentAccessAfter must be a Duration such as Duration.days\(90\), not 30/],
    ['provisioning wait as a token in hours', wait(Duration.hours(num())), /maxProvisioningWait must be a plain value, not a token/],
    ['provisioning wait of NaN minutes', wait(Duration.minutes(NaN)), /maxProvisioningWait is not a number of minutes; give a finite Duration such as Duration.minutes\(30\)/],
    ['provisioning wait of zero', wait(Duration.seconds(0)), /maxProvisioningWait \(0 minutes\) must be from 10 minutes/],
    ['provisioning wait in seconds where minutes are meant', wait(Duration.seconds(30)), /maxProvisioningWait \(0.5 minutes\) must be from 10 minutes/],
    ['provisioning wait as a number', wait(30), /maxProvisioningWait must be a Duration such as Duration.minutes\(30\), not 30/],
  ])('%s is refused with the prop\'s name', (_name, build, message) => {
    expect(build).toThrow(message);
  });
});
