import { Lazy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { EcsAmi } from '../ecs-ami';

/** The role of an ECS container instance: SSM Session Manager is the only way in (no SSH, no inbound rules). */
export function ecsInstanceRole(scope: Construct): iam.Role {
  return new iam.Role(scope, 'InstanceRole', {
    assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
  });
}

export interface EcsLaunchTemplateOptions {
  readonly instanceType: ec2.InstanceType;
  /** The one place the AMI is chosen, from the instance type's architecture. */
  readonly ami: EcsAmi;
  readonly role: iam.IRole;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly userData: ec2.UserData;
  /** Give instances a public IP (public subnets, no NAT gateway). */
  readonly publicIp: boolean;
  readonly rootVolumeSizeGiB: number;
}

/** ECS-optimised AL2023 (`options.ami`) with the security defaults every instance of this library gets. */
export function ecsLaunchTemplate(scope: Construct, options: EcsLaunchTemplateOptions): ec2.LaunchTemplate {
  return new ec2.LaunchTemplate(scope, 'LaunchTemplate', {
    machineImage: options.ami._machineImage(options.instanceType),
    instanceType: options.instanceType,
    role: options.role,
    securityGroup: options.securityGroup,
    userData: options.userData,
    requireImdsv2: true,
    // Hop limit 1: containers in bridge mode cannot reach the instance metadata (and its role).
    httpPutResponseHopLimit: 1,
    associatePublicIpAddress: options.publicIp ? true : undefined,
    blockDevices: [{
      deviceName: '/dev/xvda',
      volume: ec2.BlockDeviceVolume.ebs(options.rootVolumeSizeGiB, {
        encrypted: true,
        volumeType: ec2.EbsDeviceVolumeType.GP3,
        deleteOnTermination: true,
      }),
    }],
  });
}

const LOG_WRITES = ['logs:CreateLogStream', 'logs:PutLogEvents'];

/**
 * aws-ecs gives every container instance `logs:CreateLogStream` and `logs:PutLogEvents` on `*`
 * (Cluster.configureAutoScalingGroup). With the awslogs driver on EC2, the container instance role
 * may be what writes a container's logs ("Amazon ECS container instance IAM role",
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/instance_IAM_role.html; the agent
 * can also hand the driver the execution role's credentials): either way, the only logs written
 * from these instances are their containers', into `logGroup`. So the instance may write there
 * and nowhere else; the rest of that statement (ecs:DiscoverPollEndpoint,
 * ecr:GetAuthorizationToken, which have no resource-level permissions) stays as it is.
 * Done on the rendered policy at synth, so it holds whichever statement aws-ecs adds.
 */
export function scopeInstanceLogWrites(role: iam.Role, logGroup: logs.ILogGroup): void {
  const policy = role.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
  if (!policy) return;
  const stack = Stack.of(role);
  (policy.node.defaultChild as iam.CfnPolicy).addPropertyOverride('PolicyDocument', Lazy.any({
    produce: () => {
      const document = stack.resolve(policy.document);
      const statements: any[] = [];
      for (const statement of document.Statement) {
        const actions: string[] = [statement.Action].flat();
        if (statement.Resource !== '*' || !actions.some(a => LOG_WRITES.includes(a))) {
          statements.push(statement);
          continue;
        }
        const rest = actions.filter(a => !LOG_WRITES.includes(a));
        if (rest.length > 0) statements.push({ ...statement, Action: rest.length === 1 ? rest[0] : rest });
        statements.push({ Action: LOG_WRITES, Effect: 'Allow', Resource: stack.resolve(logGroup.logGroupArn) });
      }
      return { ...document, Statement: statements };
    },
  }));
}
