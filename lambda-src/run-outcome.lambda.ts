import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { publishOnce } from './run-outcome/claim';
import { loggedHandler, requiredEnv } from './shared/handler';
import { siteMetricsFromEnv } from './shared/run-events';
import { stoppedTaskOf } from './shared/task-event';
import { windowFromJson } from '../src/contract/schedule-window';

const s3 = new S3Client({});
const events = new EventBridgeClient({});

/**
 * On a stopped sitespeed.io task of this cluster: its outcome (ok, budget failed, failed, no
 * report, with the failing budget checks) as a "Sitespeed Run Finished" event on the default bus,
 * and its per-site metrics in the log (embedded metric format).
 */
export const handler = loggedHandler(async (event: unknown): Promise<object> => {
  const task = stoppedTaskOf(event, {
    clusterArn: requiredEnv(process.env, 'CLUSTER_ARN'),
    family: requiredEnv(process.env, 'TASK_FAMILY'),
    containerName: requiredEnv(process.env, 'CONTAINER_NAME'),
  });
  if ('ignored' in task) return task;
  const detail = await publishOnce({ s3, events }, requiredEnv(process.env, 'CLUSTER_NAME'), task, line => console.log(JSON.stringify(line)), {
    perSite: siteMetricsFromEnv(process.env),
    hardStopWindow: windowFromJson(process.env.HARD_STOP_WINDOW),
    // The function's timeout is 60 s (src/private/run-outcomes.ts): a claim older than this was abandoned.
    inFlightMs: 90_000,
  });
  return 'ignored' in detail ? detail : { site: detail.site, run: detail.run, status: detail.status };
});
