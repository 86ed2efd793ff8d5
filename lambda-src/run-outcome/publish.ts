import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { failingChecks, statusOf } from './outcome';
import { reportUrlOf, RUN_EVENTS, RUN_METRICS, RunFinished } from '../../src/contract/run-events';
import { isInWindow, OnWindow } from '../../src/contract/schedule-window';
import { argValue } from '../../src/contract/sitespeed-args';
import { entryBytes, MAX_ENTRY_BYTES, metricsLine, putRunEvent } from '../shared/run-events';
import { runFolderOf } from '../shared/run-folder';
import { StoppedTask } from '../shared/task-event';

export const BUDGET_RESULT = 'budgetResult.json';
/** The failing checks an event carries: enough for a message (which lists ten) and the calendar; all are in the budget file. */
export const MAX_CHECKS_IN_EVENT = 50;
/** A reason (ECS's, or a container's) is cut to this many characters in the event. */
const MAX_REASON = 1000;

/**
 * The run's budget file: absent (no budget for this site), read, or unreadable. Unreadable (not
 * JSON, or an S3 error that outlasted the SDK's own retries: throttling, a 403 while a permission
 * settles) does not stop the run's event: its status then follows the exit code, `budgetResult`
 * still names the file, and the log says why, so the run reaches the index and the alerts.
 */
async function budgetOf(s3: S3Client, bucket: string, key: string, log: (line: object) => void): Promise<{ budget?: unknown; present: boolean }> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { budget: JSON.parse(await object.Body!.transformToString()), present: true };
  } catch (e: any) {
    if (e?.name === 'NoSuchKey') return { present: false };
    log({ budgetUnreadable: `s3://${bucket}/${key}`, error: `${e?.name}: ${e?.message}` });
    return { present: true };
  }
}

/** The outcome of a stopped run, put on the default bus as "Sitespeed Run Finished", with its metrics logged. */
export interface OutcomeOptions {
  /** Whether a site has per-site metrics. */
  readonly perSite?: (site: string) => boolean;
  /** The window a hardStop schedule gives the cluster capacity in (runs asked for outside it cannot start). */
  readonly hardStopWindow?: OnWindow;
}

export async function publishRunFinished(clients: { s3: S3Client; events: EventBridgeClient }, cluster: string, task: StoppedTask,
  log: (line: object) => void, options: OutcomeOptions = {}): Promise<RunFinished> {
  const bucket = argValue(task.args, '--s3.bucketname');
  // A run that never started wrote nothing: no folder to look for.
  const started = task.started !== false;
  const run = bucket && started ? await runFolderOf(clients.s3, bucket, task) : undefined;
  const { budget, present } = bucket && run
    ? await budgetOf(clients.s3, bucket, `${task.site}/${run}/${BUDGET_RESULT}`, log)
    : { budget: undefined, present: false };
  const failing = failingChecks(budget);
  const viewerUrl = argValue(task.args, '--resultBaseURL') ?? null;
  const detail: RunFinished = {
    version: 1,
    cluster,
    site: task.site,
    run: run ?? null,
    status: statusOf(task.exitCode, run !== undefined, failing, started),
    exitCode: task.exitCode ?? null,
    reason: task.reason ? task.reason.slice(0, MAX_REASON) : null,
    stopCode: task.stopCode ?? null,
    heldByHardStop: !started && options.hardStopWindow !== undefined && !isInWindow(options.hardStopWindow, task.createdAt ?? task.startedAt),
    failedBudgetChecks: failing.slice(0, MAX_CHECKS_IN_EVENT),
    failedBudgetCheckCount: failing.length,
    budgetResult: present ? `s3://${bucket}/${task.site}/${run}/${BUDGET_RESULT}` : null,
    reportUrl: reportUrlOf(viewerUrl ?? undefined, task.site, run),
    viewerUrl,
    startedAt: task.startedAt.toISOString(),
    stoppedAt: task.stoppedAt.toISOString(),
    durationSeconds: Math.max(0, Math.round((task.stoppedAt.getTime() - task.startedAt.getTime()) / 1000)),
    taskArn: task.taskArn ?? null,
    rerun: task.rerun ?? false,
    onDemand: task.onDemand ?? false,
  };
  await putRunEvent(clients.events, RUN_EVENTS.finished, withinEntryLimit(detail));
  const perSite = (options.perSite ?? (() => false))(task.site);
  if (detail.status === 'not started') {
    // Not a finished run; held by the schedule, not even a problem.
    if (!detail.heldByHardStop) log(metricsLine(cluster, task.site, { [RUN_METRICS.runsNotStarted]: 1 }, {}, perSite));
    return detail;
  }
  log(metricsLine(cluster, task.site, {
    [RUN_METRICS.runs]: 1,
    [RUN_METRICS.runsOk]: detail.status === 'ok' ? 1 : 0,
    [RUN_METRICS.runsFailed]: detail.status === 'ok' ? 0 : 1,
    [RUN_METRICS.budgetFailures]: detail.status === 'budget failed' ? 1 : 0,
    [RUN_METRICS.runsWithoutReport]: detail.status === 'no report' ? 1 : 0,
    [RUN_METRICS.runDuration]: detail.durationSeconds,
  }, { [RUN_METRICS.runDuration]: 'Seconds' }, perSite));
  return detail;
}

/**
 * The detail, with fewer checks if the entry would pass EventBridge's 256 KB (a check can hold
 * long URLs and values): an entry above it is refused at every retry, and the run would reach
 * neither the index nor the alerts.
 */
export function withinEntryLimit(detail: RunFinished): RunFinished {
  let fitted = detail;
  while (entryBytes(RUN_EVENTS.finished, fitted) >= MAX_ENTRY_BYTES && fitted.failedBudgetChecks.length > 0) {
    fitted = { ...fitted, failedBudgetChecks: fitted.failedBudgetChecks.slice(0, Math.floor(fitted.failedBudgetChecks.length / 2)) };
  }
  return fitted;
}
