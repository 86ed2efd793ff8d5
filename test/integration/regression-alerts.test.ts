import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import type { AlertMessage } from '../../lambda-src/site-alerts/message';
import { handleRegressionEvent, regressionMessage } from '../../lambda-src/site-alerts/regressions';
import { RegressionDetected, RegressionRecovered, RUN_EVENTS } from '../../src/contract/run-events';
import { motoClientConfig, resetMoto } from '../harness/moto';

// SiteAlerts' regression messages against a real DynamoDB API (moto): one message per regression
// event whatever the copies, a failed send retried, the text a person reads.
const dynamodb = new DynamoDBClient(motoClientConfig());
const sns = new SNSClient(motoClientConfig());
const config = { table: 'alerts', topicArn: 'arn:aws:sns:us-east-1:123456789012:alerts', sites: ['shop'], inFlightMs: 90_000 };
const sent: AlertMessage[] = [];
let failNext = false;
const publish = async (_: SNSClient, __: unknown, message: AlertMessage) => {
  if (failNext) {
    failNext = false;
    throw new Error('SNS throttled');
  }
  sent.push(message);
};
const log = () => {};

const detected: RegressionDetected = {
  version: 1,
  id: 'shop@2026-11-02-15-00-00',
  cluster: 'perf',
  site: 'shop',
  run: '2026-11-02-18-00-00',
  since: '2026-11-02-15-00-00',
  firstSlowRun: '2026-11-02-16-00-00',
  baselineRuns: 38,
  baselineRun: '2026-11-02-14-00-00',
  findings: [{
    url: 'https://shop.example.com/',
    metric: 'largestContentfulPaint',
    unit: 'ms',
    baselineMedian: 1500,
    recentMedian: 1950,
    shift: 452.3,
    lowerBound: 371.9,
    pvalue: 1e-9,
    adjustedPvalue: 6e-9,
  }],
  alsoChanged: [],
  reportUrl: 'https://d1.cloudfront.net/shop/2026-11-02-18-00-00/index.html',
  baselineReportUrl: 'https://d1.cloudfront.net/shop/2026-11-02-14-00-00/index.html',
  viewerUrl: 'https://d1.cloudfront.net',
  marker: null,
};
const recovered: RegressionRecovered = {
  version: 1,
  id: detected.id,
  cluster: 'perf',
  site: 'shop',
  run: '2026-11-02-22-00-00',
  since: detected.since,
  how: 'recovered',
  findings: detected.findings,
  reportUrl: 'https://d1.cloudfront.net/shop/2026-11-02-22-00-00/index.html',
  viewerUrl: 'https://d1.cloudfront.net',
  marker: null,
};
const event = (detailType: string, detail: object) => ({ 'source': RUN_EVENTS.source, 'detail-type': detailType, detail });

beforeEach(async () => {
  await resetMoto();
  await dynamodb.send(new CreateTableCommand({
    TableName: 'alerts',
    AttributeDefinitions: [{ AttributeName: 'site', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'site', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  sent.length = 0;
  failNext = false;
});

test('the message names each metric that moved with its medians, the change, the confidence bound and a report from each side', () => {
  const message = regressionMessage(RUN_EVENTS.regressionDetected, detected);
  expect(message.subject).toBe('[cdk-sitespeed] shop got slower: Largest Contentful Paint +30 %');
  expect(message.text).toBe([
    'shop got slower on perf from its run at 2026-11-02 16:00 UTC, confirmed by the run at 2026-11-02 18:00 UTC: compared with its 38 comparable runs before.',
    '',
    'What moved (median of the runs since, against the median of the baseline runs):',
    '  - https://shop.example.com/ Largest Contentful Paint: 1500 ms before, 1950 ms now (+30 %; at least +25 % at 99 % confidence)',
    '',
    'Report now: https://d1.cloudfront.net/shop/2026-11-02-18-00-00/index.html',
    'Report before: https://d1.cloudfront.net/shop/2026-11-02-14-00-00/index.html',
    'Calendar: https://d1.cloudfront.net',
    '',
    'How this is decided, how often it is wrong and how to tune it: docs/regressions.md. You get one message when it recovers.',
  ].join('\n'));
  const heavier = regressionMessage(RUN_EVENTS.regressionDetected, {
    ...detected,
    alsoChanged: [
      { url: 'https://shop.example.com/', metric: 'transferSize', unit: 'bytes', baselineMedian: 12_400, baselineHigh: 12_900, recentMedian: 1_512_400 },
      { url: 'https://shop.example.com/', metric: 'requests', unit: 'count', baselineMedian: 4, baselineHigh: 4, recentMedian: 5 },
      { url: 'https://shop.example.com/', metric: 'cumulativeLayoutShift', unit: 'score', baselineMedian: 0, baselineHigh: 0.0012, recentMedian: 0.0831 },
    ],
  });
  expect(heavier.text).toContain([
    '  - https://shop.example.com/ Largest Contentful Paint: 1500 ms before, 1950 ms now (+30 %; at least +25 % at 99 % confidence)',
    '',
    'Also rose past its threshold (reported, not tested):',
    '  - https://shop.example.com/ transfer size: 12 kB before, 1.5 MB now (+1.5 MB)',
    '  - https://shop.example.com/ requests: 4 before, 5 now (+1)',
    '  - https://shop.example.com/ Cumulative Layout Shift: 0.000 before, 0.083 now (+0.083)',
    '',
    'Report now:',
  ].join('\n'));
  // An event put before alsoChanged existed still makes its message.
  const { alsoChanged, ...older } = detected;
  expect(regressionMessage(RUN_EVENTS.regressionDetected, older as RegressionDetected).text).toBe(message.text);
  expect(regressionMessage(RUN_EVENTS.regressionRecovered, recovered).subject).toBe('[cdk-sitespeed] shop is back to its baseline');
  expect(regressionMessage(RUN_EVENTS.regressionRecovered, { ...recovered, how: 'accepted' }).text).toMatch(/^shop stayed slower since 2026-11-02 15:00 UTC on perf; as of the run/);
});

test('a change judged at a deploy marker says which deploy; a regression accepted by a marker says which', () => {
  const marker = { id: 'v1.2.3', message: 'shop v1.2.3' };
  expect(regressionMessage(RUN_EVENTS.regressionDetected, { ...detected, marker }).text.split('\n')[0])
    .toMatch(/: compared with its 38 comparable runs before the deploy 'shop v1.2.3'\.$/);
  expect(regressionMessage(RUN_EVENTS.regressionRecovered, { ...recovered, how: 'accepted', marker }).text)
    .toMatch(/as of the run at 2026-11-02 22:00 UTC, accepted by the marker 'shop v1.2.3' that level is its baseline/);
});

test('three copies of a Detected event, then its Recovered: two messages', async () => {
  for (let i = 0; i < 3; i++) await handleRegressionEvent({ dynamodb, sns }, config, event(RUN_EVENTS.regressionDetected, detected), publish, log);
  await handleRegressionEvent({ dynamodb, sns }, config, event(RUN_EVENTS.regressionRecovered, recovered), publish, log);
  expect(sent.map(m => m.subject)).toEqual(['[cdk-sitespeed] shop got slower: Largest Contentful Paint +30 %', '[cdk-sitespeed] shop is back to its baseline']);
});

test('a send that fails is sent by the retry; a copy while another invocation is sending leaves it, and sends it once that one has died', async () => {
  failNext = true;
  await expect(handleRegressionEvent({ dynamodb, sns }, config, event(RUN_EVENTS.regressionDetected, detected), publish, log)).rejects.toThrow('SNS throttled');
  await handleRegressionEvent({ dynamodb, sns }, config, event(RUN_EVENTS.regressionDetected, detected), publish, log);
  expect(sent).toHaveLength(1);
  // What an invocation that claimed the recovered message and then died leaves behind:
  const t0 = new Date('2026-11-02T22:05:00Z');
  await dynamodb.send(new PutItemCommand({
    TableName: 'alerts',
    Item: { site: { S: `#regression/recovered/${detected.id}` }, state: { S: 'sending' }, savedAt: { S: t0.toISOString() }, version: { N: '0' } },
  }));
  const soon = await handleRegressionEvent({ dynamodb, sns }, config, event(RUN_EVENTS.regressionRecovered, recovered), publish, log,
    () => new Date(t0.getTime() + 30_000));
  expect(soon.sent).toBe(false);
  const later = await handleRegressionEvent({ dynamodb, sns }, config, event(RUN_EVENTS.regressionRecovered, recovered), publish, log,
    () => new Date(t0.getTime() + 120_000));
  expect(later.sent).toBe(true);
  expect(sent.map(m => m.subject)).toEqual(['[cdk-sitespeed] shop got slower: Largest Contentful Paint +30 %', '[cdk-sitespeed] shop is back to its baseline']);
});

test('an event of another site, or without the fields the message needs, is an error naming the field; nothing is sent', async () => {
  await expect(handleRegressionEvent({ dynamodb, sns }, config, event(RUN_EVENTS.regressionDetected, { ...detected, site: 'blog' }), publish, log))
    .rejects.toThrow('detail.site "blog" is not a site of this cluster (shop)');
  await expect(handleRegressionEvent({ dynamodb, sns }, config, event(RUN_EVENTS.regressionDetected, { ...detected, id: undefined }), publish, log))
    .rejects.toThrow('Sitespeed Regression Detected event: detail.id is undefined; expected a string');
  await expect(handleRegressionEvent({ dynamodb, sns }, config, event(RUN_EVENTS.regressionRecovered, { ...recovered, findings: 'x' }), publish, log))
    .rejects.toThrow('detail.findings is "x"; expected a list');
  expect(sent).toEqual([]);
});
