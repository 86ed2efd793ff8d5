import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeTasksCommand, ECSClient } from '@aws-sdk/client-ecs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { Action, AlertKind, AlertOptions, decide, SiteState } from './decide';
import { AlertMessage, alertMessage } from './message';
import { RUN_STATUSES, RunFinished } from '../../src/contract/run-events';

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
  /** The cluster's sites: an event of another site is refused. Undefined: not checked. */
  readonly sites?: string[];
  /** Deliveries saved longer ago than this (more than the function's timeout) were abandoned by their invocation. */
  readonly inFlightMs: number;
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

/** What an item of the table held, read back; a corrupt one (not JSON, not a state) is reported, not thrown. */
export async function loadState(dynamodb: DynamoDBClient, table: string, site: string):
Promise<{ state?: SiteState; version: number; corrupt?: string }> {
  const item = (await dynamodb.send(new GetItemCommand({ TableName: table, Key: { site: { S: site } }, ConsistentRead: true }))).Item;
  if (!item) return { version: 0 };
  const version = Number(item.version?.N ?? 0);
  try {
    const state = JSON.parse(item.state?.S ?? '');
    if (typeof state !== 'object' || state === null || typeof state.site !== 'string') throw new Error('not a site state');
    return { state, version: Number.isInteger(version) ? version : 0 };
  } catch {
    return { version: Number.isInteger(version) ? version : 0, corrupt: item.state?.S ?? JSON.stringify(item) };
  }
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

/** A corrupt state item, kept under its own key ('#' is never in a slug) before the site starts again. */
async function keepAside(dynamodb: DynamoDBClient, table: string, site: string, raw: string, now: Date): Promise<string> {
  const key = `#kept/${site}/${now.toISOString()}`;
  await dynamodb.send(new PutItemCommand({ TableName: table, Item: { site: { S: key }, state: { S: raw }, version: { N: '0' } } }));
  return key;
}

/** The stopped run's arguments, from its task (ECS keeps a stopped task describable for about an hour). */
async function argsOf(clients: AlertClients, config: AlertConfig, run: RunFinished): Promise<string[] | undefined> {
  if (!run.taskArn) return undefined;
  const described = await clients.ecs.send(new DescribeTasksCommand({ cluster: config.clusterArn, tasks: [run.taskArn] }));
  const override = described.tasks?.[0]?.overrides?.containerOverrides?.find(o => o.name === config.containerName);
  return override?.command;
}

/**
 * One run, the same whichever copy of its event: ECS delivers its events at least once (ECS
 * developer guide, "Handling Amazon ECS events"), and a duplicate carries the same task ARN and
 * stop time.
 */
export function runIdOf(run: RunFinished): string {
  return `${run.taskArn ?? run.site}@${run.stoppedAt}`;
}

/** How many run ids a site's state remembers: far more than the copies of one event in flight. */
const REMEMBERED_RUNS = 20;

/** A delivery decided and saved, not yet done: a confirmation run, or an alert to one topic. */
export type Delivery = { readonly id: string } & (
  | { readonly kind: 'rerun'; readonly payload: { site: string; args: string[]; rerun: true } }
  | { readonly kind: 'alert'; readonly alert: AlertKind; readonly to: 'topic' | 'slack'; readonly message: AlertMessage });

async function deliver(clients: AlertClients, config: AlertConfig, delivery: Delivery): Promise<void> {
  if (delivery.kind === 'rerun') {
    await clients.lambda.send(new InvokeCommand({
      FunctionName: config.runTaskFunction,
      InvocationType: 'Event',
      Payload: new TextEncoder().encode(JSON.stringify(delivery.payload)),
    }));
  } else if (delivery.to === 'topic') {
    await clients.sns.send(new PublishCommand({ TopicArn: config.topicArn, Subject: delivery.message.subject, Message: delivery.message.text }));
  } else {
    await clients.sns.send(new PublishCommand({ TopicArn: config.slackTopicArn!, Message: JSON.stringify(delivery.message.chatbot) }));
  }
}

/**
 * One finished run through the site's alert state, so that whatever the copies, the order and
 * the faults, one run makes at most one confirmation run and each alert reaches each topic once:
 * - a copy of a run already handled (its run id is in the state) does nothing;
 * - a run older than the last one the state knows (a late event) does nothing: it must not undo
 *   what a newer run decided ("recovered" after a newer failure, a confirmation run);
 * - what to do (decide.ts) is saved with the state, by a conditional write, before it is done: of
 *   ten copies at once only the one whose write wins acts, the others find the run handled;
 * - deliveries are done one by one and what is left after a failure is saved before the error
 *   is thrown, so Lambda's retry does only the rest (a Slack failure does not mail twice); a
 *   delivery an invocation saved and then died with is done by the next event of the site once
 *   `inFlightMs` (longer than the function's timeout) has passed.
 * A corrupt state item is kept aside (`#kept/<site>/<time>`) and the site starts again.
 */
export async function handleRunFinished(clients: AlertClients, config: AlertConfig, run: RunFinished,
  log: (line: object) => void, now: () => Date = () => new Date()): Promise<{ site: string; actions: string[]; ignored?: string }> {
  checkRun(config, run);
  const runId = runIdOf(run);
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const loaded = await loadState(clients.dynamodb, config.table, run.site);
    if (loaded.corrupt !== undefined) {
      log({ site: run.site, stateKept: await keepAside(clients.dynamodb, config.table, run.site, loaded.corrupt, now()), why: 'the state item could not be read; the site starts again' });
    }
    const state = loaded.state;
    const inFlight = state?.outbox ?? [];
    const abandoned = inFlight.length > 0 && (state!.outboxFailed || now().getTime() - Date.parse(state!.outboxSavedAt ?? '') > config.inFlightMs);
    let next: SiteState;
    let fresh: Delivery[] = [];
    let ignored: string | undefined;
    if (state?.runIds?.includes(runId)) {
      ignored = 'a copy of a run already handled';
    } else if (state?.lastFinishedAt && Date.parse(run.stoppedAt) < Date.parse(state.lastFinishedAt)) {
      ignored = `older than the last run the state knows (stopped ${state.lastFinishedAt})`;
    }
    if (ignored) {
      if (!abandoned) {
        log({ site: run.site, run: runId, ignored });
        return { site: run.site, actions: [], ignored };
      }
      next = state!;
    } else {
      ({ next, fresh } = await decided(clients, config, state, run, log));
      next = { ...next, runIds: [...(state?.runIds ?? []), runId].slice(-REMEMBERED_RUNS) };
    }
    // Deliveries another invocation is still doing are left to it.
    const outbox = [...(abandoned ? inFlight : []), ...fresh];
    const kept = abandoned ? [] : inFlight;
    const saved: SiteState = { ...next, outbox: [...kept, ...outbox], outboxSavedAt: now().toISOString(), outboxFailed: false };
    if (!await saveState(clients.dynamodb, config.table, saved, loaded.version)) {
      log({ site: run.site, attempt, race: 'the state changed since it was read; deciding again' });
      continue;
    }
    const done: string[] = [];
    const delivered = new Set<string>();
    for (const delivery of outbox) {
      try {
        await deliver(clients, config, delivery);
        done.push(delivery.kind === 'rerun' ? 'rerun' : delivery.alert);
        delivered.add(delivery.id);
      } catch (error) {
        // What is left stays listed, marked failed, for Lambda's retry of this event (which finds the run handled and does only that).
        await settleOutbox(clients.dynamodb, config.table, run.site, delivered, true, log);
        throw error;
      }
    }
    if (outbox.length > 0) await settleOutbox(clients.dynamodb, config.table, run.site, delivered, false, log);
    return { site: run.site, actions: [...new Set(done)], ...(ignored ? { ignored } : {}) };
  }
  throw new Error(`the alert state of ${run.site} changed under every one of ${ATTEMPTS} attempts`);
}

/**
 * Takes the deliveries this invocation did off the site's outbox, whatever else happened to the
 * state meanwhile (another event of the site may have saved it): read, filter by id, conditional
 * write, again on a lost race. `failed`: what is left of them is abandoned now, for the retry.
 */
async function settleOutbox(dynamodb: DynamoDBClient, table: string, site: string, delivered: Set<string>, failed: boolean,
  log: (line: object) => void): Promise<void> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const { state, version } = await loadState(dynamodb, table, site);
    if (!state) return;
    const outbox = (state.outbox ?? []).filter(d => !delivered.has(d.id));
    const settled: SiteState = {
      ...state,
      outbox,
      outboxSavedAt: outbox.length > 0 ? state.outboxSavedAt : undefined,
      outboxFailed: outbox.length > 0 && (failed || (state.outboxFailed ?? false)),
    };
    if (await saveState(dynamodb, table, settled, version)) return;
    log({ site, attempt, race: 'the state changed while settling the outbox; reading again' });
  }
  log({ site, outboxLeft: `could not save the delivered ones off the outbox in ${ATTEMPTS} attempts: they may be delivered again` });
}

/** The next state and what to deliver for a run not seen before: decide.ts, with the confirmation run's arguments. */
async function decided(clients: AlertClients, config: AlertConfig, state: SiteState | undefined, run: RunFinished,
  log: (line: object) => void): Promise<{ next: SiteState; fresh: Delivery[] }> {
  const options: AlertOptions = {
    confirm: config.confirm && !config.unconfirmedSites.includes(run.site),
    remindAfter: config.remindAfter,
    notStartedAfter: config.notStartedAfter,
  };
  let { next, actions } = decide(state, run, options);
  const fresh: Delivery[] = [];
  if (actions.some(a => a.kind === 'rerun')) {
    const args = await argsOf(clients, config, run);
    if (args && args.length > 0) {
      fresh.push({ id: `${runIdOf(run)}#rerun`, kind: 'rerun', payload: { site: run.site, args, rerun: true } });
    } else {
      // The task is gone (or never had arguments): no confirmation possible, alert now.
      log({ site: run.site, confirmation: 'impossible: the stopped task cannot be described any more' });
      ({ next, actions } = decide(state, run, { ...options, confirm: false }));
    }
  }
  for (const action of actions.filter((a): a is Extract<Action, { kind: 'alert' }> => a.kind === 'alert')) {
    const message = alertMessage(action.alert, run, next.state === 'ok' && state ? state : next);
    fresh.push({ id: `${runIdOf(run)}#${action.alert}#topic`, kind: 'alert', alert: action.alert, to: 'topic', message });
    if (config.slackTopicArn) fresh.push({ id: `${runIdOf(run)}#${action.alert}#slack`, kind: 'alert', alert: action.alert, to: 'slack', message });
  }
  return { next, fresh };
}

/** A run the function cannot alert on (a site this cluster does not have, a status the schema does not know): an error naming it. */
function checkRun(config: AlertConfig, run: RunFinished): void {
  if (!RUN_STATUSES.includes(run.status)) {
    throw new Error(`the event's detail.status is ${JSON.stringify(run.status)}; expected one of ${RUN_STATUSES.join(', ')}: not alerted`);
  }
  if (config.sites && !config.sites.includes(run.site)) {
    throw new Error(`the event's detail.site ${JSON.stringify(run.site)} is not a site of this cluster (${config.sites.join(', ') || 'none'}): not alerted`);
  }
}
