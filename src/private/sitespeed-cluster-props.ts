import { Annotations, Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { InstanceCapacity, instanceCapacity, isBurstable, knownInstanceTypes, taskMemoryReservationMiB } from './instance-capacity';
import type { SitespeedClusterProps } from '../sitespeed-cluster';
import { refuseToken } from './tokens';

/** The props' defaults, named once here (each prop's @default says the same). */
const DEFAULTS = {
  minCapacity: 0,
  maxCapacity: 2,
  sharedMemorySizeMiB: 2048,
  rootVolumeSizeGiB: 30,
};

/** A SitespeedCluster's props, checked, with the defaults filled in and what follows from them. */
export interface CheckedClusterProps {
  readonly instanceType: ec2.InstanceType;
  readonly capacity: InstanceCapacity;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly sharedMemorySizeMiB: number;
  readonly rootVolumeSizeGiB: number;
  /** CPU units a run reserves: all of the instance's vCPUs. */
  readonly taskCpu: number;
  readonly taskMemoryReservationMiB: number;
  readonly maxProvisioningWaitMinutes: number;
}

/** Checks a SitespeedCluster's props: an error names the prop and what is allowed. */
export function checkClusterProps(scope: IConstruct, props: SitespeedClusterProps): CheckedClusterProps {
  const instanceType = props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.C5, ec2.InstanceSize.LARGE);
  const minCapacity = props.minCapacity ?? DEFAULTS.minCapacity;
  const maxCapacity = props.maxCapacity ?? DEFAULTS.maxCapacity;
  const sharedMemorySizeMiB = props.sharedMemorySizeMiB ?? DEFAULTS.sharedMemorySizeMiB;
  const rootVolumeSizeGiB = props.rootVolumeSizeGiB ?? DEFAULTS.rootVolumeSizeGiB;

  checkCapacities(minCapacity, maxCapacity);
  const capacity = instanceCapacity(instanceType.toString());
  if (!capacity) {
    throw new Error(
      `instanceType '${instanceType}' is not one the task reservation can be derived from; ` +
      `one test takes a whole instance, so its vCPUs and memory must be known. Known: ${knownInstanceTypes()}.`,
    );
  }
  if (isBurstable(instanceType.toString())) {
    Annotations.of(scope).addWarningV2(
      'cdk-sitespeed:burstableInstance',
      `instanceType '${instanceType}' is burstable: once its CPU credits run out, runs get slower and metrics drift. sitespeed.io advises the c5 class.`,
    );
  }
  const memory = taskMemoryReservationMiB(capacity);
  if (!Token.isUnresolved(sharedMemorySizeMiB) &&
    (!Number.isInteger(sharedMemorySizeMiB) || sharedMemorySizeMiB < 64 || sharedMemorySizeMiB > memory)) {
    throw new Error(
      `sharedMemorySizeMiB (${sharedMemorySizeMiB}) must be an integer from 64 to ${memory}, ` +
      `the memory a run reserves on a ${instanceType} (${capacity.memoryMiB} MiB).`,
    );
  }
  // gp3 volumes are 1 GiB to 16 TiB (https://docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html).
  if (!Token.isUnresolved(rootVolumeSizeGiB) && (!Number.isInteger(rootVolumeSizeGiB) || rootVolumeSizeGiB < 30 || rootVolumeSizeGiB > 16384)) {
    throw new Error(
      `rootVolumeSizeGiB (${rootVolumeSizeGiB}) must be an integer from 30, the size of the ECS-optimised AMI's snapshot, to 16384, gp3's largest.`,
    );
  }
  const wait = props.maxProvisioningWait ?? Duration.minutes(30);
  // Asked of the Duration itself: toMinutes of a token Duration made in another unit throws CDK's own error.
  if (wait.isUnresolved()) refuseToken('maxProvisioningWait', 'it is written into the runTask function\'s environment in minutes');
  const waitMinutes = wait.toMinutes({ integral: false });
  if (waitMinutes < 10 || waitMinutes > 24 * 60) {
    throw new Error(`maxProvisioningWait (${waitMinutes} minutes) must be from 10 minutes (a scale-out from zero takes a few) to 24 hours.`);
  }
  return {
    maxProvisioningWaitMinutes: waitMinutes,
    instanceType,
    capacity,
    minCapacity,
    maxCapacity,
    sharedMemorySizeMiB,
    rootVolumeSizeGiB,
    taskCpu: capacity.vcpus * 1024,
    taskMemoryReservationMiB: memory,
  };
}

function checkCapacities(min: number, max: number): void {
  for (const [prop, value] of [['minCapacity', min], ['maxCapacity', max]] as const) {
    if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < 0)) {
      throw new Error(`${prop} (${value}) must be a whole number of instances, 0 or more.`);
    }
  }
  if (!Token.isUnresolved(min) && !Token.isUnresolved(max) && min > max) {
    throw new Error(`minCapacity (${min}) must not exceed maxCapacity (${max}).`);
  }
}
