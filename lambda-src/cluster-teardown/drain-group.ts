import {
  AutoScalingClient, DescribeAutoScalingGroupsCommand, SetInstanceProtectionCommand, SuspendProcessesCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { ECSClient, ListTasksCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { requiredEnv } from '../shared/handler';

/*
 * Deleting a stack whose Auto Scaling group backs an ECS capacity provider with managed
 * termination protection hangs: the instances stay protected from scale-in, so CloudFormation
 * never sees the group empty (aws-cdk#18179, containers-roadmap#2862, both open). Before the
 * capacity provider and the group are deleted, this empties the group itself: no new instance
 * (Launch, scheduled actions and scaling alarms suspended; size 0), no task left to protect one,
 * no instance protected, then it waits until the group has no instance.
 */

export interface DrainConfig {
  readonly groupName: string;
  readonly clusterArn: string;
}

export function drainConfigFromEnv(env: NodeJS.ProcessEnv): DrainConfig {
  return { groupName: requiredEnv(env, 'GROUP_NAME'), clusterArn: requiredEnv(env, 'CLUSTER_ARN') };
}

export interface DrainOutcome {
  readonly group: string;
  /** The group was already gone: nothing to do. */
  readonly missing?: boolean;
  readonly instancesAtStart: number;
  readonly tasksStopped: number;
  readonly protectionRemoved: number;
  /** Instances still in the group when time ran out (0: the group is empty). */
  readonly instancesLeft: number;
  readonly polls: number;
}

export interface DrainClock {
  /** Milliseconds left before the drain must give up (the Lambda's own time, less a margin). */
  readonly remainingMs: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly pollMs: number;
}

// SetInstanceProtection refuses, with a ValidationError for the whole call, any instance not in
// one of these states (Amazon EC2 Auto Scaling API reference, SetInstanceProtection; guardian/riff-raff#510):
// one still launching (Pending, Pending:Wait) is left for a later poll, when it is InService.
const PROTECTABLE = new Set(['InService', 'EnteringStandby', 'Standby']);

// Processes that can add capacity; Terminate stays on so the group can empty.
const ADDING_PROCESSES = ['Launch', 'ScheduledActions', 'AlarmNotification', 'AZRebalance', 'ReplaceUnhealthy'];

export async function drainGroup(autoScaling: AutoScalingClient, ecs: ECSClient, config: DrainConfig, clock: DrainClock): Promise<DrainOutcome> {
  const instancesOf = async () => {
    const described = await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [config.groupName] }));
    const group = described.AutoScalingGroups?.[0];
    return group && (group.Instances ?? []);
  };
  const first = await instancesOf();
  if (!first) {
    return { group: config.groupName, missing: true, instancesAtStart: 0, tasksStopped: 0, protectionRemoved: 0, instancesLeft: 0, polls: 0 };
  }

  await autoScaling.send(new SuspendProcessesCommand({ AutoScalingGroupName: config.groupName, ScalingProcesses: ADDING_PROCESSES }));
  await autoScaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: config.groupName, MinSize: 0, MaxSize: 0, DesiredCapacity: 0 }));

  let tasksStopped = 0;
  let protectionRemoved = 0;
  let instances = first;
  for (let polls = 1; ; polls++) {
    // ECS keeps protecting an instance while a task runs on it; a task that started late is stopped too.
    tasksStopped += await stopClusterTasks(ecs, config.clusterArn);
    const protectedIds = instances.filter(i => i.ProtectedFromScaleIn && PROTECTABLE.has(i.LifecycleState ?? '')).map(i => i.InstanceId!);
    let unprotected = 0;
    for (let i = 0; i < protectedIds.length; i += 50) {
      const batch = protectedIds.slice(i, i + 50);
      try {
        await autoScaling.send(new SetInstanceProtectionCommand({
          AutoScalingGroupName: config.groupName, InstanceIds: batch, ProtectedFromScaleIn: false,
        }));
        unprotected += batch.length;
      } catch (e: any) {
        // One of them changed state since the describe: the next poll sees it as it is now.
        if (e?.name !== 'ValidationError') throw e;
        console.log(JSON.stringify({ group: config.groupName, protectionDeferred: batch, reason: e.message }));
      }
    }
    protectionRemoved += unprotected;
    // Asked again once they are unprotected: a group scales in to its desired capacity when told to.
    if (unprotected > 0) {
      await autoScaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: config.groupName, DesiredCapacity: 0 }));
    }
    instances = (await instancesOf()) ?? [];
    if (instances.length === 0 || clock.remainingMs() < clock.pollMs) {
      return { group: config.groupName, instancesAtStart: first.length, tasksStopped, protectionRemoved, instancesLeft: instances.length, polls };
    }
    await clock.sleep(clock.pollMs);
    instances = (await instancesOf()) ?? [];
  }
}

async function stopClusterTasks(ecs: ECSClient, cluster: string): Promise<number> {
  let stopped = 0;
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListTasksCommand({ cluster, desiredStatus: 'RUNNING', nextToken }));
    for (const task of page.taskArns ?? []) {
      await ecs.send(new StopTaskCommand({ cluster, task, reason: 'cdk-sitespeed: the stack is being deleted' }));
      stopped++;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return stopped;
}
