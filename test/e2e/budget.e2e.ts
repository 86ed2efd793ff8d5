import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { listen, LOCAL_ONLY, requireSitespeed, run, SITESPEED } from './sitespeed-cli';
import { updateRun } from '../../lambda-src/report-index/s3-index';
import { publishRunFinished } from '../../lambda-src/run-outcome/publish';
import { ConfigSync, SitespeedCluster } from '../../src';
import { siteIndexKey } from '../../src/contract/report-keys';
import { motoClientConfig, motoEndpoint, resetMoto } from '../harness/moto';
import { testApp } from '../harness/nag';
import { receivedEvents, runFinishedQueue } from '../harness/run-events';

/**
 * What a run with a failing budget leaves behind, with the real sitespeed.io CLI: its exit code
 * and the file that names the failing checks. For run outcomes and alerts (the alerts issue): they
 * read this file from the report folder in S3, so it must be uploaded with the report.
 * sitespeed.io writes budgetResult.json into the result folder on `sitespeedio.render` when
 * `--budget.output json` is given (lib/plugins/budget/json.js, the same in 39.2.0 and 42.7.0),
 * which a ScheduledSite with a budgetFile renders.
 */
describe('a run with a failing budget, with the real sitespeed.io CLI', () => {
  const s3client = new S3Client(motoClientConfig());
  let page: http.Server;
  let result: { code: number | null; output: string };
  let args: string[];
  let startedAt: Date;
  let stoppedAt: Date;

  beforeAll(async () => {
    requireSitespeed();
    await resetMoto();
    await s3client.send(new CreateBucketCommand({ Bucket: 'e2e-budget' }));
    page = http.createServer((_, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><html><head><title>Docs</title></head><body><h1>Docs</h1></body></html>');
    });
    const pagePort = await listen(page);

    const app = testApp();
    const stack = new Stack(app, 'E2eBudget', { env: { account: '123456789012', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc, reportsBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'e2e-budget') });
    new ConfigSync(stack, 'Config', { cluster });
    const site = cluster.addSite('Docs', {
      schedule: ScheduleExpression.rate(Duration.hours(1)),
      urls: [{ url: `http://127.0.0.1:${pagePort}/`, alias: 'home' }],
      iterations: 1,
      budgetFile: 'budgets/docs.json',
      sitespeedArgs: ['--plugins.remove', 'screenshot'],
    });
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-budget-'));
    // One check that fails (a page has at least one request) and one that holds.
    const budget = path.join(cwd, 'docs.json');
    fs.writeFileSync(budget, JSON.stringify({ budget: { requests: { total: 0 }, transferSize: { total: 100_000_000 } } }));
    // The instance's config folder path, swapped for this machine's file: the only change.
    args = (stack.resolve(site.sitespeedArgs) as string[]).map(a => (a.endsWith('/budgets/docs.json') ? budget : a));
    expect(args).toContain(budget);
    startedAt = new Date();
    result = await run(SITESPEED, [...args, ...LOCAL_ONLY(motoEndpoint())], {
      PATH: process.env.PATH, HOME: cwd, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing',
    }, cwd);
    stoppedAt = new Date();
    fs.mkdirSync(path.join(__dirname, '..', '..', 'test-artifacts'), { recursive: true });
    fs.writeFileSync(path.join(__dirname, '..', '..', 'test-artifacts', 'e2e-budget.log'), `${JSON.stringify(args)}\n\n${result.output}`);
  }, 300_000);

  afterAll(() => {
    page?.close();
    s3client.destroy();
  });

  test('sitespeed.io exits 1 and says which budget failed, and still uploads the report', () => {
    expect(result.output).toMatch(/Budget: 1 working, 1 failing tests and 0 errors/);
    expect(result.output).toContain('Finished upload to S3');
    expect(result.code).toBe(1);
  });

  test('budgetResult.json is uploaded with the report, naming the failing check with its value and limit', async () => {
    const listed = await s3client.send(new ListObjectsV2Command({ Bucket: 'e2e-budget', Prefix: 'docs/' }));
    const key = (listed.Contents ?? []).map(o => o.Key!).find(k => /^docs\/\d{4}(-\d{2}){5}\/budgetResult\.json$/.test(k));
    expect(key).toBeDefined();
    const body = await (await s3client.send(new GetObjectCommand({ Bucket: 'e2e-budget', Key: key }))).Body!.transformToString();
    const budget = JSON.parse(body);
    fs.writeFileSync(path.join(__dirname, '..', '..', 'test-artifacts', 'e2e-budgetResult.json'), body);
    const failing = Object.values<any>(budget.failing).flat();
    expect(failing).toEqual([expect.objectContaining({ metric: expect.stringMatching(/requests/i), limit: 0, status: 'failing' })]);
    expect(Object.values<any>(budget.working).flat()).toEqual([expect.objectContaining({ status: 'working' })]);
  });

  test('the run outcome of that run: budget failed, with the failing check named, delivered by EventBridge', async () => {
    const sqs = new SQSClient(motoClientConfig());
    const events = new EventBridgeClient(motoClientConfig());
    try {
      const queueUrl = await runFinishedQueue(events, sqs);

      // What the ECS STOPPED event gives the outcome function: the site, its arguments, the exit code, the times.
      await publishRunFinished({ s3: s3client, events }, 'e2e', { site: 'docs', args, exitCode: result.code ?? undefined, startedAt, stoppedAt }, () => {});
      const [event] = await receivedEvents(sqs, queueUrl);
      expect(event.detail).toMatchObject({
        site: 'docs',
        status: 'budget failed',
        exitCode: 1,
        run: expect.stringMatching(/^\d{4}(-\d{2}){5}$/),
        failedBudgetChecks: [expect.objectContaining({ page: 'home', metric: 'Total Requests', type: 'requests', limit: 0 })],
      });
      expect(event.detail.failedBudgetChecks[0].value).toBeGreaterThan(0);

      // The event as EventBridge delivers it to reportIndex: the run, with why it failed, in the calendar's index.
      await updateRun(s3client, { bucket: 'e2e-budget', retentionDays: null }, event, () => {});
      const index = JSON.parse(await (await s3client.send(new GetObjectCommand({ Bucket: 'e2e-budget', Key: siteIndexKey('docs') }))).Body!.transformToString());
      expect(index.runs).toEqual([expect.objectContaining({
        run: event.detail.run,
        status: 'failed',
        exitCode: 1,
        budget: [expect.objectContaining({ page: 'home', metric: 'Total Requests', limit: expect.any(String), value: expect.any(String) })],
      })]);
    } finally {
      sqs.destroy();
      events.destroy();
    }
  });
});
