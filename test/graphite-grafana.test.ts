import * as fs from 'fs';
import * as path from 'path';
import { CfnElement, CfnParameter, Duration, RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import {
  EcsAmi, GrafanaAccess, GrafanaDashboards, InstanceSchedule, GraphiteGrafana, GraphiteGrafanaProps, SitespeedCluster,
} from '../src';
import { cfnLintTemplate } from './harness/cfn-lint';
import { runNag, testApp } from './harness/nag';
import { flatten, onlyLogicalId, policyStatementsOfRole, stackWithVpc, userDataOf } from './helpers';
import { installedShell } from '../src/private/boot-shell';
import { carbonConf, grafanaDatasourceYaml, storageAggregationConf, storageSchemasConf } from '../src/private/metrics-config';

function metrics(props: Partial<GraphiteGrafanaProps> = {}) {
  const { stack, vpc } = stackWithVpc();
  const construct = new GraphiteGrafana(stack, 'Metrics', { vpc, ...props });
  let template: Template | undefined;
  return { stack, vpc, construct, get template() { return (template ??= Template.fromStack(stack)); } };
}

function containerOf(template: Template, name: string): any {
  const definitions = Object.values(template.findResources('AWS::ECS::TaskDefinition'))
    .flatMap(t => t.Properties.ContainerDefinitions)
    .filter((c: any) => c.Name === name);
  if (definitions.length !== 1) throw new Error(`expected one container ${name}, found ${definitions.length}`);
  return definitions[0];
}

describe('GraphiteGrafana defaults', () => {
  const m = metrics();

  test('any instance type: one the table does not know gets a warning that its memory is not checked; x86 and ARM alike', () => {
    const unknown = metrics({ instanceType: new ec2.InstanceType('m8i.large') });
    Annotations.fromStack(unknown.stack).hasWarning('*', Match.stringLikeRegexp("instanceType 'm8i.large' is not in the library's table of instance sizes, so its memory is not checked"));
    for (const type of [undefined, 't3.small', 't4g.medium']) {
      const known = metrics({ instanceType: type ? new ec2.InstanceType(type) : undefined });
      expect(Annotations.fromStack(known.stack).findWarning('*', Match.stringLikeRegexp('instanceType'))).toEqual([]);
    }
  });

  test('Graphite runs carbon-cache, nginx and graphite-web with two workers: the image\'s statsd and aggregator are off', () => {
    // graphite-project/docker-graphite-statsd conf/entrypoint (tag 1.1.10-3) turns <SERVICE>_DISABLED off;
    // conf/etc/service/graphite/run reads GRAPHITE_WSGI_PROCESSES (default 4).
    expect(containerOf(m.template, 'graphite').Environment).toEqual(expect.arrayContaining([
      { Name: 'STATSD_DISABLED', Value: '1' },
      { Name: 'CARBON_AGGREGATOR_DISABLED', Value: '1' },
      { Name: 'GRAPHITE_WSGI_PROCESSES', Value: '2' },
    ]));
  });

  test('Container Insights is off unless asked for (its metrics cost more than the instance)', () => {
    m.template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'disabled' }] });
    metrics({ containerInsights: true }).template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
  });

  test('no load balancer and no NAT gateway anywhere', () => {
    m.template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
    m.template.resourceCountIs('AWS::ElasticLoadBalancing::LoadBalancer', 0);
    m.template.resourceCountIs('AWS::EC2::NatGateway', 0);
  });

  test('Graphite is an awsvpc service registered in Cloud Map as an A record: graphite.sitespeed.internal', () => {
    expect(m.construct.graphiteHost).toBe('graphite.sitespeed.internal');
    expect(m.construct.graphitePort).toBe(2003);
    m.template.hasResourceProperties('AWS::ServiceDiscovery::PrivateDnsNamespace', { Name: 'sitespeed.internal' });
    m.template.hasResourceProperties('AWS::ServiceDiscovery::Service', {
      Name: 'graphite',
      DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 10 }] },
    });
    const graphiteTask = Object.values(m.template.findResources('AWS::ECS::TaskDefinition'))
      .find(t => t.Properties.ContainerDefinitions[0].Name === 'graphite')!;
    expect(graphiteTask.Properties.NetworkMode).toBe('awsvpc');
    expect(containerOf(m.template, 'graphite').Image).toBe('graphiteapp/graphite-statsd:1.1.10-3');
    expect(containerOf(m.template, 'grafana').Image).toBe('grafana/grafana:12.4.0');
  });

  test('the volume is gp3, encrypted, 50 GiB, in the instance\'s zone, and retained', () => {
    m.template.hasResource('AWS::EC2::Volume', {
      Properties: { Size: 50, VolumeType: 'gp3', Encrypted: true, AvailabilityZone: 'dummy1a' },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(m.construct.availabilityZone).toBe('dummy1a');
    const asg = Object.values(m.template.findResources('AWS::AutoScaling::AutoScalingGroup'))[0];
    expect(asg.Properties.MinSize).toBe('1');
    expect(asg.Properties.MaxSize).toBe('1');
    expect(asg.Properties.VPCZoneIdentifier).toHaveLength(1);
    expect(flatten(asg.Properties.VPCZoneIdentifier[0])).toMatch(/publicSubnet1/);
    expect(asg.UpdatePolicy.AutoScalingRollingUpdate).toMatchObject({ MinInstancesInService: 0, MaxBatchSize: 1 });
  });

  test('the instance role writes logs only into the metrics log group (aws-ecs gives it logs:* on *)', () => {
    const statements = policyStatementsOfRole(m.template, 'MetricsInstanceRole');
    expect(statements.filter(s => JSON.stringify(s.Action).includes('logs:'))).toEqual([{
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [m.stack.getLogicalId(m.construct.logGroup.node.defaultChild as CfnElement), 'Arn'] },
    }]);
  });

  test('the instance may attach the volume only where both carry the grant tag', () => {
    const statements = policyStatementsOfRole(m.template, 'MetricsInstanceRole');
    const attach = statements.find(s => s.Action === 'ec2:AttachVolume');
    const condition = attach.Condition['ForAnyValue:StringEquals'];
    const [tagKey] = Object.keys(condition);
    expect(tagKey).toMatch(/^ec2:ResourceTag\/VolumeGrantAttach-/);
    const tagValue = condition[tagKey];
    expect(attach.Resource.map(flatten)).toEqual([
      `arn:<AWS::Partition>:ec2:eu-north-1:123456789012:volume/<${onlyLogicalId(m.template, 'AWS::EC2::Volume')}>`,
      'arn:<AWS::Partition>:ec2:eu-north-1:123456789012:instance/*',
    ]);
    const tag = { Key: tagKey.replace('ec2:ResourceTag/', ''), Value: tagValue };
    m.template.hasResourceProperties('AWS::EC2::Volume', { Tags: Match.arrayWith([tag]) });
    m.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      Tags: Match.arrayWith([{ ...tag, PropagateAtLaunch: true }]),
    });
    // Nothing else on the instance role may touch volumes.
    const volumeActions = statements.flatMap(s => [s.Action].flat()).filter((a: string) => /Volume/.test(a));
    expect(volumeActions.sort()).toEqual(['ec2:AttachVolume', 'ec2:DescribeVolumes']);
  });

  test('Grafana gets its admin credentials as ECS secrets from Secrets Manager, never in the environment', () => {
    const grafana = containerOf(m.template, 'grafana');
    const secretId = m.stack.getLogicalId(m.construct.grafanaAdminSecret.node.defaultChild as CfnElement);
    const authId = m.stack.getLogicalId(m.construct.graphiteAuthSecret.node.defaultChild as CfnElement);
    expect(grafana.Secrets.map((s: any) => [s.Name, flatten(s.ValueFrom)])).toEqual([
      ['GF_SECURITY_ADMIN_USER', `<${secretId}>:username::`],
      ['GF_SECURITY_ADMIN_PASSWORD', `<${secretId}>:password::`],
      ['GRAPHITE_AUTH_USER', `<${authId}>:username::`],
      ['GRAPHITE_AUTH_PASSWORD', `<${authId}>:password::`],
    ]);
    const environment = Object.fromEntries(grafana.Environment.map((e: any) => [e.Name, e.Value]));
    expect(Object.keys(environment).filter(k => /PASSWORD|SECRET|USER$/.test(k))).toEqual([]);
    expect(environment).toMatchObject({ GF_AUTH_ANONYMOUS_ENABLED: 'false', GF_USERS_ALLOW_SIGN_UP: 'false' });
    m.template.hasResource('AWS::SecretsManager::Secret', {
      Properties: { GenerateSecretString: { GenerateStringKey: 'password', SecretStringTemplate: '{"username":"admin"}', PasswordLength: 32 } },
      DeletionPolicy: 'Retain',
    });
    expect(grafana.PortMappings).toEqual([{ ContainerPort: 3000, HostPort: 3000, Protocol: 'tcp' }]);
  });

  test('Graphite\'s HTTP side admits only the stack\'s generated user: its htpasswd is written from the secret at boot, before the volume step', () => {
    m.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { GenerateStringKey: 'password', SecretStringTemplate: '{"username":"sitespeed"}', PasswordLength: 32, ExcludePunctuation: true },
    });
    const userData = userDataOf(m.template);
    const authId = m.stack.getLogicalId(m.construct.graphiteAuthSecret.node.defaultChild as CfnElement);
    expect(userData).toContain(`SECRET_ARN='<${authId}>' AWS_REGION='<AWS::Region>' HTPASSWD_FILE='/etc/cdk-sitespeed/graphite/htpasswd' \\\n  /usr/local/sbin/sitespeed-graphite-auth`);
    expect(userData.indexOf('/usr/local/sbin/sitespeed-graphite-auth ||')).toBeLessThan(userData.indexOf('/usr/local/sbin/sitespeed-metrics-volume ||'));
    const statements = policyStatementsOfRole(m.template, 'MetricsInstanceRole');
    expect(statements).toContainEqual(expect.objectContaining({
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: { Ref: authId },
    }));
    // Grafana's datasource authenticates, with values Grafana reads from its environment (ECS secrets).
    expect(grafanaDatasourceYaml('http://g:80')).toContain('    basicAuth: true\n    basicAuthUser: ${GRAPHITE_AUTH_USER}\n    secureJsonData:\n      basicAuthPassword: ${GRAPHITE_AUTH_PASSWORD}\n');
    expect(userData).toContain(grafanaDatasourceYaml('http://graphite.sitespeed.internal:80').trimEnd());
  });

  test('security groups: Grafana\'s port closed, Graphite open only to Grafana (80) until senders are allowed', () => {
    const groups = m.template.findResources('AWS::EC2::SecurityGroup');
    const instanceGroup = groups[Object.keys(groups).find(id => id.startsWith('MetricsInstanceSecurityGroup'))!];
    expect(instanceGroup.Properties.SecurityGroupIngress).toBeUndefined();
    const graphiteId = Object.keys(groups).find(id => id.startsWith('MetricsGraphiteSecurityGroup'))!;
    // allowAllOutbound false: CDK's placeholder egress that matches nothing.
    expect(groups[graphiteId].Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '255.255.255.255/32' }),
    ]);
    const ingress = Object.values(m.template.findResources('AWS::EC2::SecurityGroupIngress')).map(r => r.Properties);
    expect(ingress).toHaveLength(1);
    expect(ingress[0]).toMatchObject({ FromPort: 80, ToPort: 80, IpProtocol: 'tcp', GroupId: { 'Fn::GetAtt': [graphiteId, 'GroupId'] } });
    expect(ingress[0].SourceSecurityGroupId['Fn::GetAtt'][0]).toMatch(/^MetricsInstanceSecurityGroup/);
  });

  test('one writer at a time, only on an instance with the volume mounted', () => {
    const services = Object.values(m.template.findResources('AWS::ECS::Service')).map(s => s.Properties);
    expect(services).toHaveLength(2);
    for (const service of services) {
      expect(service.DesiredCount).toBe(1);
      expect(service.DeploymentConfiguration).toMatchObject({ MinimumHealthyPercent: 0, MaximumPercent: 100 });
      expect(service.PlacementConstraints).toEqual([{ Type: 'memberOf', Expression: 'attribute:cdk-sitespeed.metrics-volume == mounted' }]);
    }
  });

  test('Graphite\'s nginx site is the image\'s own plus auth_basic: only the auth lines differ from upstream', () => {
    // test/fixtures/upstream/graphite-statsd.conf: graphite-project/docker-graphite-statsd
    // conf/etc/nginx/sites-enabled/graphite-statsd.conf at tag 1.1.10-3 (commit 0b273187a16ddf1bdee795dc244c717cab9c3354),
    // byte for byte the same at 1.1.7-9 (294b10ba) and 1.1.10-5 (4a51806c). It has no auth_basic.
    const upstream = fs.readFileSync(path.join(__dirname, 'fixtures', 'upstream', 'graphite-statsd.conf'), 'utf8');
    const shipped = fs.readFileSync(path.join(__dirname, '..', 'shell', 'graphite-statsd.nginx.conf'), 'utf8');
    const code = (text: string) => text.split('\n').filter(line => !/^\s*#/.test(line)).join('\n').trimEnd();
    expect(upstream).not.toMatch(/auth_basic/);
    const authLines = code(shipped).split('\n').filter(line => /auth_basic/.test(line));
    expect(authLines.map(l => l.trim())).toEqual(['auth_basic "Graphite";', 'auth_basic_user_file /etc/nginx/.htpasswd;', 'auth_basic off;']);
    expect(code(shipped).split('\n').filter(line => !/auth_basic/.test(line)).join('\n')).toBe(code(upstream));
    // Server-wide, so no location of the image's is left open; only the image's own collectd
    // probe (allowed from 127.0.0.1 alone) is exempt.
    expect(code(shipped)).toMatch(/server \{\n  listen 80;\n  root \/opt\/graphite\/static;\n  index index.html;\n  auth_basic "Graphite";\n  auth_basic_user_file \/etc\/nginx\/.htpasswd;\n/);
    expect(code(shipped)).toMatch(/location \/nginx_status \{\n    auth_basic off;\n    stub_status on;/);
  });

  test('the data lives on the volume\'s mount; the tuned carbon configuration is mounted read-only', () => {
    const graphite = containerOf(m.template, 'graphite');
    const task = Object.values(m.template.findResources('AWS::ECS::TaskDefinition'))
      .find(t => t.Properties.ContainerDefinitions[0].Name === 'graphite')!.Properties;
    const hostPath = (name: string) => task.Volumes.find((v: any) => v.Name === name).Host.SourcePath;
    expect(graphite.MountPoints.map((p: any) => [hostPath(p.SourceVolume), p.ContainerPath, p.ReadOnly])).toEqual([
      ['/data/metrics/graphite', '/opt/graphite/storage', false],
      ['/etc/cdk-sitespeed/graphite/carbon.conf', '/opt/graphite/conf/carbon.conf', true],
      ['/etc/cdk-sitespeed/graphite/storage-schemas.conf', '/opt/graphite/conf/storage-schemas.conf', true],
      ['/etc/cdk-sitespeed/graphite/storage-aggregation.conf', '/opt/graphite/conf/storage-aggregation.conf', true],
      ['/etc/cdk-sitespeed/graphite/nginx-site.conf', '/etc/nginx/sites-enabled/graphite-statsd.conf', true],
      ['/etc/cdk-sitespeed/graphite/htpasswd', '/etc/nginx/.htpasswd', true],
    ]);
    const userData = userDataOf(m.template);
    expect(userData).toContain(`cat > /etc/cdk-sitespeed/graphite/nginx-site.conf <<'SITESPEED_FILE'\n${installedShell('graphite-statsd.nginx.conf')}\nSITESPEED_FILE\n`);
    expect(userData).toContain(`cat > /etc/cdk-sitespeed/graphite/carbon.conf <<'SITESPEED_FILE'\n${carbonConf().trimEnd()}\nSITESPEED_FILE\n`);
    expect(userData).toContain(`cat > /etc/cdk-sitespeed/graphite/storage-schemas.conf <<'SITESPEED_FILE'\n${storageSchemasConf().trimEnd()}\nSITESPEED_FILE\n`);
    expect(userData).toContain(`cat > /etc/cdk-sitespeed/graphite/storage-aggregation.conf <<'SITESPEED_FILE'\n${storageAggregationConf().trimEnd()}\nSITESPEED_FILE\n`);
    expect(carbonConf()).toContain('MAX_CREATES_PER_MINUTE = inf');
    expect(userData).toContain('url: http://graphite.sitespeed.internal:80');
  });

  test('the boot attaches and mounts the volume before the ECS agent joins the cluster, then fetches the pinned dashboards', () => {
    const userData = userDataOf(m.template);
    const volumeId = onlyLogicalId(m.template, 'AWS::EC2::Volume');
    expect(userData).toContain(
      `VOLUME_ID='<${volumeId}>' MOUNT_POINT='/data/metrics' AWS_REGION='<AWS::Region>' DEVICE_NAME='/dev/xvdf' ` +
      "ECS_ATTRIBUTE='cdk-sitespeed.metrics-volume' \\\n  /usr/local/sbin/sitespeed-metrics-volume ||");
    expect(userData).toContain([
      "cat > /etc/cdk-sitespeed/dashboards.env <<'SITESPEED_FILE'",
      'DASHBOARDS_SOURCE="https://github.com/sitespeedio/sitespeed.io/archive/refs/tags/v42.7.0.tar.gz"',
      'DASHBOARDS_PATH="docker/grafana/provisioning/dashboards"',
      'DASHBOARDS_EXCLUDE="OpenSearch.json Plus1.json WikipediaLogin.json"',
      'DASHBOARDS_DIR="/data/metrics/grafana-dashboards"',
      'AWS_REGION="<AWS::Region>"',
      'SITESPEED_FILE',
    ].join('\n'));
    // The fetch is a unit of its own: every boot, after the mount, never blocking the ECS agent.
    expect(userData).toContain('RequiresMountsFor=/data/metrics\n');
    expect(userData).toContain('EnvironmentFile=/etc/cdk-sitespeed/dashboards.env\nExecStart=/usr/local/sbin/sitespeed-grafana-dashboards\n');
    expect(userData).toContain('systemctl enable cdk-sitespeed-dashboards.service\nsystemctl start --no-block cdk-sitespeed-dashboards.service');
    expect(userData.indexOf('/usr/local/sbin/sitespeed-metrics-volume ||')).toBeLessThan(userData.indexOf('ECS_CLUSTER='));
  });

  test('launch template: IMDSv2 only, hop limit 1, encrypted root', () => {
    m.template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        InstanceType: 't4g.small',
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
        BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ Encrypted: true }) })],
      }),
    });
  });

  test('a weekly backup into a retained vault of its own, kept 35 days, of exactly this volume', () => {
    m.template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: [Match.objectLike({
          ScheduleExpression: 'cron(0 3 ? * SUN *)',
          Lifecycle: { DeleteAfterDays: 35 },
          TargetBackupVault: { 'Fn::GetAtt': [onlyLogicalId(m.template, 'AWS::Backup::BackupVault'), 'BackupVaultName'] },
        })],
      },
    });
    m.template.hasResource('AWS::Backup::BackupVault', { DeletionPolicy: 'Retain' });
    const selection = Object.values(m.template.findResources('AWS::Backup::BackupSelection'))[0].Properties.BackupSelection;
    expect(selection.Resources.map(flatten)).toEqual([
      `arn:<AWS::Partition>:ec2:eu-north-1:123456789012:volume/<${onlyLogicalId(m.template, 'AWS::EC2::Volume')}>`,
    ]);
  });
});

describe('GraphiteGrafana options', () => {
  test('GrafanaAccess.fromCidrs opens Grafana\'s port to those ranges only', () => {
    const m = metrics({ grafanaAccess: GrafanaAccess.fromCidrs(['203.0.113.0/24', '198.51.100.7']) });
    const groups = m.template.findResources('AWS::EC2::SecurityGroup');
    const instanceGroup = groups[Object.keys(groups).find(id => id.startsWith('MetricsInstanceSecurityGroup'))!];
    expect(instanceGroup.Properties.SecurityGroupIngress.map((r: any) => [r.CidrIp, r.FromPort, r.ToPort])).toEqual([
      ['203.0.113.0/24', 3000, 3000],
      ['198.51.100.7/32', 3000, 3000],
    ]);
  });

  test('a restore creates the volume from the snapshot; backup schedule and retention follow the props', () => {
    const m = metrics({
      snapshotId: 'snap-0123456789abcdef0',
      backupRetentionDays: 90,
      backupSchedule: events.Schedule.cron({ hour: '2', minute: '30' }),
    });
    m.template.hasResourceProperties('AWS::EC2::Volume', { SnapshotId: 'snap-0123456789abcdef0' });
    m.template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: { BackupPlanRule: [Match.objectLike({ ScheduleExpression: 'cron(30 2 * * ? *)', Lifecycle: { DeleteAfterDays: 90 } })] },
    });
  });

  test('dashboards from a bucket: the instance may read that prefix only', () => {
    const { stack, vpc } = stackWithVpc();
    const bucket = new s3.Bucket(stack, 'Dashboards');
    new GraphiteGrafana(stack, 'Metrics', { vpc, dashboards: GrafanaDashboards.fromBucket(bucket, 'grafana/boards') });
    const template = Template.fromStack(stack);
    const statements = policyStatementsOfRole(template, 'MetricsInstanceRole');
    const bucketId = onlyLogicalId(template, 'AWS::S3::Bucket');
    expect(statements.find(s => s.Action === 's3:GetObject').Resource).toEqual(
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/grafana/boards/*']] });
    expect(statements.find(s => s.Action === 's3:ListBucket').Condition).toEqual({ StringLike: { 's3:prefix': ['grafana/boards/*'] } });
    expect(userDataOf(template)).toContain('DASHBOARDS_SOURCE="s3://<');
  });

  test('GrafanaDashboards.none() provisions no dashboards and runs no fetch', () => {
    const m = metrics({ dashboards: GrafanaDashboards.none(), grafanaPlugins: ['marcusolsson-json-datasource'] });
    const userData = userDataOf(m.template);
    expect(userData).not.toContain('sitespeed-grafana-dashboards');
    expect(containerOf(m.template, 'grafana').Environment).toContainEqual({ Name: 'GF_PLUGINS_PREINSTALL', Value: 'marcusolsson-json-datasource' });
  });

  test('an on/off schedule switches the one instance between 1 and 0', () => {
    const m = metrics({ schedule: InstanceSchedule.onOff({ timeZone: TimeZone.of('Europe/Stockholm'), startHour: 6, stopHour: 21 }) });
    const actions = Object.values(m.template.findResources('AWS::AutoScaling::ScheduledAction')).map(a => a.Properties);
    expect(actions.map(a => [a.Recurrence, a.MinSize, a.MaxSize]).sort()).toEqual([
      ['0 21 * * MON-FRI', 0, 0],
      ['0 6 * * MON-FRI', 1, 1],
    ]);
  });

  test('running: false keeps the instance at zero with the volume, backups and secret in place', () => {
    const m = metrics({ running: false });
    m.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MinSize: '0', MaxSize: '0' });
    m.template.resourceCountIs('AWS::EC2::Volume', 1);
    m.template.resourceCountIs('AWS::Backup::BackupSelection', 1);
    m.template.resourceCountIs('AWS::AutoScaling::ScheduledAction', 0);
    expect(() => metrics({ running: false, schedule: InstanceSchedule.onOff({ timeZone: TimeZone.of('UTC'), startHour: 6, stopHour: 20 }) }))
      .toThrow(/schedule has no effect when running is false/);
  });

  test('removalPolicy DESTROY is the only way the volume, vault and secret go with the stack', () => {
    const m = metrics({ removalPolicy: RemovalPolicy.DESTROY });
    m.template.hasResource('AWS::EC2::Volume', { DeletionPolicy: 'Delete' });
    m.template.hasResource('AWS::Backup::BackupVault', { DeletionPolicy: 'Delete' });
    m.template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
  });

  test.each<[string, Partial<GraphiteGrafanaProps> | (() => unknown), RegExp]>([
    ['a zero volume', { volumeSizeGiB: 0 }, /volumeSizeGiB \(0\) must be a whole number of GiB from 1 to 16384/],
    ['a bad snapshot id', { snapshotId: 'vol-123' }, /snapshotId 'vol-123' must be an EBS snapshot id/],
    ['zero retention', { backupRetentionDays: 0 }, /backupRetentionDays \(0\) must be a whole number of days/],
    ['a one-label namespace', { cloudMapNamespaceName: 'internal' }, /cloudMapNamespaceName 'internal' must be a lower-case DNS name/],
    ['a namespace outside sitespeed_io', { graphiteNamespace: 'perf.prod' }, /graphiteNamespace 'perf.prod' must be 'sitespeed_io.<name>'/],
    ['a bad plugin id', { grafanaPlugins: ['rm -rf'] }, /grafanaPlugins: 'rm -rf' is not a Grafana plugin id/],
    ['a zone without selected subnets', { availabilityZone: 'eu-north-1c' }, /availabilityZone 'eu-north-1c' has none of the selected subnets.*dummy1a, dummy1b/],
    ['a schedule that never starts', { schedule: InstanceSchedule.onOff({ timeZone: TimeZone.of('UTC'), startHour: 6, stopHour: 20, warmInstances: 0 }) },
      /an onOff schedule with warmInstances 0 would never start the metrics instance/],
    ['Grafana open to the internet', () => GrafanaAccess.fromCidrs(['0.0.0.0/0']), /'0.0.0.0\/0' opens Grafana to the whole internet/],
    ['a bad CIDR', () => GrafanaAccess.fromCidrs(['10.0.0.0/33']), /'10.0.0.0\/33' is not an IPv4 address or CIDR/],
    ['no CIDRs', () => GrafanaAccess.fromCidrs([]), /give at least one IPv4 CIDR/],
    ['a bad dashboards version', () => GrafanaDashboards.sitespeedRelease('latest'), /version 'latest' must be a sitespeed.io release/],
  ])('refuses %s with a clear error', (_name, input, message) => {
    if (typeof input === 'function') {
      expect(input).toThrow(message);
    } else {
      expect(() => metrics(input)).toThrow(message);
    }
  });
});

describe('wiring sites to the MetricsStack across stacks', () => {
  function twoStacks(siteOptions: Record<string, unknown> = {}) {
    const app = testApp();
    const env = { account: '123456789012', region: 'eu-north-1' };
    const network = new Stack(app, 'Network', { env });
    const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
    vpc.addFlowLog('FlowLog');
    const metricsStack = new Stack(app, 'Metrics', { env });
    const metricsConstruct = new GraphiteGrafana(metricsStack, 'Metrics', { vpc, graphiteNamespace: 'sitespeed_io.prod' });
    const sitespeedStack = new Stack(app, 'Sitespeed', { env });
    const cluster = new SitespeedCluster(sitespeedStack, 'Cluster', { vpc, metrics: metricsConstruct });
    const site = cluster.addSite('Shop', {
      schedule: scheduler.ScheduleExpression.rate(Duration.hours(1)),
      urls: [{ url: 'https://shop.example.com/' }],
      ...siteOptions,
    });
    return { app, metricsStack, sitespeedStack, metricsConstruct, cluster, site };
  }

  test('sites send to Graphite by its private name, with the ports and a namespace the dashboards understand', () => {
    const { site } = twoStacks();
    const args = site.sitespeedArgs.join(' ');
    expect(args).toContain('--graphite.host graphite.sitespeed.internal --graphite.port 2003 --graphite.namespace sitespeed_io.prod --graphite.httpPort 80');
  });

  test('the cluster may reach Graphite on 2003 and 80; the rules live in the sender\'s stack, so metrics never depends on it', () => {
    const { app, metricsStack, sitespeedStack } = twoStacks();
    const assembly = app.synth();
    const sitespeed = Template.fromStack(sitespeedStack);
    const rules = Object.values(sitespeed.findResources('AWS::EC2::SecurityGroupIngress')).map(r => r.Properties);
    expect(rules.map(r => r.FromPort).sort()).toEqual([2003, 80]);
    for (const rule of rules) {
      expect(rule.GroupId).toEqual({ 'Fn::ImportValue': expect.stringMatching(/^Metrics:ExportsOutputFnGetAttMetricsGraphiteSecurityGroup/) });
      expect(rule.SourceSecurityGroupId['Fn::GetAtt'][0]).toMatch(/^ClusterSecurityGroup/);
    }
    expect(assembly.getStackByName(sitespeedStack.stackName).dependencies.map(d => d.id)).toContain(metricsStack.artifactId);
    expect(assembly.getStackByName(metricsStack.stackName).dependencies.map(d => d.id)).not.toContain(sitespeedStack.artifactId);
  });

  test('a site can name the MetricsStack itself on a cluster without one: it renders the Graphite and opens the way once', () => {
    const { stack, vpc } = stackWithVpc();
    const metricsConstruct = new GraphiteGrafana(stack, 'Metrics', { vpc });
    const cluster = new SitespeedCluster(stack, 'Cluster', { vpc });
    const options = { schedule: scheduler.ScheduleExpression.rate(Duration.hours(1)), metrics: metricsConstruct };
    const a = cluster.addSite('A', { ...options, urls: [{ url: 'https://a.example.com/' }] });
    cluster.addSite('B', { ...options, urls: [{ url: 'https://b.example.com/' }] });
    expect(a.sitespeedArgs.join(' ')).toContain('--graphite.host graphite.sitespeed.internal --graphite.port 2003 --graphite.namespace sitespeed_io.default --graphite.httpPort 80');
    const rules = Object.values(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroupIngress'))
      .map(r => r.Properties)
      .filter(r => r.SourceSecurityGroupId['Fn::GetAtt'][0].startsWith('ClusterSecurityGroup'));
    expect(rules.map(r => r.FromPort).sort()).toEqual([2003, 80]);
  });

  test('a site cannot name both a MetricsStack and another Graphite, nor a namespace outside sitespeed_io', () => {
    expect(() => twoStacks({ graphiteHost: 'other.example' })).toThrow(/give either metrics \(Graphite of Metrics\/Metrics\) or graphiteHost\/graphitePort/);
    expect(() => twoStacks({ graphiteNamespace: 'perf.shop' })).toThrow(/graphiteNamespace 'perf.shop' must be 'sitespeed_io.<name>' with metrics \(GraphiteGrafana or MetricsStack\)/);
  });

  test('cdk-nag and cfn-lint are clean on both stacks', () => {
    const { app, metricsStack, sitespeedStack } = twoStacks();
    const nag = runNag(app);
    expect(nag.errors).toEqual([]);
    for (const stack of [metricsStack, sitespeedStack]) {
      expect(cfnLintTemplate(Template.fromStack(stack).toJSON()).filter(m => m.level === 'Error')).toEqual([]);
    }
  });

  test('no warnings of this library on either stack', () => {
    const { app } = twoStacks();
    const messages = app.synth().stacks.flatMap(s => s.messages);
    expect(messages.length).toBeGreaterThan(0); // CDK's own cross-stack reference notice, at least
    expect(messages.filter(m => m.level === 'warning' && String(m.entry.data).includes('cdk-sitespeed'))).toEqual([]);
  });
});


describe('the metrics instance is not replaced by every deploy', () => {
  const imageParameterOf = (template: Template) => {
    const launchTemplate = Object.values(template.findResources('AWS::EC2::LaunchTemplate'))[0];
    const ref = launchTemplate.Properties.LaunchTemplateData.ImageId.Ref;
    return { ref, parameter: template.toJSON().Parameters[ref] };
  };

  test('its AMI is a named release by default (the SSM parameter of one release never changes), not the recommended one read at each deploy', () => {
    const { template } = metrics();
    const { parameter } = imageParameterOf(template);
    expect(parameter).toEqual({
      Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      Default: `/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/al2023-ami-ecs-hvm-${EcsAmi.DEFAULT_RELEASE}-kernel-6.1-arm64/image_id`,
    });
    expect(JSON.stringify(template.toJSON().Parameters)).not.toContain('recommended');
  });

  test('upgrading is naming a newer release; latest() and an AMI id of your own are there too; ARM types get the arm64 release', () => {
    const x86 = new ec2.InstanceType('t3.small');
    expect(imageParameterOf(metrics({ instanceType: x86, machineImage: EcsAmi.release('2023.0.20261001', '6.12') }).template).parameter.Default)
      .toBe('/aws/service/ecs/optimized-ami/amazon-linux-2023/al2023-ami-ecs-hvm-2023.0.20261001-kernel-6.12-x86_64/image_id');
    expect(imageParameterOf(metrics({ instanceType: x86, machineImage: EcsAmi.latest() }).template).parameter.Default)
      .toBe('/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id');
    const own = metrics({ machineImage: EcsAmi.fromAmiId('ami-0123456789abcdef0') }).template;
    expect(Object.values(own.findResources('AWS::EC2::LaunchTemplate'))[0].Properties.LaunchTemplateData.ImageId).toBe('ami-0123456789abcdef0');
    // Read from the constructs, not a synth: the parameters are referenced by nothing here.
    const stack = new Stack(testApp(), 'Arm');
    EcsAmi.release(EcsAmi.DEFAULT_RELEASE)._machineImage(ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MEDIUM)).getImage(stack);
    EcsAmi.latest()._machineImage(ec2.InstanceType.of(ec2.InstanceClass.C7G, ec2.InstanceSize.LARGE)).getImage(stack);
    expect(stack.node.findAll().filter((c): c is CfnParameter => c instanceof CfnParameter).map(p => p.default)).toEqual([
      `/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/al2023-ami-ecs-hvm-${EcsAmi.DEFAULT_RELEASE}-kernel-6.1-arm64/image_id`,
      '/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id',
    ]);
  });

  test('the sitespeed clusters follow the recommended image (stateless instances that come and go with the schedule)', () => {
    const { stack, vpc } = stackWithVpc();
    new SitespeedCluster(stack, 'Sitespeed', { vpc });
    const template = Template.fromStack(stack);
    expect(imageParameterOf(template).parameter.Default).toBe('/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id');
  });

  test.each([
    ['a release name instead of its version', () => EcsAmi.release('al2023-ami-ecs-hvm-2023.0.20260820-kernel-6.1-x86_64'), /is not an ECS-optimised AL2023 release version: expected 2023\.0\.YYYYMMDD/],
    ['a kernel that is not a kernel line', () => EcsAmi.release('2023.0.20260820', 'latest'), /kernel 'latest' is not a kernel line such as '6\.1'/],
    ['an AMI id with a typo', () => EcsAmi.fromAmiId('ami-xyz'), /'ami-xyz' is not an AMI id/],
  ])('%s is refused with what is allowed', (_name, make, message) => {
    expect(make).toThrow(message);
  });

  test('its user data and image stay the same when the sitespeed side changes (a site added, another cluster size)', () => {
    const launchTemplateOf = (sites: number, maxCapacity: number) => {
      const { stack, vpc } = stackWithVpc();
      const m = new GraphiteGrafana(stack, 'Metrics', { vpc });
      const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc, metrics: m, maxCapacity });
      for (let i = 0; i < sites; i++) {
        cluster.addSite(`Site${i}`, { schedule: scheduler.ScheduleExpression.rate(Duration.hours(1)), urls: [{ url: `https://s${i}.example.com/` }] });
      }
      const template = Template.fromStack(stack);
      const id = Object.keys(template.findResources('AWS::EC2::LaunchTemplate')).find(k => k.startsWith('Metrics'))!;
      return template.toJSON().Resources[id].Properties.LaunchTemplateData;
    };
    expect(launchTemplateOf(3, 4)).toEqual(launchTemplateOf(1, 2));
  });
});
