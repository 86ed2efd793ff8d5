import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { failingChecks, reportUrlOf, RunFinished, statusOf } from './outcome';
import { argValue } from '../../src/private/sitespeed-args';
import { metricsLine, putRunEvent, RUN_FINISHED } from '../shared/run-events';
import { runFolderOf } from '../shared/run-folder';
import { StoppedTask } from '../shared/task-event';

export const BUDGET_RESULT = 'budgetResult.json';

async function budgetOf(s3: S3Client, bucket: string, key: string): Promise<unknown> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await object.Body!.transformToString());
  } catch (e: any) {
    // No budget for this site, or a file we cannot read: the status falls back to the exit code.
    if (e?.name === 'NoSuchKey' || e instanceof SyntaxError) return undefined;
    throw e;
  }
}

/** The outcome of a stopped run, put on the default bus as "Sitespeed Run Finished", with its metrics logged. */
export async function publishRunFinished(clients: { s3: S3Client; events: EventBridgeClient }, cluster: string, task: StoppedTask,
  log: (line: object) => void, perSite: (site: string) => boolean = () => false): Promise<RunFinished> {
  const bucket = argValue(task.args, '--s3.bucketname');
  const run = bucket ? await runFolderOf(clients.s3, bucket, task) : undefined;
  const budget = bucket && run ? await budgetOf(clients.s3, bucket, `${task.site}/${run}/${BUDGET_RESULT}`) : undefined;
  const failing = failingChecks(budget);
  const viewerUrl = argValue(task.args, '--resultBaseURL') ?? null;
  const detail: RunFinished = {
    version: 1,
    cluster,
    site: task.site,
    run: run ?? null,
    status: statusOf(task.exitCode, run !== undefined, failing),
    exitCode: task.exitCode ?? null,
    reason: task.reason ?? null,
    failedBudgetChecks: failing,
    reportUrl: reportUrlOf(viewerUrl ?? undefined, task.site, run),
    viewerUrl,
    startedAt: task.startedAt.toISOString(),
    stoppedAt: task.stoppedAt.toISOString(),
    durationSeconds: Math.max(0, Math.round((task.stoppedAt.getTime() - task.startedAt.getTime()) / 1000)),
    taskArn: task.taskArn ?? null,
    rerun: task.rerun ?? false,
  };
  await putRunEvent(clients.events, RUN_FINISHED, detail);
  log(metricsLine(cluster, task.site, {
    Runs: 1,
    RunsOk: detail.status === 'ok' ? 1 : 0,
    RunsFailed: detail.status === 'ok' ? 0 : 1,
    BudgetFailures: detail.status === 'budget failed' ? 1 : 0,
    RunsWithoutReport: detail.status === 'no report' ? 1 : 0,
    RunDuration: detail.durationSeconds,
  }, { RunDuration: 'Seconds' }, perSite(task.site)));
  return detail;
}
