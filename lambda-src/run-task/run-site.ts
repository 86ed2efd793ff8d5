import { DescribeTasksCommand, ECSClient, ListTasksCommand, RunTaskCommand, StopTaskCommand, Task } from '@aws-sdk/client-ecs';
import { RunnerConfig, RunRequest } from './request';
import { startedByFor } from '../../src/contract/site-names';
import { runOverrides } from '../../src/contract/sitespeed-args';

/** The tag that names a run's site, for people and cost reports (reportIndex reads `--slug` or startedBy, not this). */
export const SITE_TAG = 'sitespeed:site';

export type Outcome =
  | { site: string; started: string; stopped?: string[] }
  | { site: string; skipped: string; running: string[] };

export class RunTaskFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunTaskFailedError';
  }
}

/**
 * Starts one sitespeed.io run for a site, unless a run of that site is still PROVISIONING,
 * PENDING or RUNNING: overlapping runs share nothing but skew each other's metrics, and a
 * schedule that outpaces its runs would pile them up (the overlapping cron jobs of the setup
 * this library grew from). A run that has waited in PROVISIONING longer than the limit (no
 * capacity came: a hard-stopped cluster, an instance that never joined) would otherwise block
 * the site for ever: it is stopped, with the reason, and the new run starts.
 */
export async function runSite(ecs: ECSClient, request: RunRequest, config: RunnerConfig, now: Date = new Date()): Promise<Outcome> {
  const startedBy = startedByFor(request.site);
  // desiredStatus RUNNING covers PROVISIONING, PENDING and RUNNING: everything not yet stopping.
  const listed = await ecs.send(new ListTasksCommand({ cluster: config.cluster, startedBy, desiredStatus: 'RUNNING' }));
  const running = listed.taskArns ?? [];
  if (running.length > 0) {
    const described = await ecs.send(new DescribeTasksCommand({ cluster: config.cluster, tasks: running }));
    const tasks = described.tasks ?? [];
    const limitMs = config.provisioningLimitMinutes * 60_000;
    const stuck = (t: Task) => t.lastStatus === 'PROVISIONING' && t.createdAt !== undefined && now.getTime() - t.createdAt.getTime() > limitMs;
    if (tasks.length === 0 || !tasks.every(stuck)) {
      const states = tasks.map(t => `${t.taskArn} ${t.lastStatus}`);
      return { site: request.site, skipped: 'previous run still in progress', running: states.length ? states : running };
    }
    const reason = `cdk-sitespeed: waited over ${config.provisioningLimitMinutes} min in PROVISIONING (no capacity); a new run of ${request.site} replaces it`;
    for (const task of tasks) {
      await ecs.send(new StopTaskCommand({ cluster: config.cluster, task: task.taskArn, reason: reason.slice(0, 255) }));
      console.log(JSON.stringify({ site: request.site, stopped: task.taskArn, reason }));
    }
    const outcome = await startRun(ecs, request, config, startedBy);
    return { ...outcome, stopped: tasks.map(t => t.taskArn!) };
  }
  return startRun(ecs, request, config, startedBy);
}

async function startRun(ecs: ECSClient, request: RunRequest, config: RunnerConfig, startedBy: string): Promise<{ site: string; started: string }> {

  const result = await ecs.send(new RunTaskCommand({
    cluster: config.cluster,
    taskDefinition: config.taskDefinition,
    count: 1,
    // Through the capacity provider, never a launch type: on an empty cluster the task waits
    // in PROVISIONING while managed scaling starts an instance.
    capacityProviderStrategy: [{ capacityProvider: config.capacityProvider, weight: 1 }],
    startedBy,
    tags: [{ key: SITE_TAG, value: request.site }],
    enableECSManagedTags: true,
    overrides: runOverrides(request.args, request.rerun ?? false, config.containerName, request.onDemand ?? false),
  }));
  const failures = result.failures ?? [];
  if (failures.length > 0) {
    const reasons = failures.map(f => [f.arn, f.reason, f.detail].filter(Boolean).join(': ')).join('; ');
    throw new RunTaskFailedError(`RunTask for site ${request.site} failed: ${reasons}`);
  }
  const task = result.tasks?.[0]?.taskArn;
  if (!task) {
    throw new RunTaskFailedError(`RunTask for site ${request.site} started no task and reported no failure`);
  }
  return { site: request.site, started: task };
}
