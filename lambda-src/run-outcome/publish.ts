import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { failingChecks, reportUrlOf, RunFinished, statusOf } from './outcome';
import { argValue } from '../../src/private/sitespeed-args';
import { metricsLine, putRunEvent, RUN_FINISHED } from '../shared/run-events';
import { StoppedTask } from '../shared/task-event';
import { folderOf, folderOfTask } from '../write-tree/tree';

export const BUDGET_RESULT = 'budgetResult.json';

/**
 * The folder the task wrote: one listing of the site's folders from a minute before the task
 * started (StartAfter), whatever the number of earlier runs.
 */
export async function runFolderOf(s3: S3Client, bucket: string, task: StoppedTask): Promise<string | undefined> {
  const from = folderOf(new Date(task.startedAt.getTime() - 60_000));
  const listed = await s3.send(new ListObjectsV2Command({
    Bucket: bucket, Prefix: `${task.site}/`, Delimiter: '/', StartAfter: `${task.site}/${from}`, MaxKeys: 100,
  }));
  const folders = (listed.CommonPrefixes ?? []).map(p => p.Prefix!.slice(task.site.length + 1, -1));
  return folderOfTask(folders, task.startedAt, task.stoppedAt);
}

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
  log: (line: object) => void): Promise<RunFinished> {
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
  }, { RunDuration: 'Seconds' }));
  return detail;
}
