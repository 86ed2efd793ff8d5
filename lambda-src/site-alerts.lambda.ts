import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { loggedHandler, requiredEnv } from './shared/handler';
import { handleRunFinished, runFinishedOf } from './site-alerts/alerts';

const clients = { dynamodb: new DynamoDBClient({}), sns: new SNSClient({}), ecs: new ECSClient({}), lambda: new LambdaClient({}) };

/**
 * SiteAlerts: each "Sitespeed Run Finished" event of the cluster through the site's alert state
 * (site-alerts/decide.ts): a confirmation run after a first failure, one message when a site
 * starts failing, one when it recovers, at most one reminder.
 */
export const handler = loggedHandler(async (event: unknown): Promise<object> => {
  const env = process.env;
  return handleRunFinished(clients, {
    table: requiredEnv(env, 'TABLE'),
    topicArn: requiredEnv(env, 'TOPIC_ARN'),
    runTaskFunction: requiredEnv(env, 'RUN_TASK_FUNCTION'),
    clusterArn: requiredEnv(env, 'CLUSTER_ARN'),
    containerName: requiredEnv(env, 'CONTAINER_NAME'),
    confirm: requiredEnv(env, 'CONFIRM') === 'true',
    unconfirmedSites: JSON.parse(env.UNCONFIRMED_SITES || '[]'),
    remindAfter: Number(requiredEnv(env, 'REMIND_AFTER')),
  }, runFinishedOf(event), line => console.log(JSON.stringify(line)));
});
