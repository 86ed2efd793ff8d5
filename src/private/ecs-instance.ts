import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** The role of an ECS container instance: SSM Session Manager is the only way in (no SSH, no inbound rules). */
export function ecsInstanceRole(scope: Construct): iam.Role {
  return new iam.Role(scope, 'InstanceRole', {
    assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
  });
}

export interface EcsLaunchTemplateOptions {
  readonly instanceType: ec2.InstanceType;
  readonly role: iam.IRole;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly userData: ec2.UserData;
  /** Give instances a public IP (public subnets, no NAT gateway). */
  readonly publicIp: boolean;
  readonly rootVolumeSizeGiB: number;
}

/** ECS-optimised AL2023 with the security defaults every instance of this library gets. */
export function ecsLaunchTemplate(scope: Construct, options: EcsLaunchTemplateOptions): ec2.LaunchTemplate {
  return new ec2.LaunchTemplate(scope, 'LaunchTemplate', {
    machineImage: ecs.EcsOptimizedImage.amazonLinux2023(),
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
