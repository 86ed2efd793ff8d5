import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeTasksCommand, ECSClient } from '@aws-sdk/client-ecs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { Action, AlertOptions, decide, SiteState } from './decide';
import { AlertMessage, alertMessage } from './message';
import { RunFinished } from '../run-outcome/outcome';

export interface AlertClients {
  readonly autoScaling: AutoScalingClient;
  readonly dynamodb: DynamoDBClient;
  readonly sns: SNSClient;
  readonly ecs: ECSClient;
  readonly lambda: LambdaClient;
}

export interface AlertConfig {
  readonly table: string;
  readonly topicArn: string;
  /** With Slack: the topic AWS Chatbot reads. */
  readonly slackTopicArn?: string;
  /** The cluster's runTask function, which starts confirmation runs. */
  readonly runTaskFunction: string;
  readonly clusterArn: string;
  readonly containerName: string;
  readonly confirm: boolean;
  /** Sites alerted on their first failure (no confirmation run). */
  readonly unconfirmedSites: string[];
  readonly remindAfter: number;
  /** Alert after this many runs in a row that never started (0: never). */
  readonly notStartedAfter: number;
}

const ATTEMPTS = 3;

/**
 * One alert: the text to the topic (email and any other subscriber), and Chatbot's custom format
 * to the Slack topic when there is one. A topic of its own, because which delivery format Chatbot
 * subscribes with is not documented; on its own topic it gets this format whatever it is.
 * https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html
 */
export async function publishAlert(sns: SNSClient, topics: { topicArn: string; slackTopicArn?: string }, message: AlertMessage): Promise<void> {
  await sns.send(new PublishCommand({ TopicArn: topics.topicArn, Subject: message.subject, Message: message.text }));
  if (topics.slackTopicArn) await sns.send(new PublishCommand({ TopicArn: topics.slackTopicArn, Message: JSON.stringify(message.chatbot) }));
}

export async function loadState(dynamodb: DynamoDBClient, table: string, site: string): Promise<{ state?: SiteState; version: number }> {
  const item = (await dynamodb.send(new GetItemCommand({ TableName: table, Key: { site: { S: site } }, ConsistentRead: true }))).Item;
  if (!item) return { version: 0 };
  return { state: JSON.parse(item.state.S!), version: Number(item.version.N) };
}

/** Saves the state if nobody saved another since it was read (false when somebody did). */
export async function saveState(dynamodb: DynamoDBClient, table: string, state: SiteState, version: number): Promise<boolean> {
  try {
    await dynamodb.send(new PutItemCommand({
      TableName: table,
      Item: { site: { S: state.site }, state: { S: JSON.stringify(state) }, version: { N: String(version + 1) } },
      ConditionExpression: version === 0 ? 'attribute_not_exists(site)' : 'version = :read',
      ExpressionAttributeValues: version === 0 ? undefined : { ':read': { N: String(version) } },
    }));
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException || (e as Error).name === 'ConditionalCheckFailedException') return false;
    throw e;
  }
}

/** The stopped run's arguments, from its task (ECS keeps a stopped task describable for about an hour). */
async function argsOf(clients: AlertClients, config: AlertConfig, run: RunFinished): Promise<string[] | undefined> {
  if (!run.taskArn) return undefined;
  const described = await clients.ecs.send(new DescribeTasksCommand({ cluster: config.clusterArn, tasks: [run.taskArn] }));
  const override = described.tasks?.[0]?.overrides?.containerOverrides?.find(o => o.name === config.containerName);
  return override?.command;
}

/**
 * One finished run through the site's alert state: decides (decide.ts), does what it decided (a
 * confirmation run through runTask, or one SNS message), then saves the state with a conditional
 * write. Actions come before the save, so a failure in between repeats an alert rather than
 * losing it; a save that loses a race decides again from the newer state.
 */
export async function handleRunFinished(clients: AlertClients, config: AlertConfig, run: RunFinished,
  log: (line: object) => void): Promise<{ site: string; actions: string[] }> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const { state, version } = await loadState(clients.dynamodb, config.table, run.site);
    const options: AlertOptions = {
      confirm: config.confirm && !config.unconfirmedSites.includes(run.site),
      remindAfter: config.remindAfter,
      notStartedAfter: config.notStartedAfter,
    };
    let { next, actions } = decide(state, run, options);
    const done: string[] = [];
    if (actions.some(a => a.kind === 'rerun')) {
      const args = await argsOf(clients, config, run);
      if (args && args.length > 0) {
        await clients.lambda.send(new InvokeCommand({
          FunctionName: config.runTaskFunction,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify({ site: run.site, args, rerun: true })),
        }));
        done.push('rerun');
      } else {
        // The task is gone (or never had arguments): no confirmation possible, alert now.
        log({ site: run.site, confirmation: 'impossible: the stopped task cannot be described any more' });
        ({ next, actions } = decide(state, run, { ...options, confirm: false }));
      }
    }
    for (const action of actions.filter((a): a is Extract<Action, { kind: 'alert' }> => a.kind === 'alert')) {
      const message = alertMessage(action.alert, run, next.state === 'ok' && state ? state : next);
      await publishAlert(clients.sns, config, message);
      done.push(action.alert);
    }
    if (await saveState(clients.dynamodb, config.table, next, version)) return { site: run.site, actions: done };
    log({ site: run.site, attempt, race: 'the state changed since it was read; deciding again' });
  }
  throw new Error(`the alert state of ${run.site} changed under every one of ${ATTEMPTS} attempts`);
}

/** A "Sitespeed Run Finished" event's detail, checked enough to act on (or an error naming the field). */
export function runFinishedOf(event: any): RunFinished {
  const detail = event?.detail;
  if (event?.['detail-type'] !== 'Sitespeed Run Finished' || !detail) {
    throw new Error(`not a Sitespeed Run Finished event: detail-type ${JSON.stringify(event?.['detail-type'])}`);
  }
  for (const field of ['site', 'status', 'stoppedAt', 'cluster']) {
    if (typeof detail[field] !== 'string') throw new Error(`the event's detail.${field} must be a string, got ${JSON.stringify(detail[field])}`);
  }
  if (!Array.isArray(detail.failedBudgetChecks)) throw new Error('the event\'s detail.failedBudgetChecks must be an array');
  return detail as RunFinished;
}
