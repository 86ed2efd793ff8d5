import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { listen, LOCAL_ONLY, requireSitespeed, run, SITESPEED } from './sitespeed-cli';
import { Outcome, trackRegressions } from '../../lambda-src/regression/series';
import { settingsFromEnv } from '../../lambda-src/regression/settings';
import { writeExtract } from '../../lambda-src/report-index/run-extract';
import { ReportRetention, ReportTree, SitespeedCluster } from '../../src';
import { RegressionDetected, RUN_EVENTS } from '../../src/contract/run-events';
import { RunExtract } from '../../src/contract/run-extracts';
import { motoClientConfig, motoEndpoint, resetMoto } from '../harness/moto';
import { testApp } from '../harness/nag';

/**
 * Regression detection end to end: the real sitespeed.io CLI (the e2e's 39.2.0) tests a page on
 * 127.0.0.1 whose server delay and payload the test controls, with the arguments a ScheduledSite
 * renders; each run's report goes to moto's S3, its extract is written from the real HARs and
 * goes through the site's regression file with the settings ReportTree renders, and the events go
 * to moto's EventBridge, where the rule `site.onRegressionDetected()` synthesizes delivers them to
 * a queue. This proves the plumbing, not the rates (bench/regressions.ts measures those): a
 * baseline of the minimum 5 runs, then nothing changed, then +300 ms server delay, back, then a
 * 500 kB image.
 */
const CLUSTER = 'e2e-cluster';
const BUCKET = 'e2e-regression-reports';
const VIEWER = 'https://d1.cloudfront.net';
/** The most runs a change may take to be confirmed here before the test fails (typically 2-3). */
const MAX_RUNS_TO_DETECT = 8;

/** A valid 24-bit BMP of about 500 kB (400 × 427 px), which Chrome decodes and counts for LCP. */
function bmp(width: number, height: number): Buffer {
  const row = Math.ceil(width * 3 / 4) * 4;
  const size = 54 + row * height;
  const b = Buffer.alloc(size);
  b.write('BM', 0);
  b.writeUInt32LE(size, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(row * height, 34);
  for (let i = 54; i < size; i++) b[i] = (i * 7) % 251;
  return b;
}

describe('regression detection with the real sitespeed.io CLI', () => {
  const s3client = new S3Client(motoClientConfig());
  const eventsClient = new EventBridgeClient(motoClientConfig());
  const sqs = new SQSClient(motoClientConfig());
  const image = bmp(400, 427);
  let delayMs = 0;
  let withImage = false;
  let page: http.Server;
  let pageUrl = '';
  let args: string[] = [];
  let queueUrl = '';
  let settings: ReturnType<ReturnType<typeof settingsFromEnv>>;
  const seen = new Set<string>();
  const extracts: RunExtract[] = [];
  const log: object[] = [];
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-sitespeed-regression-'));
  const runSeconds: number[] = [];

  /** One scheduled run: the CLI, then what reportIndex does with its Run Finished event. */
  async function oneRun(): Promise<Outcome> {
    const start = Date.now();
    const result = await run(SITESPEED, [...args, ...LOCAL_ONLY(motoEndpoint())], {
      PATH: process.env.PATH, HOME: cwd, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing',
    }, cwd);
    runSeconds.push((Date.now() - start) / 1000);
    if (result.code !== 0) throw new Error(`sitespeed.io exited ${result.code}: ${result.output.slice(-1500)}`);
    const listed = await s3client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'shop/', Delimiter: '/' }));
    const folders = (listed.CommonPrefixes ?? []).map(p => p.Prefix!.slice('shop/'.length, -1)).filter(f => !seen.has(f));
    expect(folders).toHaveLength(1);
    seen.add(folders[0]);
    const extract = (await writeExtract(s3client, BUCKET, { site: 'shop', run: folders[0], status: 'ok', rerun: false }, l => log.push(l)))!;
    extracts.push(extract);
    return trackRegressions({ s3: s3client, events: eventsClient }, BUCKET, extract, { cluster: CLUSTER, viewerUrl: VIEWER },
      l => log.push(l), settings);
  }

  async function runsUntil(kind: string): Promise<{ kinds: string[]; outcome: Outcome }> {
    const kinds: string[] = [];
    for (let i = 0; i < MAX_RUNS_TO_DETECT; i++) {
      const outcome = await oneRun();
      kinds.push(outcome.kind);
      if (outcome.kind === kind) return { kinds, outcome };
    }
    throw new Error(`no '${kind}' within ${MAX_RUNS_TO_DETECT} runs: ${kinds.join(', ')}`);
  }

  async function delivered(): Promise<{ detailType: string; detail: any }[]> {
    const messages = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }))).Messages ?? [];
    // Taken off the queue, so the next phase sees only its own.
    for (const m of messages) await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
    return messages.map(m => JSON.parse(m.Body!)).map(e => ({ detailType: e['detail-type'], detail: e.detail }));
  }

  beforeAll(async () => {
    requireSitespeed();
    await resetMoto();
    await s3client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    page = http.createServer((req, res) => {
      if (req.url === '/') {
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end('<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1><p>What we sell.</p>' +
            `${withImage ? '<img src="/hero.bmp" width="800" height="427" alt="hero">' : ''}</body></html>`);
        }, delayMs);
      } else if (req.url === '/hero.bmp') {
        // At 4 Mbit/s, as a throttled link would deliver it: 500 kB in about a second.
        res.writeHead(200, { 'content-type': 'image/bmp', 'content-length': String(image.length) });
        let sent = 0;
        const timer = setInterval(() => {
          const chunk = image.subarray(sent, sent + 16_384);
          sent += chunk.length;
          if (sent >= image.length) {
            clearInterval(timer);
            res.end(chunk);
          } else {res.write(chunk);}
        }, 32);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    pageUrl = `http://127.0.0.1:${await listen(page)}/`;

    // The site, its ReportTree's settings and its rule, as the constructs synthesize them.
    const app = testApp();
    const stack = new Stack(app, 'E2e', { env: { account: '123456789012', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc, reportsBucket: s3.Bucket.fromBucketName(stack, 'Reports', BUCKET) });
    const site = cluster.addSite('Shop', {
      schedule: ScheduleExpression.rate(Duration.hours(1)),
      urls: [{ url: pageUrl, alias: 'home' }],
      iterations: 1,
      sitespeedArgs: ['--plugins.remove', 'screenshot'],
    });
    new ReportTree(stack, 'Tree', { cluster, reportRetention: ReportRetention.forever(), regressions: { minBaselineRuns: 5 } });
    site.onRegressionDetected('Slower');
    site.onRegressionRecovered('Back');
    // The ReportTree's viewer URL (--resultBaseURL) is CloudFront's domain, known at deploy: the one the events carry here.
    args = (stack.resolve(site.sitespeedArgs) as unknown[]).map(a => (typeof a === 'string' ? a : VIEWER));
    expect(args[args.indexOf('--resultBaseURL') + 1]).toBe(VIEWER);
    const template = Template.fromStack(stack);
    const env = Object.values(template.findResources('AWS::Lambda::Function')).map(f => f.Properties.Environment?.Variables ?? {})
      .find(v => v.REGRESSION_SETTINGS);
    settings = settingsFromEnv(env.REGRESSION_SETTINGS)('shop');
    expect(settings?.minBaselineRuns).toBe(5);

    // The rules' patterns, with the cluster's name (a Ref at synth) as the function would put it.
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'regressions' }));
    queueUrl = queue.QueueUrl!;
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn;
    const rules = Object.entries(template.findResources('AWS::Events::Rule'))
      .filter(([, r]) => JSON.stringify(r.Properties.EventPattern ?? {}).includes('Regression'));
    expect(rules).toHaveLength(2);
    for (const [name, rule] of rules) {
      const pattern = JSON.parse(JSON.stringify(rule.Properties.EventPattern).replace(/\{"Ref":"[A-Za-z0-9]+"\}/g, JSON.stringify(CLUSTER)));
      await eventsClient.send(new PutRuleCommand({ Name: name, EventPattern: JSON.stringify(pattern) }));
      await eventsClient.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: 'queue', Arn: queueArn }] }));
    }
  }, 120_000);

  afterAll(() => {
    page?.close();
    const figures = {
      sitespeed: '39.2.0',
      runs: extracts.map(e => ({
        run: e.run,
        ...Object.fromEntries(['ttfb', 'firstContentfulPaint', 'largestContentfulPaint', 'transferSize', 'requests']
          .map(m => [m, e.pages[0]?.medians[m as keyof typeof e.pages[0]['medians']]])),
      })),
      runSeconds,
    };
    fs.mkdirSync(path.join(__dirname, '..', '..', 'test-artifacts'), { recursive: true });
    fs.writeFileSync(path.join(__dirname, '..', '..', 'test-artifacts', 'e2e-regression.json'), `${JSON.stringify({ figures, log }, null, 2)}\n`);
  });

  test('nothing changed: the site warms up, then every run is ok', async () => {
    const kinds: string[] = [];
    for (let i = 0; i < 8; i++) kinds.push((await oneRun()).kind);
    expect(kinds.slice(0, 6)).toEqual(Array(6).fill('warming up'));
    expect(kinds.slice(6)).toEqual(['ok', 'ok']);
    expect(await delivered()).toEqual([]);
  }, 600_000);

  test('+300 ms server delay: detected, naming time to first byte and both paints; the rule delivers the event; back: recovered', async () => {
    delayMs = 300;
    const { outcome } = await runsUntil('detected');
    const detected = outcome as Extract<Outcome, { kind: 'detected' }>;
    expect(detected.findings.map(f => f.metric).sort()).toEqual(['firstContentfulPaint', 'largestContentfulPaint', 'ttfb']);
    for (const f of detected.findings) expect(f.recentMedian - f.baselineMedian).toBeGreaterThan(250);
    // The page weighs what it did: a slower server is no heavier page.
    expect(detected.alsoChanged.map(c => c.metric)).not.toContain('transferSize');
    const events = await delivered();
    expect(events.map(e => e.detailType)).toEqual([RUN_EVENTS.regressionDetected]);
    const detail: RegressionDetected = events[0].detail;
    expect(detail).toMatchObject({ cluster: CLUSTER, site: 'shop', run: detected.run, baselineReportUrl: `${VIEWER}/shop/${detail.baselineRun}/index.html` });
    delayMs = 0;
    await runsUntil('recovered');
    expect((await delivered()).map(e => [e.detailType, e.detail.how])).toEqual([[RUN_EVENTS.regressionRecovered, 'recovered']]);
  }, 600_000);

  test('a 500 kB image added: detected on Largest Contentful Paint, reporting the bytes it added beside it', async () => {
    withImage = true;
    const { outcome } = await runsUntil('detected');
    const detected = outcome as Extract<Outcome, { kind: 'detected' }>;
    expect(detected.findings.map(f => f.metric)).toEqual(['largestContentfulPaint']);
    const last = extracts[extracts.length - 1].pages[0].medians;
    const before = extracts[0].pages[0].medians;
    expect(last.transferSize! - before.transferSize!).toBeGreaterThan(500_000);
    const events = await delivered();
    expect(events.map(e => e.detailType)).toEqual([RUN_EVENTS.regressionDetected]);
    // Reported by threshold, not tested (also-changed.ts); the image has its size set, so no layout shift.
    const weight = (events[0].detail as RegressionDetected).alsoChanged.find(c => c.metric === 'transferSize');
    expect(weight!.recentMedian - weight!.baselineMedian).toBeGreaterThan(500_000);
    expect(detected.alsoChanged.map(c => c.metric)).not.toContain('cumulativeLayoutShift');
  }, 600_000);
});
