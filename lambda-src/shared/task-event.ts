import { SITE_SLUG, siteOfStartedBy } from '../../src/contract/site-names';
import { ON_DEMAND_VARIABLE, RERUN_VARIABLE } from '../../src/contract/sitespeed-args';

/** What reportIndex and the run outcomes need of an "ECS Task State Change" event of a stopped sitespeed.io task. */
export interface StoppedTask {
  readonly site: string;
  /** The run's sitespeed.io arguments (the container's command override), when the event has them. */
  readonly args?: string[];
  readonly taskArn?: string;
  /** True for a confirmation run (SiteAlerts), which never triggers another. */
  readonly rerun?: boolean;
  /** True for a run started on demand (`cdk-sitespeed run`), not by its schedule. */
  readonly onDemand?: boolean;
  readonly exitCode?: number;
  readonly reason?: string;
  /**
   * False when the task stopped before it ever ran: ECS sets startedAt when a task goes from
   * PENDING to RUNNING (ECS API reference, Task.startedAt), so a task stopped in PROVISIONING or
   * PENDING (no capacity, runTask's wait limit, a failed pull) has none. Undefined: started.
   */
  readonly started?: boolean;
  /** ECS's stop code (TaskFailedToStart, UserInitiated, EssentialContainerExited…; ECS API reference, Task.stopCode). */
  readonly stopCode?: string;
  /** When the task was created: for a run that never started, when it was asked for (default: startedAt). */
  readonly createdAt?: Date;
  readonly startedAt: Date;
  readonly stoppedAt: Date;
}

export interface TaskFilter {
  readonly clusterArn: string;
  readonly family: string;
  readonly containerName: string;
}


/** The stopped task of this cluster's family, or why the event is not one (to log and ignore). */
export function stoppedTaskOf(event: any, filter: TaskFilter): StoppedTask | { ignored: string } {
  const detail = event?.detail;
  if (event?.['detail-type'] !== 'ECS Task State Change' || !detail) return { ignored: 'not an ECS Task State Change event' };
  if (detail.lastStatus !== 'STOPPED') return { ignored: `task is ${detail.lastStatus}, not STOPPED` };
  if (detail.clusterArn !== filter.clusterArn) return { ignored: `task of another cluster (${detail.clusterArn})` };
  const family = /:task-definition\/([^:]+):\d+$/.exec(String(detail.taskDefinitionArn ?? ''))?.[1];
  if (family !== filter.family) return { ignored: `task of another family (${family ?? detail.taskDefinitionArn})` };

  const site = siteOf(detail, filter.containerName);
  if (!site) return { ignored: 'no site slug in the task\'s command or startedBy' };
  const container = (detail.containers ?? []).find((c: any) => c?.name === filter.containerName);
  const startedAt = new Date(detail.startedAt ?? detail.createdAt ?? detail.stoppedAt);
  const createdAt = new Date(detail.createdAt ?? detail.startedAt ?? detail.stoppedAt);
  const stoppedAt = new Date(detail.stoppedAt ?? Date.now());
  if (Number.isNaN(startedAt.getTime()) || Number.isNaN(stoppedAt.getTime())) return { ignored: 'the task has no start or stop time' };
  const override = (detail.overrides?.containerOverrides ?? []).find((o: any) => o?.name === filter.containerName);
  const args = Array.isArray(override?.command) ? override.command.filter((a: unknown) => typeof a === 'string') : undefined;
  const marked = (name: string) => (override?.environment ?? []).some((e: any) => e?.name === name && e?.value === 'true');
  const rerun = marked(RERUN_VARIABLE);
  return {
    site,
    args,
    taskArn: typeof detail.taskArn === 'string' ? detail.taskArn : undefined,
    rerun,
    onDemand: marked(ON_DEMAND_VARIABLE),
    exitCode: typeof container?.exitCode === 'number' ? container.exitCode : undefined,
    reason: container?.reason ?? detail.stoppedReason,
    started: typeof detail.startedAt === 'string' && detail.startedAt !== '',
    stopCode: typeof detail.stopCode === 'string' ? detail.stopCode : undefined,
    createdAt: Number.isNaN(createdAt.getTime()) ? startedAt : createdAt,
    startedAt,
    stoppedAt,
  };
}

/** The slug: from the run's own `--slug` argument, else from startedBy `sitespeed/<slug>`. */
function siteOf(detail: any, containerName: string): string | undefined {
  const overrides = detail.overrides?.containerOverrides ?? [];
  const command: unknown = overrides.find((o: any) => o?.name === containerName)?.command;
  if (Array.isArray(command)) {
    const i = command.indexOf('--slug');
    const slug = i >= 0 ? command[i + 1] : undefined;
    if (typeof slug === 'string' && SITE_SLUG.test(slug)) return slug;
  }
  return siteOfStartedBy(detail.startedBy);
}
