import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { OutcomeOptions, publishRunFinished } from './publish';
import { OUTCOME_PREFIX } from '../../src/contract/report-keys';
import { RunFinished } from '../../src/contract/run-events';
import { argValue } from '../../src/contract/sitespeed-args';
import { claimObject } from '../shared/s3-claim';
import { StoppedTask } from '../shared/task-event';

/*
 * ECS delivers task events at least once (ECS developer guide, "Handling Amazon ECS events"): a
 * copy of a STOPPED event must not publish a second "Run Finished" (a second index write is
 * harmless, but a second count in the metrics and a second alert decision are not). The function
 * claims the task with a conditional write of a marker (If-None-Match: *, which S3 answers with
 * 412 when the object exists) before it publishes, and marks it published after. A copy finds the
 * marker and does nothing; a marker left "pending" by an invocation that died (older than the
 * function can run) is taken over by the next copy, Lambda's retry of the same event included.
 */

export type Claim = { readonly key: string; readonly claimed: true } | { readonly key: string; readonly claimed: false; readonly why: string };

export function markerKey(taskArn: string): string {
  // arn:aws:ecs:<region>:<account>:task/<cluster>/<id>: the cluster and the id name it in the bucket.
  return `${OUTCOME_PREFIX}${taskArn.split(':task/').pop()!.replace(/[^A-Za-z0-9_\-/]/g, '_')}.json`;
}

export async function claimRun(s3: S3Client, bucket: string, taskArn: string, now: Date, inFlightMs: number): Promise<Claim> {
  const key = markerKey(taskArn);
  const outcome = await claimObject(s3, bucket, key, { state: 'pending', at: now.toISOString() }, marker => {
    if (marker?.state === 'published') return 'a copy of a run already published';
    if (now.getTime() - Date.parse(marker?.at ?? '') <= inFlightMs) return 'a copy of a run another invocation is publishing';
    return undefined;
  }, 'a copy of a run another invocation took over');
  return { key, ...outcome };
}

export async function markPublished(s3: S3Client, bucket: string, key: string, now: Date): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify({ state: 'published', at: now.toISOString() }), ContentType: 'application/json' }));
}

/**
 * publishRunFinished once per stopped task, whatever the copies of its event: claimed before, marked
 * published after. A task without a bucket or an ARN to mark by is published as it comes.
 */
export async function publishOnce(clients: { s3: S3Client; events: EventBridgeClient }, cluster: string, task: StoppedTask,
  log: (line: object) => void, options: OutcomeOptions & { now?: () => Date; inFlightMs: number }):
  Promise<RunFinished | { site: string; ignored: string }> {
  const bucket = argValue(task.args, '--s3.bucketname');
  const now = options.now ?? (() => new Date());
  const claim = bucket && task.taskArn ? await claimRun(clients.s3, bucket, task.taskArn, now(), options.inFlightMs) : undefined;
  if (claim && !claim.claimed) {
    log({ site: task.site, task: task.taskArn, ignored: claim.why });
    return { site: task.site, ignored: claim.why };
  }
  const detail = await publishRunFinished(clients, cluster, task, log, options);
  if (bucket && claim) await markPublished(clients.s3, bucket, claim.key, now());
  return detail;
}
