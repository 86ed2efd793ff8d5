/**
 * Error messages in the caller's spelling: props and methods in snake_case for a Python caller
 * (the jsii Python package starts the kernel with JSII_AGENT=Python/<version>), as TypeScript
 * spells them for everyone else. test/python/run.sh proves it through the real bindings.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { Connectivity, ConnectivityProfile, DeployMarkers, InstanceSchedule, ReportTree, SitespeedCluster } from '../src';
import { testApp } from './harness/nag';
import { camelCaseMembers } from './tools/library-members';
import { callerSpelling } from '../src/private/for-caller';
import { CAMEL_CASE_MEMBERS } from '../src/private/python-names';

const asPython = <T>(body: () => T): T => {
  const before = process.env.JSII_AGENT;
  process.env.JSII_AGENT = 'Python/3.11.4';
  try {
    return body();
  } finally {
    if (before === undefined) delete process.env.JSII_AGENT;
    else process.env.JSII_AGENT = before;
  }
};

const cluster = () => {
  const stack = new Stack(testApp(), 'S', { env: { account: '123456789012', region: 'eu-north-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
  return { stack, vpc };
};

test('a construct\'s error names props as the caller spells them', () => {
  const bad = () => {
    const { stack, vpc } = cluster();
    new SitespeedCluster(stack, 'Sitespeed', { vpc, minCapacity: 3, maxCapacity: 1 });
  };
  expect(bad).toThrow('minCapacity (3) must not exceed maxCapacity (1).');
  expect(() => asPython(bad)).toThrow('min_capacity (3) must not exceed max_capacity (1).');
});

test('a site\'s error (with its path) and a factory\'s error, for Python', () => {
  const { stack, vpc } = cluster();
  const sitespeed = new SitespeedCluster(stack, 'Sitespeed', { vpc });
  const schedule = ScheduleExpression.rate(Duration.hours(1));
  expect(() => asPython(() => sitespeed.addSite('Shop', { schedule, urls: [{ url: 'https://a.example/' }], urlsFile: 'urls/a.txt' })))
    .toThrow(/^S\/Sitespeed\/Shop: give exactly one of urls, urls_file and script \(got urls, urls_file\)/);
  expect(() => asPython(() => InstanceSchedule.aroundRuns({ leadTime: Duration.hours(2) })))
    .toThrow(/^InstanceSchedule\.around_runs: lead_time \(2 hours\) must be whole minutes/);
  expect(() => asPython(() => Connectivity.hostTc(ConnectivityProfile.CABLE, { exemptCidrs: ['nope'] })))
    .toThrow(/^Connectivity\.host_tc: exempt_cidrs\[0\] 'nope' is not an IPv4 address/);
});

test('errors of methods too: a site\'s metric, a ReportTree\'s addCluster, a DeployMarkers\' markOnEvent', () => {
  const { stack, vpc } = cluster();
  const sitespeed = new SitespeedCluster(stack, 'Sitespeed', { vpc });
  const quiet = sitespeed.addSite('Quiet', { schedule: ScheduleExpression.rate(Duration.hours(1)), urls: [{ url: 'https://a.example/' }], siteMetrics: false });
  expect(() => asPython(() => quiet.metricRuns())).toThrow(/site_metrics is false/);
  expect(() => quiet.metricRuns()).toThrow(/siteMetrics is false/);
  const tree = new ReportTree(stack, 'Reports', { cluster: sitespeed });
  const other = new SitespeedCluster(stack, 'Other', { vpc, reportsBucket: s3.Bucket.fromBucketName(stack, 'B', 'other-reports') });
  expect(() => asPython(() => tree.addCluster(other))).toThrow(/^add_cluster: S\/Other writes its reports to another bucket .* create it with reports_bucket: /);
  const markers = new DeployMarkers(stack, 'Markers', { cluster: sitespeed });
  expect(() => asPython(() => markers.markOnEvent('Empty', { eventPattern: {} }))).toThrow(/^mark_on_event\('Empty'\): event_pattern: an EventBridge pattern needs source/);
});

test('synth-time validations and warnings too', () => {
  const shaped = cluster();
  const plain = new SitespeedCluster(shaped.stack, 'Sitespeed', { vpc: shaped.vpc, connectivity: Connectivity.none() });
  asPython(() => plain.addSite('Blog', {
    schedule: ScheduleExpression.rate(Duration.hours(1)), urls: [{ url: 'https://a.example/' }], connectivityProfile: ConnectivityProfile.CABLE,
  }));
  const warnings = asPython(() => Annotations.fromStack(shaped.stack).findWarning('*', Match.anyValue())).map(w => String(w.entry.data));
  expect(warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^connectivity_profile 'cable' names the runs/)]));

  const withoutConfigSync = () => {
    const { stack, vpc } = cluster();
    new SitespeedCluster(stack, 'Sitespeed', { vpc }).addSite('Docs', { schedule: ScheduleExpression.rate(Duration.hours(1)), urlsFile: 'urls/docs.txt' });
    return App.of(stack)!;
  };
  const python = withoutConfigSync();
  expect(() => asPython(() => python.synth())).toThrow(/urls_file read the cluster's config folder, but S\/Sitespeed has no ConfigSync/);
  const typescript = withoutConfigSync();
  expect(() => typescript.synth()).toThrow(/urlsFile read the cluster's config folder/);
});

test('only the library\'s own names change: not URLs, options, values or longer words', () => {
  const text = "urlsFile 'https://a.example/urlsFile' --browsertime.maxCapacity urlsFileX (maxCapacity) Europe/Stockholm";
  expect(asPython(() => callerSpelling(text))).toBe("urls_file 'https://a.example/urlsFile' --browsertime.maxCapacity urlsFileX (max_capacity) Europe/Stockholm");
  expect(callerSpelling(text)).toBe(text);
});

test('the list of names is the library\'s current API (regenerate with `npx projen python:names`)', () => {
  expect([...CAMEL_CASE_MEMBERS]).toEqual(camelCaseMembers());
  expect(CAMEL_CASE_MEMBERS).toEqual(expect.arrayContaining(['urlsFile', 'maxCapacity', 'aroundRuns', 'onRunFinished']));
});
