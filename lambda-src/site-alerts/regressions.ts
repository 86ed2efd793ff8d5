/**
 * The regression messages (SiteAlerts' alertOnRegressions): one message per "Sitespeed
 * Regression Detected" or "Recovered" event, however many copies of it arrive. The report index
 * puts each at least once (lambda-src/regression/series.ts); the event's `id` names the
 * regression, so a delivery is recorded in the alert table under `#regression/<kind>/<id>`
 * ('#' is never in a slug) before it is sent and marked sent after: a copy finds it sent, or
 * being sent (left alone for `inFlightMs`, then sent again: at least once, never lost).
 */
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import type { AlertMessage } from './message';
import { changeLine, RegressionDetected, RegressionFinding, RegressionRecovered, RUN_EVENTS } from '../../src/contract/run-events';

type Log = (line: object) => void;

const METRIC_NAMES: Record<string, string> = {
  largestContentfulPaint: 'Largest Contentful Paint',
  firstContentfulPaint: 'First Contentful Paint',
  ttfb: 'Time to first byte',
};

function when(run: string): string {
  return `${run.slice(0, 10)} ${run.slice(11, 13)}:${run.slice(14, 16)} UTC`;
}

const percent = (part: number, whole: number) => `${part >= 0 ? '+' : ''}${Math.round(part / whole * 100)} %`;

function findingLine(f: RegressionFinding): string {
  const name = METRIC_NAMES[f.metric] ?? f.metric;
  return `  - ${f.url} ${name}: ${Math.round(f.baselineMedian)} ${f.unit} before, ${Math.round(f.recentMedian)} ${f.unit} now ` +
    `(${percent(f.shift, f.baselineMedian)}; at least ${percent(f.lowerBound, f.baselineMedian)} at 99 % confidence)`;
}

function chatbotOf(title: string, lines: string[]): object {
  const description = lines.filter(Boolean).map(l => (l.startsWith('  - ') ? `• ${l.slice(4)}` : l)).join('\n');
  return { version: '1.0', source: 'custom', content: { textType: 'client-markdown', title, description } };
}

export function regressionMessage(detailType: string, detail: RegressionDetected | RegressionRecovered): AlertMessage {
  let subject: string;
  let lines: string[];
  let icon: string;
  if (detailType === RUN_EVENTS.regressionDetected) {
    const d = detail as RegressionDetected;
    const first = d.findings[0];
    const more = d.findings.length > 1 ? ` and ${d.findings.length - 1} more` : '';
    subject = `${d.site} got slower: ${METRIC_NAMES[first?.metric] ?? first?.metric} ${first ? percent(first.shift, first.baselineMedian) : ''}${more}`;
    icon = ':chart_with_upwards_trend:';
    lines = [
      `${d.site} got slower on ${d.cluster} from its run at ${when(d.firstSlowRun)}, confirmed by the run at ${when(d.run)}: ` +
        `compared with its ${d.baselineRuns} comparable runs before${d.marker ? ` the deploy '${d.marker.message}'` : ''}.`,
      '',
      'What moved (median of the runs since, against the median of the baseline runs):',
      ...d.findings.map(findingLine),
      // Events put before alsoChanged existed have none.
      ...((d.alsoChanged ?? []).length > 0 ? ['', 'Also rose past its threshold (reported, not tested):', ...d.alsoChanged.map(c => `  - ${changeLine(c)}`)] : []),
      '',
      ...(d.reportUrl ? [`Report now: ${d.reportUrl}`] : []),
      ...(d.baselineReportUrl ? [`Report before: ${d.baselineReportUrl}`] : []),
      ...(d.viewerUrl ? [`Calendar: ${d.viewerUrl}`] : []),
      '',
      'How this is decided, how often it is wrong and how to tune it: docs/regressions.md. You get one message when it recovers.',
    ];
  } else {
    const d = detail as RegressionRecovered;
    icon = ':white_check_mark:';
    if (d.how === 'accepted') {
      subject = `${d.site}: the slower level is its new baseline`;
      const by = d.marker ? `, accepted by the marker '${d.marker.message}'` : '';
      lines = [`${d.site} stayed slower since ${when(d.since)} on ${d.cluster}; as of the run at ${when(d.run)}${by} that level is its baseline, ` +
        'and new changes are measured from it.'];
    } else {
      subject = `${d.site} is back to its baseline`;
      lines = [`${d.site} is back to what it measured before ${when(d.since)} on ${d.cluster}, at the run at ${when(d.run)}.`];
    }
    lines.push(...(d.reportUrl ? ['', `Report: ${d.reportUrl}`] : []), ...(d.viewerUrl ? [`Calendar: ${d.viewerUrl}`] : []));
  }
  return { subject: `[cdk-sitespeed] ${subject}`.slice(0, 99), text: lines.join('\n').trim(), chatbot: chatbotOf(`${icon} ${subject}`, lines) };
}

/** A regression event's detail, checked as far as the message needs it: an error names the field. */
export function regressionEventOf(event: any): { detailType: string; detail: RegressionDetected | RegressionRecovered } {
  const detailType = event?.['detail-type'];
  const detail = event?.detail;
  if (detailType !== RUN_EVENTS.regressionDetected && detailType !== RUN_EVENTS.regressionRecovered) {
    throw new Error(`expected a "${RUN_EVENTS.regressionDetected}" or "${RUN_EVENTS.regressionRecovered}" event, got detail-type ${JSON.stringify(detailType)}`);
  }
  for (const field of ['id', 'site', 'cluster', 'run', 'since']) {
    if (typeof detail?.[field] !== 'string' || detail[field] === '') {
      throw new Error(`${detailType} event: detail.${field} is ${JSON.stringify(detail?.[field])}; expected a string`);
    }
  }
  if (!Array.isArray(detail.findings)) throw new Error(`${detailType} event: detail.findings is ${JSON.stringify(detail.findings)}; expected a list`);
  return { detailType, detail };
}

export interface RegressionAlertConfig {
  readonly table: string;
  readonly topicArn: string;
  readonly slackTopicArn?: string;
  readonly sites?: string[];
  readonly inFlightMs: number;
}

/** Records a delivery as started unless it is sent or being sent; true when this invocation should send it. */
async function claim(dynamodb: DynamoDBClient, table: string, key: string, now: Date, inFlightMs: number): Promise<boolean> {
  try {
    await dynamodb.send(new PutItemCommand({
      TableName: table,
      Item: { site: { S: key }, state: { S: 'sending' }, savedAt: { S: now.toISOString() }, version: { N: '0' } },
      ConditionExpression: 'attribute_not_exists(site) OR #s = :failed OR (#s = :sending AND savedAt < :stale)',
      ExpressionAttributeNames: { '#s': 'state' },
      ExpressionAttributeValues: {
        ':failed': { S: 'failed' }, ':sending': { S: 'sending' }, ':stale': { S: new Date(now.getTime() - inFlightMs).toISOString() },
      },
    }));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** One regression event to the topic (and Slack's): at most once per copy, at least once in all. */
export async function handleRegressionEvent(clients: { dynamodb: DynamoDBClient; sns: SNSClient }, config: RegressionAlertConfig, event: any,
  publish: (sns: SNSClient, topics: { topicArn: string; slackTopicArn?: string }, message: AlertMessage) => Promise<void>,
  log: Log, now: () => Date = () => new Date()): Promise<{ site: string; sent: boolean }> {
  const { detailType, detail } = regressionEventOf(event);
  if (config.sites && !config.sites.includes(detail.site)) {
    throw new Error(`the event's detail.site ${JSON.stringify(detail.site)} is not a site of this cluster (${config.sites.join(', ') || 'none'}): not alerted`);
  }
  const key = `#regression/${detailType === RUN_EVENTS.regressionDetected ? 'detected' : 'recovered'}/${detail.id}`;
  if (!await claim(clients.dynamodb, config.table, key, now(), config.inFlightMs)) {
    const item = await clients.dynamodb.send(new GetItemCommand({ TableName: config.table, Key: { site: { S: key } }, ConsistentRead: true }));
    log({ site: detail.site, regressionAlert: key, ignored: `a copy: already ${item.Item?.state?.S ?? 'handled'}` });
    return { site: detail.site, sent: false };
  }
  const mark = (state: string) => clients.dynamodb.send(new PutItemCommand({
    TableName: config.table,
    Item: { site: { S: key }, state: { S: state }, savedAt: { S: now().toISOString() }, version: { N: '0' } },
  }));
  try {
    await publish(clients.sns, config, regressionMessage(detailType, detail));
  } catch (error) {
    // Lambda's retry sends it (an invocation that dies instead leaves 'sending', sent again after inFlightMs).
    await mark('failed');
    throw error;
  }
  await mark('sent');
  log({ site: detail.site, regressionAlert: key, sent: true });
  return { site: detail.site, sent: true };
}
