import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { loggedHandler, requiredEnv } from './shared/handler';
import { AlertConfig, handleRunFinished, publishAlert } from './site-alerts/alerts';
import { handleRegressionEvent } from './site-alerts/regressions';
import { sweep } from './site-alerts/sweep';
import { RUN_EVENTS, runFinishedOf } from '../src/contract/run-events';

const clients = {
  autoScaling: new AutoScalingClient({}),
  dynamodb: new DynamoDBClient({}),
  sns: new SNSClient({}),
  ecs: new ECSClient({}),
  lambda: new LambdaClient({}),
};

function configOf(env: NodeJS.ProcessEnv): AlertConfig {
  return {
    table: requiredEnv(env, 'TABLE'),
    topicArn: requiredEnv(env, 'TOPIC_ARN'),
    slackTopicArn: env.SLACK_TOPIC_ARN || undefined,
    runTaskFunction: requiredEnv(env, 'RUN_TASK_FUNCTION'),
    clusterArn: requiredEnv(env, 'CLUSTER_ARN'),
    containerName: requiredEnv(env, 'CONTAINER_NAME'),
    confirm: requiredEnv(env, 'CONFIRM') === 'true',
    unconfirmedSites: JSON.parse(env.UNCONFIRMED_SITES || '[]'),
    remindAfter: Number(requiredEnv(env, 'REMIND_AFTER')),
    notStartedAfter: Number(env.NOT_STARTED_AFTER ?? '2'),
    sites: env.SITES ? JSON.parse(env.SITES) : undefined,
    // The function's timeout is 60 s (src/site-alerts.ts): deliveries saved longer ago were abandoned.
    inFlightMs: 90_000,
  };
}

/**
 * SiteAlerts. On each "Sitespeed Run Finished" event of the cluster: the site's alert state
 * (site-alerts/decide.ts): a confirmation run after a first failure, one message when a site
 * starts failing, one when it recovers, at most one reminder. Hourly ({"sweep": true}): sites
 * that stopped running and instances that never joined the cluster (site-alerts/sweep.ts). With
 * alertOnRegressions, one message per regression detected or recovered (site-alerts/regressions.ts).
 */
export const handler = loggedHandler(async (event: any): Promise<object> => {
  const log = (line: object) => console.log(JSON.stringify(line));
  const config = configOf(process.env);
  if (event?.sweep === true) {
    return sweep(clients, {
      ...config,
      staleAfter: JSON.parse(requiredEnv(process.env, 'STALE_AFTER')),
      autoScalingGroup: requiredEnv(process.env, 'AUTO_SCALING_GROUP'),
    }, new Date(), log);
  }
  if (event?.['detail-type'] === RUN_EVENTS.regressionDetected || event?.['detail-type'] === RUN_EVENTS.regressionRecovered) {
    return handleRegressionEvent(clients, config, event, publishAlert, log);
  }
  return handleRunFinished(clients, config, runFinishedOf(event), log);
});
