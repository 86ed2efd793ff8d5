import { TimeZone } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { runNag } from './harness/nag';
import { flatten, policyStatementsOfRole, stackWithVpc, userDataOf } from './helpers';
import { Connectivity, ConnectivityProfile, SitespeedCluster } from '../src';
import { installedShell } from '../src/private/boot-shell';

const daily = ScheduleExpression.cron({ minute: '0', hour: '9', timeZone: TimeZone.of('Europe/Stockholm') });

function cluster(connectivity?: Connectivity) {
  const { stack, vpc } = stackWithVpc();
  const sitespeed = new SitespeedCluster(stack, 'Sitespeed', { vpc, connectivity });
  return { stack, vpc, sitespeed, get template() { return Template.fromStack(stack); } };
}

function connectivityArgs(args: string[]): string[] {
  return args.filter((a, i) => a.startsWith('--browsertime.connectivity') || args[i - 1]?.startsWith('--browsertime.connectivity'));
}

describe('Connectivity.none() (the default)', () => {
  test('bridge mode, no extra capability, no shaping modules', () => {
    const { template } = cluster();
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { NetworkMode: 'bridge' });
    expect(JSON.stringify(template.findResources('AWS::ECS::TaskDefinition'))).not.toContain('NET_ADMIN');
    expect(userDataOf(template)).toContain("SHAPING_MODULES='false'");
    const [definition] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
    expect(definition.Properties.PlacementConstraints).toBeUndefined();
  });

  test('a site profile without an engine gets a warning: it would name runs it does not shape', () => {
    const { stack, sitespeed } = cluster();
    const site = sitespeed.addSite('Shop', { schedule: daily, urls: [{ url: 'https://a.example/' }], connectivityProfile: ConnectivityProfile.CABLE });
    expect(connectivityArgs(site.sitespeedArgs)).toEqual(['--browsertime.connectivity.profile', 'cable']);
    Annotations.fromStack(stack).hasWarning('/Test/Sitespeed/Shop', Match.stringLikeRegexp("connectivityProfile 'cable' names the runs, but the cluster shapes nothing"));
  });
});

describe('Connectivity.throttle()', () => {
  test('bridge mode with NET_ADMIN; the instances load ifb and sch_netem at boot', () => {
    const { template } = cluster(Connectivity.throttle(ConnectivityProfile.CABLE));
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      NetworkMode: 'bridge',
      ContainerDefinitions: [Match.objectLike({ LinuxParameters: Match.objectLike({ Capabilities: { Add: ['NET_ADMIN'] } }) })],
    });
    expect(userDataOf(template)).toContain("SHAPING_MODULES='true'");
  });

  test('sites run the throttle engine with the cluster\'s profile, or their own', () => {
    const { sitespeed } = cluster(Connectivity.throttle(ConnectivityProfile.CABLE));
    const byDefault = sitespeed.addSite('A', { schedule: daily, urls: [{ url: 'https://a.example/' }] });
    const own = sitespeed.addSite('B', { schedule: daily, urls: [{ url: 'https://b.example/' }], connectivityProfile: ConnectivityProfile.THREE_G });
    expect(connectivityArgs(byDefault.sitespeedArgs)).toEqual(['--browsertime.connectivity.engine', 'throttle', '--browsertime.connectivity.profile', 'cable']);
    expect(connectivityArgs(own.sitespeedArgs)).toEqual(['--browsertime.connectivity.engine', 'throttle', '--browsertime.connectivity.profile', '3g']);
  });
});

describe('Connectivity.hostTc()', () => {
  const hostTc = () => cluster(Connectivity.hostTc(ConnectivityProfile.CABLE, { exemptCidrs: ['10.50.0.0/16'] }));

  test('host networking, NET_ADMIN, and the shipped wrapper as the entrypoint, mounted read-only', () => {
    const { template } = hostTc();
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      NetworkMode: 'host',
      Volumes: [{ Name: 'cdk-sitespeed-tools', Host: { SourcePath: '/usr/local/lib/cdk-sitespeed' } }],
      ContainerDefinitions: [Match.objectLike({
        // The run-env shim first (Graphite credentials), then the wrapper with the run's arguments.
        EntryPoint: ['/bin/bash', '-c', installedShell('sitespeed-run-env.sh'), 'sitespeed-run-env', '/bin/bash', '/cdk-sitespeed/sitespeed-host-tc.sh'],
        // Time for the wrapper to pass SIGTERM on and clean up before ECS sends SIGKILL.
        StopTimeout: 120,
        LinuxParameters: Match.objectLike({ Capabilities: { Add: ['NET_ADMIN'] } }),
        MountPoints: [{ SourceVolume: 'cdk-sitespeed-tools', ContainerPath: '/cdk-sitespeed', ReadOnly: true }],
        Environment: Match.arrayWith([
          { Name: 'TC_EXEC', Value: '/start.sh' },
          { Name: 'TC_EXEMPT_CIDRS', Value: { 'Fn::Join': ['', ['169.254.169.254/32 169.254.170.2/32 ', { 'Fn::GetAtt': [Match.stringLikeRegexp('^Vpc'), 'CidrBlock'] }, ' 10.50.0.0/16']] } },
        ]),
      })],
    });
  });

  test('the instances get the very wrapper in the repo, and the shaping modules', () => {
    const { template } = hostTc();
    const userData = userDataOf(template);
    const wrapper = installedShell('sitespeed-host-tc.sh');
    expect(userData).toContain(`cat > /usr/local/lib/cdk-sitespeed/sitespeed-host-tc.sh <<'SITESPEED_SCRIPT'\n${wrapper}\nSITESPEED_SCRIPT\n`);
    expect(userData).toContain("SHAPING_MODULES='true'");
  });

  test('S3 is exempt: the boot writes the region\'s S3 ranges beside the wrapper, which reads them from the mounted folder', () => {
    const { template } = hostTc();
    const userData = userDataOf(template);
    const script = installedShell('sitespeed-aws-ranges.sh');
    expect(userData).toContain(`${script}\nSITESPEED_AWS_RANGES\n`);
    expect(userData).toContain("AWS_REGION='<AWS::Region>' RANGES_FILE='/usr/local/lib/cdk-sitespeed/exempt-cidrs.txt' \\\n  /usr/local/sbin/sitespeed-aws-ranges ||");
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Environment: Match.arrayWith([{ Name: 'TC_EXEMPT_FILE', Value: '/cdk-sitespeed/exempt-cidrs.txt' }]) })],
    });
    const statements = policyStatementsOfRole(template, 'SitespeedInstanceRole');
    expect(statements).toContainEqual({ Action: 'ec2:DescribeManagedPrefixLists', Effect: 'Allow', Resource: '*' });
    const entries = statements.find(s => s.Action === 'ec2:GetManagedPrefixListEntries');
    expect(flatten(entries.Resource)).toBe('arn:<AWS::Partition>:ec2:eu-north-1:*:prefix-list/*');
  });

  test('other connectivity choices read no prefix list', () => {
    for (const choice of [undefined, Connectivity.throttle(ConnectivityProfile.CABLE)]) {
      const { template } = cluster(choice);
      expect(userDataOf(template)).not.toContain('sitespeed-aws-ranges');
      expect(JSON.stringify(policyStatementsOfRole(template, 'SitespeedInstanceRole'))).not.toContain('PrefixList');
    }
  });

  test('one run per instance: the task reserves every vCPU', () => {
    const { template, sitespeed } = hostTc();
    expect(sitespeed.taskCpu).toBe(2048);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { ContainerDefinitions: [Match.objectLike({ Cpu: 2048 })] });
  });

  test('runs use the external engine and carry the figures the wrapper shapes to', () => {
    const { sitespeed } = hostTc();
    const site = sitespeed.addSite('A', { schedule: daily, urls: [{ url: 'https://a.example/' }] });
    expect(connectivityArgs(site.sitespeedArgs)).toEqual([
      '--browsertime.connectivity.engine', 'external', '--browsertime.connectivity.profile', 'cable',
      '--browsertime.connectivity.down', '5000', '--browsertime.connectivity.up', '1000', '--browsertime.connectivity.rtt', '14',
    ]);
    const native = sitespeed.addSite('B', { schedule: daily, urls: [{ url: 'https://b.example/' }], connectivityProfile: ConnectivityProfile.NATIVE });
    expect(connectivityArgs(native.sitespeedArgs)).toEqual(['--browsertime.connectivity.engine', 'external', '--browsertime.connectivity.profile', 'native']);
  });

  test('an exempt CIDR that is not IPv4 is refused', () => {
    expect(() => Connectivity.hostTc(ConnectivityProfile.CABLE, { exemptCidrs: ['10.0.0.0/8', 'vpc'] }))
      .toThrow("Connectivity.hostTc: exemptCidrs[1] 'vpc' is not an IPv4 address or CIDR");
    expect(() => Connectivity.hostTc(ConnectivityProfile.CABLE, { exemptCidrs: ['10.0.0.0/33'] })).toThrow(/exemptCidrs\[0\]/);
  });

  test('exempt CIDRs that add up to every IPv4 address (nothing shaped) are refused; a gap is fine', () => {
    expect(() => Connectivity.hostTc(ConnectivityProfile.CABLE, { exemptCidrs: ['0.0.0.0/0'] }))
      .toThrow('Connectivity.hostTc: exemptCidrs together cover every IPv4 address, so no run would be shaped');
    expect(() => Connectivity.hostTc(ConnectivityProfile.CABLE, { exemptCidrs: ['0.0.0.0/1', '128.0.0.0/1'] })).toThrow(/cover every IPv4 address/);
    expect(() => Connectivity.hostTc(ConnectivityProfile.CABLE, { exemptCidrs: ['0.0.0.0/1', '128.0.0.0/2'] })).not.toThrow();
  });

  test('cdk-nag: host networking adds no unacknowledged finding', () => {
    const { stack } = hostTc();
    expect(runNag(stack).errors.filter(e => e.path.startsWith('Test/Sitespeed/'))).toEqual([]);
  });
});

test.each([
  ['throttle', Connectivity.throttle(ConnectivityProfile.CABLE)],
  ['hostTc', Connectivity.hostTc(ConnectivityProfile.CABLE)],
])('%s: runs are placed only on instances whose boot loaded the shaping modules', (_name, connectivity) => {
  const { template } = cluster(connectivity);
  template.hasResourceProperties('AWS::ECS::TaskDefinition', {
    PlacementConstraints: [{ Type: 'memberOf', Expression: 'attribute:cdk-sitespeed.shaping == ready' }],
  });
});

describe('shaping without NET_ADMIN fails at synth', () => {
  test.each([
    ['throttle', Connectivity.throttle(ConnectivityProfile.CABLE)],
    ['hostTc', Connectivity.hostTc(ConnectivityProfile.CABLE)],
  ])('%s with NET_ADMIN dropped', (engine, connectivity) => {
    const { stack, sitespeed } = cluster(connectivity);
    sitespeed.container.linuxParameters!.dropCapabilities(ecs.Capability.NET_ADMIN);
    expect(() => Template.fromStack(stack)).toThrow(`connectivity Connectivity.${engine}() needs the NET_ADMIN capability`);
  });

  test('dropping ALL keeps the NET_ADMIN that is added back (Docker semantics)', () => {
    const { stack, sitespeed } = cluster(Connectivity.throttle(ConnectivityProfile.CABLE));
    sitespeed.container.linuxParameters!.dropCapabilities(ecs.Capability.ALL);
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('the engine cannot be set through config or sitespeedArgs', () => {
    const { sitespeed } = cluster(Connectivity.throttle(ConnectivityProfile.CABLE));
    expect(() => sitespeed.addSite('A', { schedule: daily, urls: [{ url: 'https://a.example/' }], sitespeedArgs: ['--browsertime.connectivity.engine', 'humble'] }))
      .toThrow("sitespeedArgs: 'browsertime.connectivity.engine' is set by cdk-sitespeed; use the cluster's connectivity prop instead");
  });
});
