import { ECSClient } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SSMClient } from '@aws-sdk/client-ssm';
import { markDeploy, markerConfigFromEnv, MarkOutcome } from './deploy-marker/mark-deploy';
import { loggedHandler } from './shared/handler';

const clients = { s3: new S3Client({}), ecs: new ECSClient({}), ssm: new SSMClient({}), scheduler: new SchedulerClient({}) };
const waiting = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>(r => setTimeout(r, ms)), pollMs: 2000, timeoutSeconds: 90 };

/**
 * A deploy marker, from `cdk-sitespeed mark` or a DeployMarkers rule: on the calendar (the
 * markers file beside the report index) and as a Graphite annotation per site.
 */
export const handler = loggedHandler(async (event: unknown): Promise<MarkOutcome> =>
  markDeploy(clients, event, markerConfigFromEnv(process.env), new Date(), waiting, line => console.log(JSON.stringify(line))));
