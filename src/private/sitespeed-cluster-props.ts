import { Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { DEFAULTS } from './defaults';
import { InstanceCapacity, instanceCapacity, isBurstable, knownInstanceTypes, taskMemoryReservationMiB } from './instance-capacity';
import type { SitespeedClusterProps } from '../sitespeed-cluster';
import { warn } from './for-caller';
import { plainDuration, requirePlain } from './tokens';

const D = DEFAULTS.SitespeedClusterProps;

/** A SitespeedCluster's props, checked, with the defaults filled in and what follows from them. */
export interface CheckedClusterProps {
  readonly instanceType: ec2.InstanceType;
  /** The type's vCPUs and memory, when the library's table knows them. */
  readonly capacity?: InstanceCapacity;
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
  const minCapacity = props.minCapacity ?? D.minCapacity;
  const maxCapacity = props.maxCapacity ?? D.maxCapacity;
  const sharedMemorySizeMiB = props.sharedMemorySizeMiB ?? D.sharedMemorySizeMiB;
  const rootVolumeSizeGiB = props.rootVolumeSizeGiB ?? D.rootVolumeSizeGiB;

  checkCapacities(minCapacity, maxCapacity);
  const { taskCpu, memory, capacity } = taskReservation(instanceType, props);
  if (isBurstable(instanceType.toString())) {
    warn(scope, 'cdk-sitespeed:burstableInstance',
      `instanceType '${instanceType}' is burstable: once its CPU credits run out, runs get slower and metrics drift. sitespeed.io advises the c5 class.`,
    );
  }
  if (instanceType.architecture === ec2.InstanceArchitecture.ARM_64) {
    // sitespeed.io's arm64 image: "the container will have Firefox and Chromium installed"
    // (docs/documentation/sitespeed.io/docker/index.md), Edge tested on amd64 only (.github/workflows/docker.yml).
    warn(scope, 'cdk-sitespeed:armInstance',
      `instanceType '${instanceType}' is ARM: sitespeed.io's arm64 image runs Chromium instead of Chrome (metrics are not comparable with x86 runs) and has no Edge. ` +
      'Acknowledge this warning if that is meant.',
    );
  }
  if (!Token.isUnresolved(sharedMemorySizeMiB) &&
    (!Number.isInteger(sharedMemorySizeMiB) || sharedMemorySizeMiB < 64 || sharedMemorySizeMiB > memory)) {
    throw new Error(
      `sharedMemorySizeMiB (${sharedMemorySizeMiB}) must be an integer from 64 to ${memory}, ` +
      `the memory a run reserves on a ${instanceType}${capacity ? ` (${capacity.memoryMiB} MiB)` : ' (taskMemoryMiB)'}.`,
    );
  }
  // gp3 volumes are 1 GiB to 16 TiB (https://docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html).
  if (!Token.isUnresolved(rootVolumeSizeGiB) && (!Number.isInteger(rootVolumeSizeGiB) || rootVolumeSizeGiB < 30 || rootVolumeSizeGiB > 16384)) {
    throw new Error(
      `rootVolumeSizeGiB (${rootVolumeSizeGiB}) must be an integer from 30, the size of the ECS-optimised AMI's snapshot, to 16384, gp3's largest.`,
    );
  }
  const wait = plainDuration('maxProvisioningWait', props.maxProvisioningWait ?? Duration.minutes(30), 'Duration.minutes(30)',
    'it is written into the runTask function\'s environment in minutes');
  const waitMinutes = wait.toMinutes({ integral: false });
  if (!(waitMinutes >= 10 && waitMinutes <= 24 * 60)) {
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
    taskCpu,
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

/**
 * What a run reserves: from taskCpu and taskMemoryMiB when given, else from the table of known
 * types. A type the table does not know needs both (its size is not knowable at synth).
 */
function taskReservation(instanceType: ec2.InstanceType, props: SitespeedClusterProps):
{ taskCpu: number; memory: number; capacity?: InstanceCapacity } {
  const capacity = instanceCapacity(instanceType.toString());
  if (!capacity && (props.taskCpu === undefined || props.taskMemoryMiB === undefined)) {
    throw new Error(
      `instanceType '${instanceType}' is not in the library's table of vCPUs and memory, and one test takes a whole instance: ` +
      'give taskCpu (1024 per vCPU of the type, e.g. 2048 for 2 vCPUs) and taskMemoryMiB (its memory less max(512 MiB, 10 %), e.g. 3584 for 4 GiB). ' +
      `Known: ${knownInstanceTypes()}.`,
    );
  }
  const taskCpu = props.taskCpu ?? capacity!.vcpus * 1024;
  const memory = props.taskMemoryMiB ?? taskMemoryReservationMiB(capacity!);
  requirePlain('taskCpu', taskCpu, 'the task definition and the Node heap size are computed from it');
  requirePlain('taskMemoryMiB', memory, 'the shared memory and the Node heap size are checked against it');
  const maxCpu = capacity ? capacity.vcpus * 1024 : 192 * 1024;
  if (!Number.isInteger(taskCpu) || taskCpu < 1024 || taskCpu > maxCpu) {
    throw new Error(`taskCpu (${taskCpu}) must be a whole number of CPU units from 1024 (one vCPU) to ${maxCpu}${capacity ? `, the ${capacity.vcpus} vCPUs of a ${instanceType}` : ''}.`);
  }
  const maxMemory = capacity ? taskMemoryReservationMiB(capacity) : 24 * 1024 * 1024;
  if (!Number.isInteger(memory) || memory < 1024 || memory > maxMemory) {
    throw new Error(`taskMemoryMiB (${memory}) must be a whole number of MiB from 1024 to ${maxMemory}` +
      `${capacity ? `, what the ECS agent leaves of a ${instanceType}'s ${capacity.memoryMiB} MiB` : ''}.`);
  }
  return { taskCpu, memory, capacity };
}
