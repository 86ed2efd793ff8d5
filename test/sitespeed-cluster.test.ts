import { CfnElement, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { cfnLintTemplate } from './harness/cfn-lint';
import { runNag } from './harness/nag';
import { flatten, onlyLogicalId, policyStatementsOfRole, stackWithVpc, userDataOf } from './helpers';
import {
  Browser, ConfigSync, Connectivity, ConnectivityProfile, GraphiteGrafana, InstanceSchedule, SitespeedCluster, SitespeedClusterProps, SitespeedImage,
} from '../src';
import { installedShell, MAX_USER_DATA_BYTES, userDataBytes } from '../src/private/boot-shell';

function synth(props: Partial<SitespeedClusterProps> = {}) {
  const { stack, vpc } = stackWithVpc();
  const sitespeed = new SitespeedCluster(stack, 'Sitespeed', { vpc, ...props });
  // Lazy: synthesizing freezes the tree, and some tests add to it or synthesize another way.
  return { stack, vpc, sitespeed, get template() { return Template.fromStack(stack); } };
}

describe('capacity', () => {
  test('runs behind a capacity provider with managed scaling and termination protection, as the default strategy', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::ECS::CapacityProvider', {
      AutoScalingGroupProvider: {
        ManagedScaling: Match.objectLike({ Status: 'ENABLED', TargetCapacity: 100 }),
        ManagedTerminationProtection: 'ENABLED',
      },
    });
    const provider = onlyLogicalId(template, 'AWS::ECS::CapacityProvider');
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      CapacityProviders: [{ Ref: provider }],
      DefaultCapacityProviderStrategy: [{ CapacityProvider: { Ref: provider }, Weight: 1 }],
    });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '0',
      MaxSize: '2',
      NewInstancesProtectedFromScaleIn: true,
    });
  });

  test('cdk destroy completes: a teardown resource, deleted before the group, the capacity provider and the cluster, empties the group', () => {
    const { template } = synth();
    const teardown = template.findResources('Custom::SitespeedClusterTeardown');
    expect(Object.keys(teardown)).toHaveLength(1);
    const [resource] = Object.values<any>(teardown);
    // CloudFormation deletes a resource before those it depends on.
    const dependsOn: string[] = resource.DependsOn;
    for (const type of ['AWS::AutoScaling::AutoScalingGroup', 'AWS::ECS::CapacityProvider', 'AWS::ECS::ClusterCapacityProviderAssociations', 'AWS::ECS::Cluster']) {
      expect({ type, dependedOn: dependsOn.includes(onlyLogicalId(template, type)) }).toEqual({ type, dependedOn: true });
    }
    const functionId = resource.Properties.ServiceToken['Fn::GetAtt'][0];
    const fn = template.toJSON().Resources[functionId];
    expect(fn.Properties.Timeout).toBe(900);
    expect(fn.Properties.Environment.Variables).toMatchObject({
      GROUP_NAME: { Ref: onlyLogicalId(template, 'AWS::AutoScaling::AutoScalingGroup') },
      CLUSTER_ARN: { 'Fn::GetAtt': [onlyLogicalId(template, 'AWS::ECS::Cluster'), 'Arn'] },
    });
    // Its permissions outlive it: the role's policy is deleted after the resource.
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    const statements = policyStatementsOfRole(template, roleId);
    expect(dependsOn).toEqual(expect.arrayContaining([roleId]));
    const byAction = (action: string) => statements.find((s: any) => [s.Action].flat().includes(action));
    expect(flatten(byAction('autoscaling:SetInstanceProtection').Resource))
      .toMatch(/^arn:<AWS::Partition>:autoscaling:eu-north-1:123456789012:autoScalingGroup:\*:autoScalingGroupName\/<.*AutoScalingGroup.*>$/);
    expect(byAction('autoscaling:SuspendProcesses').Resource).toEqual(byAction('autoscaling:SetInstanceProtection').Resource);
    expect(byAction('ecs:ListTasks').Condition).toEqual({ ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [onlyLogicalId(template, 'AWS::ECS::Cluster'), 'Arn'] } } });
    expect(flatten(byAction('ecs:StopTask').Resource)).toMatch(/:task\/<.*Cluster.*>\/\*$/);
  });

  test('capacities are configurable', () => {
    const { template } = synth({ minCapacity: 1, maxCapacity: 5 });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MinSize: '1', MaxSize: '5' });
  });

  test('an always-on cluster has no scheduled actions', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::AutoScaling::ScheduledAction', 0);
  });

  test('an on/off schedule keeps warm instances in the window; off, runs still scale out from zero (none stranded)', () => {
    const { template } = synth({
      maxCapacity: 3,
      schedule: InstanceSchedule.onOff({ timeZone: TimeZone.of('Europe/Stockholm'), startHour: 7, stopHour: 20, stopMinute: 30 }),
    });
    template.resourceCountIs('AWS::AutoScaling::ScheduledAction', 2);
    template.hasResourceProperties('AWS::AutoScaling::ScheduledAction', {
      Recurrence: '0 7 * * MON-FRI', TimeZone: 'Europe/Stockholm', MinSize: 1, MaxSize: 3,
    });
    template.hasResourceProperties('AWS::AutoScaling::ScheduledAction', {
      Recurrence: '30 20 * * MON-FRI', TimeZone: 'Europe/Stockholm', MinSize: 0, MaxSize: 3,
    });
  });

  test('hardStop holds the cluster at zero outside the window', () => {
    const { template } = synth({
      maxCapacity: 3,
      schedule: InstanceSchedule.onOff({ timeZone: TimeZone.of('Europe/Stockholm'), startHour: 7, stopHour: 20, hardStop: true }),
    });
    template.hasResourceProperties('AWS::AutoScaling::ScheduledAction', { Recurrence: '0 20 * * MON-FRI', MinSize: 0, MaxSize: 0 });
  });

  test('a window across midnight goes down on the following days (22:00 MON-FRI to 06:00 TUE-SAT)', () => {
    const { template } = synth({
      schedule: InstanceSchedule.onOff({ timeZone: TimeZone.of('UTC'), startHour: 22, stopHour: 6 }),
    });
    template.hasResourceProperties('AWS::AutoScaling::ScheduledAction', { Recurrence: '0 22 * * MON-FRI', MinSize: 1 });
    template.hasResourceProperties('AWS::AutoScaling::ScheduledAction', { Recurrence: '0 6 * * TUE,WED,THU,FRI,SAT', MinSize: 0 });
    const wrapped = synth({ schedule: InstanceSchedule.onOff({ timeZone: TimeZone.of('UTC'), startHour: 23, stopHour: 1, weekDays: 'FRI-SUN' }) }).template;
    wrapped.hasResourceProperties('AWS::AutoScaling::ScheduledAction', { Recurrence: '0 1 * * SUN,MON,SAT', MinSize: 0 });
  });

  test('a time zone in any case is given to AWS as its IANA name', () => {
    const { template } = synth({ schedule: InstanceSchedule.onOff({ timeZone: TimeZone.of('europe/stockholm'), startHour: 7, stopHour: 20, weekDays: 'mon-fri' }) });
    template.hasResourceProperties('AWS::AutoScaling::ScheduledAction', { Recurrence: '0 7 * * MON-FRI', TimeZone: 'Europe/Stockholm' });
  });

  test('an on/off schedule can keep no instance warm and run every day', () => {
    const { template } = synth({
      schedule: InstanceSchedule.onOff({ timeZone: TimeZone.of('UTC'), startHour: 22, stopHour: 6, weekDays: '*', warmInstances: 0 }),
    });
    template.hasResourceProperties('AWS::AutoScaling::ScheduledAction', { Recurrence: '0 22 * * *', MinSize: 0, MaxSize: 2 });
  });
});

describe('instances', () => {
  test('EC2 takes 16 KB of user data: the largest cluster there is (host tc, ConfigSync, metrics) fits; more is refused at synth', () => {
    const { stack, vpc } = stackWithVpc();
    const metrics = new GraphiteGrafana(stack, 'Metrics', { vpc });
    const largest = new SitespeedCluster(stack, 'Sitespeed', {
      vpc, metrics, connectivity: Connectivity.hostTc(ConnectivityProfile.CABLE, { exemptCidrs: ['10.50.0.0/16'] }),
    });
    new ConfigSync(stack, 'Config', { cluster: largest });
    Template.fromStack(stack);
    const bytes = userDataBytes(stack, largest.launchTemplate.userData!);
    // Measured with comment lines stripped (installedShell); with them it was over the limit.
    expect(bytes).toBeGreaterThan(8000);
    expect(bytes).toBeLessThan(MAX_USER_DATA_BYTES - 2000);
    const metricsTemplate = metrics.node.findAll().find((c): c is ec2.LaunchTemplate => c instanceof ec2.LaunchTemplate)!;
    expect(userDataBytes(stack, metricsTemplate.userData!)).toBeLessThan(MAX_USER_DATA_BYTES - 2000);

    const over = synth();
    over.sitespeed.autoScalingGroup.addUserData(`echo '${'x'.repeat(17000)}' > /dev/null`);
    expect(() => over.template).toThrow(/The instances' user data takes about \d{5} bytes; EC2 allows 16384 .*It writes \/usr\/local\/sbin\/sitespeed-instance-boot; the rest is what was added with addUserData/);
  });

  test('the instance role writes logs only into the cluster\'s log group (aws-ecs gives it logs:* on *)', () => {
    const { stack, sitespeed, template } = synth();
    const statements = policyStatementsOfRole(template, 'SitespeedInstanceRole');
    const logWrites = statements.filter(s => JSON.stringify(s.Action).includes('logs:'));
    expect(logWrites).toEqual([{
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [stack.getLogicalId(sitespeed.logGroup.node.defaultChild as CfnElement), 'Arn'] },
    }]);
    // The rest of aws-ecs's statement stays: these have no resource-level permissions.
    expect(statements).toContainEqual({ Action: ['ecs:DiscoverPollEndpoint', 'ecr:GetAuthorizationToken'], Effect: 'Allow', Resource: '*' });
  });

  test('require IMDSv2 with hop limit 1 and an encrypted gp3 root volume', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        InstanceType: 'c5.large',
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
        BlockDeviceMappings: [{
          DeviceName: '/dev/xvda',
          Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: 30, DeleteOnTermination: true },
        }],
      }),
    });
  });

  test('use the ECS-optimised Amazon Linux 2023 AMI', () => {
    const { template } = synth();
    const parameters = template.findParameters('*', { Default: Match.stringLikeRegexp('/aws/service/ecs/optimized-ami/amazon-linux-2023/') });
    expect(Object.keys(parameters)).toHaveLength(1);
  });

  test('get a public IP in public subnets (no NAT needed) and none in private ones', () => {
    const publicCluster = synth();
    publicCluster.template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ NetworkInterfaces: [Match.objectLike({ AssociatePublicIpAddress: true, DeviceIndex: 0 })] }),
    });
    const isolated = synth({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });
    isolated.template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ NetworkInterfaces: Match.absent() }),
    });
  });

  test('have no inbound rule and are reachable by SSM Session Manager', () => {
    const { template, sitespeed } = synth();
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('sitespeed.io test instances'),
      SecurityGroupIngress: Match.absent(),
    });
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    expect(sitespeed.connections.securityGroups).toHaveLength(1);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })] }),
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] }],
    });
  });

  test('user data joins the cluster, prefers cached images and pre-pulls the pinned image', () => {
    const { template } = synth();
    const userData = userDataOf(template);
    expect(userData).toMatch(/ECS_CLUSTER=/);
    expect(userData).toContain('ECS_IMAGE_PULL_BEHAVIOR=prefer-cached');
    expect(userData).toContain("SITESPEED_IMAGE='sitespeedio/sitespeed.io:42.7.0' ECR_REGISTRY='' AWS_REGION='<AWS::Region>'");
    expect(userData).toContain('systemctl enable --now --no-block sitespeed-prepull.service');
    // The boot script is written whole and run as a file, before the cluster is joined.
    const script = installedShell('sitespeed-instance-boot.sh');
    expect(userData).toContain(`<<'SITESPEED_INSTANCE_BOOT'\n${script}\nSITESPEED_INSTANCE_BOOT\n`);
    expect(userData.indexOf('  /usr/local/sbin/sitespeed-instance-boot ||')).toBeLessThan(userData.indexOf('ECS_CLUSTER='));
  });

  test('any instance type: one the table does not know takes its reservation from taskCpu and taskMemoryMiB', () => {
    const { template, sitespeed } = synth({ instanceType: new ec2.InstanceType('c8i.xlarge'), taskCpu: 4096, taskMemoryMiB: 7372 });
    expect([sitespeed.taskCpu, sitespeed.taskMemoryReservationMiB]).toEqual([4096, 7372]);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Cpu: 4096, MemoryReservation: 7372, Environment: [{ Name: 'MAX_OLD_SPACE_SIZE', Value: '3072' }] })],
    });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: Match.objectLike({ InstanceType: 'c8i.xlarge' }) });
  });

  test('an ARM type boots the arm64 ECS AMI and gets a warning about sitespeed.io\'s arm64 image; Edge on it is refused', () => {
    const armProps = { instanceType: new ec2.InstanceType('c7g.large'), taskCpu: 2048, taskMemoryMiB: 3584 };
    const parameters = JSON.stringify(synth(armProps).template.toJSON().Parameters);
    expect(parameters).toContain('/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id');
    Annotations.fromStack(synth(armProps).stack).hasWarning('/Test/Sitespeed', Match.stringLikeRegexp("is ARM: sitespeed.io's arm64 image runs Chromium instead of Chrome"));
    const x86 = synth();
    expect(Annotations.fromStack(x86.stack).findWarning('*', Match.stringLikeRegexp('is ARM'))).toHaveLength(0);
    const edge = synth({ instanceType: new ec2.InstanceType('t4g.large'), taskCpu: 2048, taskMemoryMiB: 7372 });
    expect(() => edge.sitespeed.addSite('Shop', { schedule: ScheduleExpression.rate(Duration.hours(1)), urls: [{ url: 'https://shop.example.com/' }], browser: Browser.EDGE }))
      .toThrow(/browser Browser.EDGE: Test\/Sitespeed runs ARM instances, and sitespeed.io's arm64 image has no Edge/);
  });

  test('a burstable instance type gets a warning, a c5 none', () => {
    const burst = synth({ instanceType: new ec2.InstanceType('t3.large') });
    Annotations.fromStack(burst.stack).hasWarning('/Test/Sitespeed', Match.stringLikeRegexp('burstable'));
    const steady = synth();
    expect(Annotations.fromStack(steady.stack).findWarning('*', Match.stringLikeRegexp('burstable'))).toHaveLength(0);
  });
});

describe('task definition', () => {
  test('runs sitespeed.io in bridge mode on EC2, taking the whole c5.large', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      NetworkMode: 'bridge',
      RequiresCompatibilities: ['EC2'],
      ContainerDefinitions: [Match.objectLike({
        Name: 'sitespeed',
        Image: 'sitespeedio/sitespeed.io:42.7.0',
        Essential: true,
        Cpu: 2048,
        MemoryReservation: 3584,
        LinuxParameters: Match.objectLike({ SharedMemorySize: 2048 }),
        Environment: [{ Name: 'MAX_OLD_SPACE_SIZE', Value: '1792' }],
        LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
      })],
    });
  });

  test('the reservation follows the instance type so two runs never share a host', () => {
    const { template, sitespeed } = synth({ instanceType: ec2.InstanceType.of(ec2.InstanceClass.C5, ec2.InstanceSize.XLARGE2) });
    expect(sitespeed.taskCpu).toBe(8 * 1024);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({
        Cpu: 8192,
        MemoryReservation: 16384 - 1639,
        Environment: [{ Name: 'MAX_OLD_SPACE_SIZE', Value: '3072' }],
      })],
    });
  });

  test('shared memory size is configurable', () => {
    const { template } = synth({ sharedMemorySizeMiB: 1024 });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ LinuxParameters: Match.objectLike({ SharedMemorySize: 1024 }) })],
    });
  });

  test('logs go to a log group with the retention given', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('the task role may only put objects into and list the reports bucket', () => {
    const { template } = synth();
    const bucket = onlyLogicalId(template, 'AWS::S3::Bucket');
    expect(policyStatementsOfRole(template, 'SitespeedTaskDefinitionTaskRole')).toEqual([
      { Action: 's3:PutObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/*']] } },
      { Action: 's3:ListBucket', Effect: 'Allow', Resource: { 'Fn::GetAtt': [bucket, 'Arn'] } },
    ]);
    // No access key or secret anywhere in the task.
    expect(JSON.stringify(template.findResources('AWS::ECS::TaskDefinition'))).not.toMatch(/s3\.key|s3\.secret|AWS_SECRET/);
  });

  test('the execution role may only write the container logs', () => {
    const { stack, sitespeed, template } = synth();
    const logGroup = stack.getLogicalId(sitespeed.logGroup.node.defaultChild as CfnElement);
    expect(policyStatementsOfRole(template, 'SitespeedTaskDefinitionExecutionRole')).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [logGroup, 'Arn'] } },
    ]);
  });

  test('an unpinned image gets a warning', () => {
    const { stack } = synth({ image: SitespeedImage.fromRegistry('sitespeedio/sitespeed.io') });
    Annotations.fromStack(stack).hasWarning('/Test/Sitespeed', Match.stringLikeRegexp('not pinned'));
  });

  test('an ECR image is pre-pulled after an ECR login, and the instance may pull it', () => {
    const { stack, vpc } = stackWithVpc();
    const repository = new ecr.Repository(stack, 'Repo');
    new SitespeedCluster(stack, 'Sitespeed', { vpc, image: SitespeedImage.fromEcrRepository(repository, 'v1') });
    const template = Template.fromStack(stack);
    const userData = userDataOf(template);
    expect(userData).toMatch(/SITESPEED_IMAGE='.*Repo.*:v1'/);
    expect(userData).toMatch(/ECR_REGISTRY='\{"Fn::Select":\[0,\{"Fn::Split":\["\/"/);
    const instanceStatements = policyStatementsOfRole(template, 'SitespeedInstanceRole');
    expect(instanceStatements).toContainEqual(expect.objectContaining({
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
      Resource: { 'Fn::GetAtt': [onlyLogicalId(template, 'AWS::ECR::Repository'), 'Arn'] },
    }));
  });
});

describe('reports bucket', () => {
  test('a new bucket is encrypted, SSL only, private and retained', () => {
    const { template } = synth();
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
  });

  test('a new bucket is versioned: a deleted or overwritten report can be restored for 30 days, the rewritten index for a day', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: [
          { Id: 'old-versions-30-days', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 30 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
          { Id: 'old-index-versions-1-day', Status: 'Enabled', Prefix: '.cdk-sitespeed/index/', NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
          { Id: 'expired-delete-markers', Status: 'Enabled', ExpiredObjectDeleteMarker: true },
          // The run outcomes' markers (one per stopped task), needed only while copies of its event may come.
          { Id: 'outcome-markers-7-days', Status: 'Enabled', Prefix: '.cdk-sitespeed/outcomes/', ExpirationInDays: 7, NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
        ],
      },
    });
  });

  test('a given bucket is used and no bucket is created', () => {
    const { stack, vpc } = stackWithVpc();
    const reports = s3.Bucket.fromBucketName(stack, 'Reports', 'my-reports');
    const sitespeed = new SitespeedCluster(stack, 'Sitespeed', { vpc, reportsBucket: reports });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(sitespeed.reportsBucket).toBe(reports);
    const statements = policyStatementsOfRole(template, 'SitespeedTaskDefinitionTaskRole');
    expect(statements.map(s => flatten(s.Resource))).toEqual([
      'arn:<AWS::Partition>:s3:::my-reports/*',
      'arn:<AWS::Partition>:s3:::my-reports',
    ]);
  });
});

describe('maxProvisioningWait', () => {
  test('reaches the runTask Lambda in minutes (30 by default); below 10 minutes or above a day is refused', () => {
    const variables = (props: Partial<SitespeedClusterProps>) => {
      const { stack, sitespeed } = synth(props);
      sitespeed.addSite('Shop', { schedule: ScheduleExpression.rate(Duration.hours(1)), urls: [{ url: 'https://a.example/' }] });
      const fn = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))
        .find(f => f.Properties.Environment?.Variables?.PROVISIONING_LIMIT_MINUTES);
      return fn?.Properties.Environment.Variables.PROVISIONING_LIMIT_MINUTES;
    };
    expect(variables({})).toBe('30');
    expect(variables({ maxProvisioningWait: Duration.hours(2) })).toBe('120');
    expect(() => synth({ maxProvisioningWait: Duration.minutes(5) })).toThrow(/maxProvisioningWait \(5 minutes\) must be from 10 minutes/);
    expect(() => synth({ maxProvisioningWait: Duration.days(2) })).toThrow(/maxProvisioningWait \(2880 minutes\) must be from 10 minutes .* to 24 hours/);
  });
});

describe('grantRun', () => {
  test('grants RunTask of this family on this cluster, tagging, listing, describing, stopping (stuck runs) and passing the two roles', () => {
    const { stack, sitespeed } = synth();
    const role = new iam.Role(stack, 'Runner', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    sitespeed.grantRun(role);
    const template = Template.fromStack(stack);
    const cluster = onlyLogicalId(template, 'AWS::ECS::Cluster');
    const statements = policyStatementsOfRole(template, 'Runner');
    const byAction = Object.fromEntries(statements.map(s => [[s.Action].flat().join(','), s]));
    expect(Object.keys(byAction).sort()).toEqual(['ecs:DescribeTasks,ecs:StopTask', 'ecs:ListTasks', 'ecs:RunTask', 'ecs:TagResource', 'iam:PassRole']);
    expect(flatten(byAction['ecs:RunTask'].Resource)).toMatch(/^arn:<AWS::Partition>:ecs:eu-north-1:123456789012:task-definition\/TestSitespeedTaskDefinition[0-9A-F]+:\*$/);
    expect(byAction['ecs:RunTask'].Condition).toEqual({ ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [cluster, 'Arn'] } } });
    expect(byAction['ecs:ListTasks'].Condition).toEqual({ ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [cluster, 'Arn'] } } });
    expect(flatten(byAction['ecs:DescribeTasks,ecs:StopTask'].Resource)).toBe(`arn:<AWS::Partition>:ecs:eu-north-1:123456789012:task/<${cluster}>/*`);
    expect(byAction['ecs:TagResource'].Condition).toEqual({ StringEquals: { 'ecs:CreateAction': 'RunTask' } });
    const passed = byAction['iam:PassRole'].Resource.map((r: any) => r['Fn::GetAtt'][0]);
    expect(passed).toEqual([expect.stringMatching(/^SitespeedTaskDefinitionTaskRole/), expect.stringMatching(/^SitespeedTaskDefinitionExecutionRole/)]);
  });
});

describe('bad props fail at synth with the prop and what is allowed', () => {
  const cases: Array<[string, Partial<SitespeedClusterProps> | (() => unknown), RegExp]> = [
    ['min above max', { minCapacity: 3, maxCapacity: 2 }, /minCapacity \(3\) must not exceed maxCapacity \(2\)/],
    ['negative min', { minCapacity: -1 }, /minCapacity \(-1\) must be a whole number of instances, 0 or more/],
    ['negative max', { maxCapacity: -2 }, /maxCapacity \(-2\) must be a whole number of instances, 0 or more/],
    ['fractional max', { maxCapacity: 1.5 }, /maxCapacity \(1.5\) must be a whole number/],
    ['shm below 64 MiB', { sharedMemorySizeMiB: 32 }, /sharedMemorySizeMiB \(32\) must be an integer from 64 to 3584/],
    ['shm above the instance memory', { sharedMemorySizeMiB: 4096 }, /sharedMemorySizeMiB \(4096\) must be an integer from 64 to 3584, the memory a run reserves on a c5.large/],
    ['a type the table does not know, without its size', { instanceType: new ec2.InstanceType('c8i.large') },
      /instanceType 'c8i.large' is not in the library's table of vCPUs and memory.*give taskCpu \(1024 per vCPU.*and taskMemoryMiB.*Known: c5\.\{large/],
    ['a size that does not exist, with half its size', { instanceType: new ec2.InstanceType('c5.8xlarge'), taskCpu: 2048 }, /instanceType 'c5.8xlarge' is not in the library's table/],
    ['taskCpu beyond the known type', { taskCpu: 4096 }, /taskCpu \(4096\) must be a whole number of CPU units from 1024 \(one vCPU\) to 2048, the 2 vCPUs of a c5.large/],
    ['taskCpu below a vCPU', { instanceType: new ec2.InstanceType('c8i.large'), taskCpu: 512, taskMemoryMiB: 3584 }, /taskCpu \(512\) must be a whole number of CPU units from 1024/],
    ['taskMemoryMiB beyond what the agent leaves', { taskMemoryMiB: 4096 }, /taskMemoryMiB \(4096\) must be a whole number of MiB from 1024 to 3584, what the ECS agent leaves of a c5.large's 4096 MiB/],
    ['a fractional taskMemoryMiB', { instanceType: new ec2.InstanceType('c8i.large'), taskCpu: 2048, taskMemoryMiB: 3584.5 }, /taskMemoryMiB \(3584.5\) must be a whole number/],
    ['root volume below the AMI', { rootVolumeSizeGiB: 20 }, /rootVolumeSizeGiB \(20\) must be an integer from 30, the size of the ECS-optimised AMI's snapshot, to 16384/],
    ['root volume beyond gp3', { rootVolumeSizeGiB: 20000 }, /rootVolumeSizeGiB \(20000\) must be an integer from 30, .* to 16384, gp3's largest/],
    ['warm instances above max', () => InstanceSchedule.onOff({ timeZone: TimeZone.of('UTC'), startHour: 7, stopHour: 19, warmInstances: 3 }), /warmInstances \(3\) must not exceed the cluster's maxCapacity \(2\)/],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    const { stack, vpc } = stackWithVpc();
    const resolved = typeof props === 'function' ? { schedule: props() as InstanceSchedule } : props;
    expect(() => new SitespeedCluster(stack, 'Sitespeed', { vpc, ...resolved })).toThrow(message);
  });
});

describe('InstanceSchedule.onOff rejects windows that make no sense', () => {
  const base = { timeZone: TimeZone.of('Europe/Stockholm'), startHour: 7, stopHour: 20 };
  test.each([
    ['an unknown time zone', { timeZone: TimeZone.of('Europe/Gothenburg') }, /timeZone 'Europe\/Gothenburg' is not an IANA time zone/],
    ['a time zone as a string (Python-style misuse, or an untyped caller)', { timeZone: 'Europe/Stockholm' as any },
      /InstanceSchedule.onOff: timeZone must be a TimeZone, as a site's schedule takes it: TimeZone.of\('Europe\/Stockholm'\), not the string 'Europe\/Stockholm'/],
    ['an hour past 23', { startHour: 24 }, /startHour \(24\) must be an integer from 0 to 23/],
    ['a fractional hour', { stopHour: 7.5 }, /stopHour \(7.5\) must be an integer from 0 to 23/],
    ['a minute past 59', { startMinute: 60 }, /startMinute \(60\) must be an integer from 0 to 59/],
    ['an empty window', { startHour: 7, stopHour: 7 }, /both 7:00; the window would be empty/],
    ['a day field that is not cron', { weekDays: 'weekdays' }, /weekDays 'weekdays' is not a cron day-of-week field/],
    ['negative warm instances', { warmInstances: -1 }, /warmInstances \(-1\) must be an integer ≥ 0/],
  ])('%s', (_name, override, message) => {
    expect(() => InstanceSchedule.onOff({ ...base, ...override } as any)).toThrow(message);
  });

  test('accepts day lists and ranges', () => {
    expect(() => InstanceSchedule.onOff({ ...base, weekDays: 'MON-WED,FRI' })).not.toThrow();
    expect(() => InstanceSchedule.onOff({ ...base, weekDays: '1-5' })).not.toThrow();
  });
});

describe('checks', () => {
  test('cdk-nag AwsSolutions reports no unacknowledged finding, and every acknowledgement has a reason', () => {
    const { stack } = synth();
    const nag = runNag(stack);
    const fromCluster = nag.errors.filter(e => e.path.startsWith('Test/Sitespeed/'));
    expect(fromCluster).toEqual([]);
    const ours = nag.acknowledged.filter(a => a.path?.startsWith('Test/Sitespeed/'));
    expect(ours.length).toBeGreaterThan(0);
    for (const a of ours) expect(a.reason.length).toBeGreaterThan(30);
  });

  test('cfn-lint reports no error on the template', () => {
    const { stack } = synth();
    const errors = cfnLintTemplate(Template.fromStack(stack as Stack).toJSON()).filter(m => m.level === 'Error');
    expect(errors).toEqual([]);
  });
});

describe('Graphite credentials', () => {
  const hourly = ScheduleExpression.rate(Duration.hours(1));

  test('a cluster sending to a GraphiteGrafana gets its user and password as ECS secrets (execution role may read them), never as arguments', () => {
    const { stack, vpc } = stackWithVpc();
    const metrics = new GraphiteGrafana(stack, 'Metrics', { vpc });
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc, metrics });
    const site = cluster.addSite('Shop', { schedule: hourly, urls: [{ url: 'https://shop.example.com/' }] });
    const template = Template.fromStack(stack);
    const authId = stack.getLogicalId(metrics.graphiteAuthSecret.node.defaultChild as CfnElement);
    const container = Object.values(template.findResources('AWS::ECS::TaskDefinition'))
      .find(t => t.Properties.ContainerDefinitions[0].Name === 'sitespeed')!.Properties.ContainerDefinitions[0];
    expect(container.Secrets.map((s: any) => [s.Name, flatten(s.ValueFrom)])).toEqual([
      ['GRAPHITE_AUTH_USER', `<${authId}>:username::`],
      ['GRAPHITE_AUTH_PASSWORD', `<${authId}>:password::`],
    ]);
    expect(container.Environment).toContainEqual({ Name: 'GRAPHITE_AUTH_HOST', Value: 'graphite.sitespeed.internal' });
    expect(policyStatementsOfRole(template, 'SitespeedTaskDefinitionExecutionRole')).toContainEqual(expect.objectContaining({
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: { Ref: authId },
    }));
    const args = stack.resolve(site.sitespeedArgs).join(' ');
    expect(args).toContain('--graphite.host graphite.sitespeed.internal');
    expect(args).not.toMatch(/auth/i);
  });

  test('a site naming the metrics itself wires the same credentials once; a second Graphite with credentials on one cluster is refused', () => {
    const { stack, vpc } = stackWithVpc();
    const metrics = new GraphiteGrafana(stack, 'Metrics', { vpc });
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc });
    cluster.addSite('A', { schedule: hourly, urls: [{ url: 'https://a.example.com/' }], metrics });
    cluster.addSite('B', { schedule: hourly, urls: [{ url: 'https://b.example.com/' }], metrics });
    const other = new GraphiteGrafana(stack, 'Other', { vpc, cloudMapNamespaceName: 'other.internal' });
    expect(() => cluster.addSite('C', { schedule: hourly, urls: [{ url: 'https://c.example.com/' }], metrics: other }))
      .toThrow(/Test\/Sitespeed: its runs already send to the Graphite of Test\/Metrics with its credentials; a second Graphite with credentials \(Test\/Other\) needs a cluster of its own/);
  });

  test('a cluster without metrics has no credentials and passes the run\'s arguments to the image\'s /start.sh', () => {
    const { template } = synth();
    const container = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0].Properties.ContainerDefinitions[0];
    expect(container.Secrets).toBeUndefined();
    expect(container.EntryPoint).toEqual(['/bin/bash', '-c', installedShell('sitespeed-run-env.sh'), 'sitespeed-run-env', '/start.sh']);
  });
});

describe('run outcomes', () => {
  const { stack, vpc } = stackWithVpc();
  const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc });
  const template = Template.fromStack(stack);

  test('every stopped run of this cluster\'s family reaches the outcome function, whether or not there is a ReportTree', () => {
    const rule = Object.values(template.findResources('AWS::Events::Rule')).find(r => /outcome/.test(r.Properties.Description))!;
    expect(rule.Properties.EventPattern).toEqual({
      'source': ['aws.ecs'],
      'detail-type': ['ECS Task State Change'],
      'detail': {
        clusterArn: [stack.resolve(cluster.cluster.clusterArn)],
        lastStatus: ['STOPPED'],
        taskDefinitionArn: [{ prefix: expect.anything() }],
      },
    });
    expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: stack.resolve((cluster.runOutcomeFunction as any).functionArn) })]);
  });

  test('its role: events on the default bus, the bucket\'s listing, budget files and outcome markers, its own logs; nothing else', () => {
    const statements = policyStatementsOfRole(template, 'SitespeedRunOutcomesRole');
    expect(statements.map(s => [[s.Action].flat().join(','), flatten(s.Resource)]).sort()).toEqual([
      ['events:PutEvents', expect.stringMatching(/:events:eu-north-1:123456789012:event-bus\/default$/)],
      ['logs:CreateLogStream,logs:PutLogEvents', expect.stringContaining('SitespeedRunOutcomesLogGroup')],
      ['s3:GetObject,s3:PutObject', expect.stringMatching(/SitespeedReportsBucket.*\/\.cdk-sitespeed\/outcomes\/\*$/)],
      ['s3:GetObject', expect.stringMatching(/SitespeedReportsBucket.*\/\*\/budgetResult\.json$/)],
      ['s3:ListBucket', expect.stringContaining('SitespeedReportsBucket')],
      // Its on-failure destination: the failed-events queue.
      ['sqs:SendMessage,sqs:GetQueueAttributes,sqs:GetQueueUrl', expect.stringContaining('SitespeedRunOutcomesFailedEvents')],
    ]);
  });

  test('the function knows its cluster, family and container, on Node.js 24', () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(f => /outcome/.test(f.Properties.Description))!;
    expect(fn.Properties.Runtime).toBe('nodejs24.x');
    expect(Object.keys(fn.Properties.Environment.Variables).sort()).toEqual([
      'AWS_NODEJS_CONNECTION_REUSE_ENABLED', 'CLUSTER_ARN', 'CLUSTER_NAME', 'CONTAINER_NAME', 'HARD_STOP_WINDOW', 'NODE_OPTIONS', 'SITE_METRICS', 'TASK_FAMILY',
    ]);
  });
});

describe('a fresh account: the ECS service-linked role before any cluster', () => {
  test('every ECS cluster and capacity provider of the stack depends on one custom resource that makes sure of the role', () => {
    const { stack, vpc } = stackWithVpc();
    new SitespeedCluster(stack, 'A', { vpc });
    new SitespeedCluster(stack, 'B', { vpc });
    new GraphiteGrafana(stack, 'Metrics', { vpc });
    const template = Template.fromStack(stack);
    const guards = Object.keys(template.findResources('Custom::SitespeedEcsServiceRole'));
    expect(guards).toHaveLength(1);
    const dependents = [
      ...Object.values(template.findResources('AWS::ECS::Cluster')),
      ...Object.values(template.findResources('AWS::ECS::CapacityProvider')),
      ...Object.values(template.findResources('AWS::ECS::ClusterCapacityProviderAssociations')),
    ];
    expect(dependents).toHaveLength(9);
    for (const resource of dependents) expect(resource.DependsOn).toContain(guards[0]);
  });

  test('its function may create only the ECS role and read it back; nothing else of IAM', () => {
    const { stack, vpc } = stackWithVpc();
    new SitespeedCluster(stack, 'Sitespeed', { vpc });
    const template = Template.fromStack(stack);
    const role = [
      'arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS',
    ];
    expect(policyStatementsOfRole(template, 'CdkSitespeedEcsServiceRole')).toEqual([
      expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] }),
      { Action: 'iam:CreateServiceLinkedRole', Effect: 'Allow', Resource: { 'Fn::Join': ['', role] }, Condition: { StringEquals: { 'iam:AWSServiceName': 'ecs.amazonaws.com' } } },
      { Action: 'iam:GetRole', Effect: 'Allow', Resource: { 'Fn::Join': ['', role] } },
    ]);
  });
});

describe('runs that never start', () => {
  const outcomeEnv = (cluster: SitespeedCluster) => {
    const template = Template.fromStack(Stack.of(cluster));
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(f => /outcome on the default event bus/.test(f.Properties.Description))!;
    return fn.Properties.Environment.Variables;
  };

  test('a hardStop cluster tells its run outcome function its window, so runs asked for outside it are held, not alerted', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new SitespeedCluster(stack, 'Sitespeed', {
      vpc, schedule: InstanceSchedule.onOff({ timeZone: TimeZone.of('Europe/Stockholm'), startHour: 7, stopHour: 20, hardStop: true }),
    });
    expect(JSON.parse(outcomeEnv(cluster).HARD_STOP_WINDOW)).toEqual({ startMinute: 420, stopMinute: 1200, days: [1, 2, 3, 4, 5], timeZone: 'Europe/Stockholm' });
  });

  test('without hardStop a run that never starts is always a problem: no window', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc, schedule: InstanceSchedule.onOff({ timeZone: TimeZone.of('Europe/Stockholm'), startHour: 7, stopHour: 20 }) });
    expect(outcomeEnv(cluster).HARD_STOP_WINDOW).toBe('');
  });
});
