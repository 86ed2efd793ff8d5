import * as fs from 'fs';
import * as path from 'path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { publishRunFinished } from '../../lambda-src/run-outcome/publish';
import { StoppedTask } from '../../lambda-src/shared/task-event';
import { motoClientConfig, resetMoto } from '../harness/moto';
import { receivedEvents, runFinishedQueue } from '../harness/run-events';

// publishRunFinished against moto's S3 and EventBridge: the event is delivered to an SQS queue
// through a rule on the default bus that matches the documented source and detail type.
const BUDGET = fs.readFileSync(path.join(__dirname, '..', 'lambda', 'fixtures', 'budgetResult.json'), 'utf8');

describe('run outcomes on moto', () => {
  const s3 = new S3Client(motoClientConfig());
  const events = new EventBridgeClient(motoClientConfig());
  const sqs = new SQSClient(motoClientConfig());
  let queueUrl: string;

  beforeEach(async () => {
    await resetMoto();
    await s3.send(new CreateBucketCommand({ Bucket: 'reports' }));
    queueUrl = await runFinishedQueue(events, sqs);
  });
  afterAll(() => { s3.destroy(); events.destroy(); sqs.destroy(); });

  const task = (exitCode: number | undefined): StoppedTask => ({
    site: 'docs',
    args: ['https://docs.example.com/', '--slug', 'docs', '--s3.bucketname', 'reports', '--resultBaseURL', 'https://d1.cloudfront.net'],
    taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/c/abc',
    exitCode,
    reason: exitCode === undefined ? 'CannotPullContainerError: pull access denied' : undefined,
    startedAt: new Date('2026-11-28T05:00:05Z'),
    stoppedAt: new Date('2026-11-28T05:03:40Z'),
  });
  const put = (key: string, body = '<html></html>') => s3.send(new PutObjectCommand({ Bucket: 'reports', Key: key, Body: body }));
  async function delivered(): Promise<any[]> {
    return receivedEvents(sqs, queueUrl);
  }

  test('a failed budget: one event with the failing check, the report link and the metrics line', async () => {
    await put('docs/2026-11-27-05-00-04/index.html'); // yesterday's run: not this one
    await put('docs/2026-11-28-05-00-06/index.html');
    await put('docs/2026-11-28-05-00-06/budgetResult.json', BUDGET);
    const lines: any[] = [];
    const detail = await publishRunFinished({ s3, events }, 'prod-Sitespeed', task(1), l => lines.push(l));
    const [event] = await delivered();
    expect(event).toMatchObject({ 'source': 'cdk-sitespeed', 'detail-type': 'Sitespeed Run Finished' });
    expect(event.detail).toEqual(JSON.parse(JSON.stringify(detail)));
    expect(event.detail).toMatchObject({
      version: 1,
      cluster: 'prod-Sitespeed',
      site: 'docs',
      run: '2026-11-28-05-00-06',
      status: 'budget failed',
      exitCode: 1,
      failedBudgetChecks: [{ page: 'home', metric: 'Total Requests', value: 2, limit: 0 }],
      reportUrl: 'https://d1.cloudfront.net/docs/2026-11-28-05-00-06/index.html',
      viewerUrl: 'https://d1.cloudfront.net',
      durationSeconds: 215,
      taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/c/abc',
      rerun: false,
    });
    expect(lines).toEqual([expect.objectContaining({ Site: 'docs', Runs: 1, RunsOk: 0, RunsFailed: 1, BudgetFailures: 1, RunsWithoutReport: 0, RunDuration: 215 })]);
  });

  test('exit 0 with a report: ok, no checks', async () => {
    await put('docs/2026-11-28-05-00-06/index.html');
    const detail = await publishRunFinished({ s3, events }, 'prod-Sitespeed', task(0), () => {});
    expect(detail).toMatchObject({ status: 'ok', failedBudgetChecks: [], run: '2026-11-28-05-00-06' });
    expect(await delivered()).toHaveLength(1);
  });

  test('exit 1 without a budget file: failed (an error, not a budget)', async () => {
    await put('docs/2026-11-28-05-00-06/index.html');
    expect(await publishRunFinished({ s3, events }, 'prod-Sitespeed', task(1), () => {})).toMatchObject({ status: 'failed', failedBudgetChecks: [] });
  });

  test('a container that never ran: no report, its reason, no link', async () => {
    await put('docs/2026-11-27-05-00-04/index.html');
    const detail = await publishRunFinished({ s3, events }, 'prod-Sitespeed', task(undefined), () => {});
    expect(detail).toMatchObject({ status: 'no report', run: null, exitCode: null, reportUrl: null, reason: 'CannotPullContainerError: pull access denied' });
  });

  test('a budget file that is not JSON: the status follows the exit code', async () => {
    await put('docs/2026-11-28-05-00-06/index.html');
    await put('docs/2026-11-28-05-00-06/budgetResult.json', '{"failing": ');
    expect(await publishRunFinished({ s3, events }, 'prod-Sitespeed', task(1), () => {})).toMatchObject({ status: 'failed' });
  });
});
