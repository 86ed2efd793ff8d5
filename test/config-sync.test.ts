import { TimeZone } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { runNag } from './harness/nag';
import { flatten, onlyLogicalId, policyStatementsOfRole, stackWithVpc, userDataOf } from './helpers';
import { ConfigSync, ConfigSyncProps, SitespeedCluster } from '../src';
import { installedShell } from '../src/private/boot-shell';

const daily = ScheduleExpression.cron({ minute: '0', hour: '9', timeZone: TimeZone.of('Europe/Stockholm') });

function withConfig(props: Partial<ConfigSyncProps> = {}) {
  const { stack, vpc } = stackWithVpc();
  const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc, reportsBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'reports') });
  const config = new ConfigSync(stack, 'Config', { cluster, ...props });
  return { stack, cluster, config, get template() { return Template.fromStack(stack); } };
}

describe('config bucket', () => {
  test('a new bucket is versioned, encrypted, private, retained and sends EventBridge notifications', () => {
    const { template } = withConfig();
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true, RestrictPublicBuckets: true }),
      }),
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
  });

  test('a given bucket is used, with a warning to turn its EventBridge notifications on', () => {
    const { stack, config } = withConfig({ bucket: s3.Bucket.fromBucketName(stackWithVpc().stack, 'Other', 'team-config') });
    expect(config.bucket.bucketName).toBe('team-config');
    Annotations.fromStack(stack).hasWarning('/Test/Config', Match.stringLikeRegexp('EventBridge notifications'));
  });

  test.each([
    ['no trailing slash', 'config', /prefix 'config' must be empty \(the whole bucket\) or a key prefix ending in '\/'/],
    ['a leading slash', '/config/', /prefix '\/config\/' must be/],
    ['an empty part', 'a//b/', /prefix 'a\/\/b\/' must be/],
  ])('a prefix with %s is refused', (_name, prefix, message) => {
    expect(() => withConfig({ prefix })).toThrow(message);
  });

  test('one ConfigSync per cluster', () => {
    const { stack, cluster } = withConfig();
    expect(() => new ConfigSync(stack, 'Again', { cluster })).toThrow(/already has a ConfigSync \(Test\/Config\); one config folder per cluster/);
  });
});

describe('changes reach the instances', () => {
  test('object created and deleted under the prefix trigger the syncConfig Lambda', () => {
    const { template } = withConfig();
    const bucket = onlyLogicalId(template, 'AWS::S3::Bucket');
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.s3'],
        'detail-type': ['Object Created', 'Object Deleted'],
        'detail': { bucket: { name: [{ Ref: bucket }] }, object: { key: [{ prefix: 'config/' }] } },
      },
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } })],
    });
  });

  test('the Lambda knows the cluster\'s instance tag, the bucket, the prefix and the one sync command', () => {
    const { template, cluster } = withConfig();
    expect(cluster.instanceTagValue).toMatch(/^c8[0-9a-f]{40}$/);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Environment: {
        Variables: Match.objectLike({
          CLUSTER_TAG_VALUE: cluster.instanceTagValue,
          CONFIG_BUCKET: { Ref: onlyLogicalId(template, 'AWS::S3::Bucket') },
          CONFIG_PREFIX: 'config/',
          SYNC_COMMAND: '/usr/local/bin/sitespeed-sync-config',
        }),
      },
    });
  });

  test('every instance carries the cluster\'s own tag from launch (not only aws:autoscaling:groupName)', () => {
    const { template, cluster } = withConfig();
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      Tags: Match.arrayWith([{ Key: 'cdk-sitespeed:cluster', Value: cluster.instanceTagValue, PropagateAtLaunch: true }]),
    });
  });

  test('the Lambda may send AWS-RunShellScript only to this cluster\'s instances, by the library\'s own tag', () => {
    const { template, cluster } = withConfig();
    const statements = policyStatementsOfRole(template, 'ConfigRole');
    expect(statements.map(s => ({ ...s, Resource: flatten(s.Resource) }))).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: expect.stringMatching(/^\{"Fn::GetAtt":\["ConfigLogGroup/) },
      { Action: 'ssm:SendCommand', Effect: 'Allow', Resource: 'arn:<AWS::Partition>:ssm:eu-north-1::document/AWS-RunShellScript' },
      {
        Action: 'ssm:SendCommand',
        Effect: 'Allow',
        Resource: 'arn:<AWS::Partition>:ec2:eu-north-1:123456789012:instance/*',
        Condition: { StringEquals: { 'ssm:resourceTag/cdk-sitespeed:cluster': cluster.instanceTagValue } },
      },
    ]);
  });
});

describe('on the instances', () => {
  test('the instances may list and read the config prefix only', () => {
    const { template } = withConfig();
    const bucket = onlyLogicalId(template, 'AWS::S3::Bucket');
    const statements = policyStatementsOfRole(template, 'SitespeedInstanceRole');
    expect(statements).toContainEqual({
      Action: 's3:ListBucket',
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [bucket, 'Arn'] },
      Condition: { StringLike: { 's3:prefix': ['config/*'] } },
    });
    expect(statements).toContainEqual({
      Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/config/*']] },
    });
    expect(statements.filter(s => [s.Action].flat().some((a: string) => a.startsWith('s3:')))).toHaveLength(2);
  });

  test('the boot installs the very sync script the Lambda runs, and syncs before the agent places tasks', () => {
    const { template } = withConfig();
    const userData = userDataOf(template);
    const sync = installedShell('sitespeed-sync-config.sh');
    expect(userData).toContain(`cat > /usr/local/bin/sitespeed-sync-config <<'SITESPEED_SCRIPT'\n${sync}\nSITESPEED_SCRIPT\n`);
    expect(userData).toMatch(/CONFIG_BUCKET='<Config[A-Za-z0-9]+>' CONFIG_PREFIX='config\/' CONFIG_DIR='\/var\/lib\/sitespeed\/config' AWS_REGION='<AWS::Region>' \\\n  \/usr\/local\/sbin\/sitespeed-config-boot \|\|/);
  });

  test('the folder is mounted read-only at /config in the sitespeed.io container', () => {
    const { template } = withConfig();
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Volumes: [{ Name: 'config', Host: { SourcePath: '/var/lib/sitespeed/config' } }],
      ContainerDefinitions: [Match.objectLike({ MountPoints: [{ SourceVolume: 'config', ContainerPath: '/config', ReadOnly: true }] })],
    });
  });
});

describe('sites that read the config folder', () => {
  test('render container paths under /config', () => {
    const { cluster } = withConfig();
    const site = cluster.addSite('Shop', { schedule: daily, urlsFile: 'urls/shop.txt', budgetFile: 'budgets/shop.json' });
    expect(site.sitespeedArgs[0]).toBe('/config/urls/shop.txt');
    expect(site.sitespeedArgs).toContain('/config/budgets/shop.json');
  });

  test('fail at synth when the cluster has no ConfigSync', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc });
    cluster.addSite('Shop', { schedule: daily, urlsFile: 'urls/shop.txt' });
    expect(() => Template.fromStack(stack)).toThrow(/urlsFile read the cluster's config folder, but Test\/Sitespeed has no ConfigSync/);
  });

  test('may come before the ConfigSync in the code', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc });
    cluster.addSite('Journey', { schedule: daily, script: 'scripts/checkout.mjs' });
    new ConfigSync(stack, 'Config', { cluster });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });
});

test('cdk-nag: ConfigSync adds no unacknowledged finding', () => {
  const { stack } = withConfig();
  const nag = runNag(stack);
  expect(nag.errors.filter(e => e.path.startsWith('Test/Config/') || e.path.startsWith('Test/Sitespeed/'))).toEqual([]);
});
