import * as fs from 'fs';
import * as path from 'path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { publishOnce } from '../../lambda-src/run-outcome/claim';
import { failingChecks } from '../../lambda-src/run-outcome/outcome';
import { MAX_CHECKS_IN_EVENT, publishRunFinished, withinEntryLimit } from '../../lambda-src/run-outcome/publish';
import { entryBytes, MAX_ENTRY_BYTES } from '../../lambda-src/shared/run-events';
import { StoppedTask, stoppedTaskOf } from '../../lambda-src/shared/task-event';
import { RUN_EVENTS } from '../../src/contract/run-events';
import { isInWindow, windowFromJson, windowToJson } from '../../src/contract/schedule-window';
import { motoClientConfig, resetMoto } from '../harness/moto';
import { receivedEvents, runFinishedQueue } from '../harness/run-events';
import { finished } from '../lambda/fixtures/run-finished';

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

  test('a budget file S3 will not give (403, throttling past the SDK\'s retries): the run is still published, its status from the exit code, the file named, the log says why (before: no event at all)', async () => {
    await put('docs/2026-11-28-05-00-06/index.html');
    await put('docs/2026-11-28-05-00-06/budgetResult.json', BUDGET);
    const refusing = new S3Client(motoClientConfig());
    refusing.middlewareStack.add((next: any) => async (call: any) => {
      if (String(call.input.Key ?? '').endsWith('budgetResult.json')) {
        throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      }
      return next(call);
    }, { step: 'initialize' });
    const lines: any[] = [];
    const detail = await publishRunFinished({ s3: refusing, events }, 'prod-Sitespeed', task(1), l => lines.push(l));
    refusing.destroy();
    expect(detail).toMatchObject({ status: 'failed', run: '2026-11-28-05-00-06', budgetResult: 's3://reports/docs/2026-11-28-05-00-06/budgetResult.json', failedBudgetCheckCount: 0 });
    expect(await delivered()).toHaveLength(1);
    expect(lines).toContainEqual({ budgetUnreadable: 's3://reports/docs/2026-11-28-05-00-06/budgetResult.json', error: 'AccessDenied: Access Denied' });
  });

  test('a budget file that is not JSON: the status follows the exit code', async () => {
    await put('docs/2026-11-28-05-00-06/index.html');
    await put('docs/2026-11-28-05-00-06/budgetResult.json', '{"failing": ');
    expect(await publishRunFinished({ s3, events }, 'prod-Sitespeed', task(1), () => {})).toMatchObject({ status: 'failed' });
  });

  describe('a copy of a STOPPED event (ECS delivers at least once)', () => {
    const options = { inFlightMs: 90_000 };

    test('publishes one "Run Finished" and logs one metrics line, however many copies, also at once (before: one each)', async () => {
      await put('docs/2026-11-28-05-00-06/index.html');
      const lines: any[] = [];
      const outcomes = await Promise.all(Array.from({ length: 5 }, () => publishOnce({ s3, events }, 'prod-Sitespeed', task(0), l => lines.push(l), options)));
      expect(outcomes.filter(o => !('ignored' in o))).toHaveLength(1);
      expect(await publishOnce({ s3, events }, 'prod-Sitespeed', task(0), l => lines.push(l), options))
        .toEqual({ site: 'docs', ignored: 'a copy of a run already published' });
      expect(await delivered()).toHaveLength(1);
      expect(lines.filter(l => l.Runs === 1)).toHaveLength(1);
    });

    test('a claim left by an invocation that died is taken over by the next copy once the function\'s time has passed', async () => {
      await put('docs/2026-11-28-05-00-06/index.html');
      const failing = new EventBridgeClient(motoClientConfig());
      failing.middlewareStack.add(() => async () => { throw Object.assign(new Error('Service unavailable'), { name: 'InternalException' }); }, { step: 'initialize' });
      const t0 = new Date('2026-11-28T05:04:00Z');
      await expect(publishOnce({ s3, events: failing }, 'prod-Sitespeed', task(0), () => {}, { ...options, now: () => t0 })).rejects.toThrow('Service unavailable');
      failing.destroy();
      // Lambda's retry comes a minute or more later; a copy within the function's time waits for it.
      const soon = await publishOnce({ s3, events }, 'prod-Sitespeed', task(0), () => {}, { ...options, now: () => new Date(t0.getTime() + 30_000) });
      expect(soon).toEqual({ site: 'docs', ignored: 'a copy of a run another invocation is publishing' });
      const retried = await publishOnce({ s3, events }, 'prod-Sitespeed', task(0), () => {}, { ...options, now: () => new Date(t0.getTime() + 120_000) });
      expect(retried).toMatchObject({ status: 'ok' });
      expect(await delivered()).toHaveLength(1);
    });
  });

  describe('EventBridge\'s 256 KB entry limit', () => {
    // A stand-in for PutEvents' size check, which moto does not make: the entry's size as the
    // EventBridge User Guide calculates it ("Calculating Amazon EventBridge PutEvents event entry
    // size": Source, DetailType and Detail as UTF-8 bytes), refused at 256 KB.
    const sized = new EventBridgeClient(motoClientConfig());
    const refused: number[] = [];
    sized.middlewareStack.add((next: any, context: any) => async (call: any) => {
      if (context.commandName === 'PutEventsCommand') {
        for (const e of call.input.Entries) {
          const bytes = Buffer.byteLength(e.Source) + Buffer.byteLength(e.DetailType) + Buffer.byteLength(e.Detail ?? '');
          if (bytes >= 256 * 1024) {
            refused.push(bytes);
            throw Object.assign(new Error('Total size of the entries in the request is over the limit.'), { name: 'ValidationException' });
          }
        }
      }
      return next(call);
    }, { step: 'initialize' });
    afterAll(() => sized.destroy());
    const budgetOf = (checks: number, metric = 'Total Requests') => JSON.stringify({
      working: {},
      failing: {
        home: Array.from({ length: checks }, (_, i) => ({
          metric: `${metric} ${i}`, type: 'requests', value: i, friendlyValue: `${i}`, limit: 0, friendlyLimit: '0', limitType: 'max', status: 'failing',
        })),
      },
      error: {},
    });

    test('a budget with 1,200 failing checks: the event carries the count, the first 50 and where the rest are, and gets through (before: refused at every retry)', async () => {
      await put('docs/2026-11-28-05-00-06/index.html');
      await put('docs/2026-11-28-05-00-06/budgetResult.json', budgetOf(1200, 'a rather long metric name of a page with a long alias '.repeat(3)));
      refused.length = 0;
      const detail = await publishRunFinished({ s3, events: sized }, 'prod-Sitespeed', task(1), () => {});
      expect(refused).toEqual([]);
      expect(detail).toMatchObject({
        status: 'budget failed', failedBudgetCheckCount: 1200, budgetResult: 's3://reports/docs/2026-11-28-05-00-06/budgetResult.json',
      });
      expect(detail.failedBudgetChecks).toHaveLength(MAX_CHECKS_IN_EVENT);
      const [event] = await delivered();
      expect(event.detail.failedBudgetCheckCount).toBe(1200);
      // What the event would have been with every check: over the limit.
      const all = { ...detail, failedBudgetChecks: failingChecks(JSON.parse(budgetOf(1200, 'a rather long metric name of a page with a long alias '.repeat(3)))) };
      expect(entryBytes(RUN_EVENTS.finished, all)).toBeGreaterThan(MAX_ENTRY_BYTES);
      await expect(sized.send(new PutEventsCommand({ Entries: [{ Source: 'cdk-sitespeed', DetailType: RUN_EVENTS.finished, Detail: JSON.stringify(all) }] })))
        .rejects.toThrow('over the limit');
    });

    test('fifty checks that are too large themselves: halved until the entry fits, the count kept', () => {
      const huge = failingChecks(JSON.parse(budgetOf(50, 'x'.repeat(10_000))));
      const detail = { ...finished('budget failed'), failedBudgetChecks: huge, failedBudgetCheckCount: 50 };
      const fitted = withinEntryLimit(detail);
      expect(entryBytes(RUN_EVENTS.finished, fitted)).toBeLessThan(MAX_ENTRY_BYTES);
      expect(fitted.failedBudgetChecks.length).toBeGreaterThan(0);
      expect(fitted.failedBudgetChecks.length).toBeLessThan(50);
      expect(fitted.failedBudgetCheckCount).toBe(50);
    });
  });

  describe('a run that never started (its task stopped in PROVISIONING)', () => {
    // The STOPPED event of a task runTask stopped after its wait limit, in the shape of the ECS
    // developer guide's "Amazon ECS task state change events" example: createdAt, stopCode,
    // stoppedReason, stoppedAt, and no startedAt (set only when a task reaches RUNNING: ECS API
    // reference, Task.startedAt), no container exit code.
    const event = (createdAt: string) => ({
      'detail-type': 'ECS Task State Change',
      'detail': {
        clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/c',
        taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/fam:3',
        taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/c/abc',
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        createdAt,
        stoppedAt: new Date(Date.parse(createdAt) + 31 * 60_000).toISOString(),
        stopCode: 'UserInitiated',
        stoppedReason: 'cdk-sitespeed: waited over 30 min in PROVISIONING (no capacity); a new run of docs replaces it',
        startedBy: 'sitespeed/docs',
        containers: [{ name: 'sitespeed', lastStatus: 'STOPPED' }],
        overrides: { containerOverrides: [{ name: 'sitespeed', command: task(0).args }] },
      },
    });
    const filter = { clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/c', family: 'fam', containerName: 'sitespeed' };
    // Office hours in Stockholm, Monday to Friday, 07:00–19:00 (an InstanceSchedule with hardStop).
    const window = { startMinute: 7 * 60, stopMinute: 19 * 60, days: new Set([1, 2, 3, 4, 5]), timeZone: 'Europe/Stockholm' };

    test('"not started" with ECS\'s stop code and reason, no folder looked for, no report link, counted as not started, not as a finished run', async () => {
      const stopped = stoppedTaskOf(event('2026-11-30T09:00:00Z'), filter);
      if ('ignored' in stopped) throw new Error(stopped.ignored);
      expect(stopped.started).toBe(false);
      const calls: string[] = [];
      const watched = new S3Client(motoClientConfig());
      watched.middlewareStack.add((next, context) => async args => { calls.push(context.commandName!); return next(args); }, { step: 'initialize' });
      // An older run's folder: before, the outcome looked for a folder and called this run "no report".
      await put('docs/2026-11-27-05-00-04/index.html');
      const lines: any[] = [];
      const detail = await publishRunFinished({ s3: watched, events }, 'prod-Sitespeed', stopped, l => lines.push(l), { hardStopWindow: window });
      watched.destroy();
      expect(calls).toEqual([]);
      expect(detail).toMatchObject({
        status: 'not started',
        run: null,
        exitCode: null,
        reportUrl: null,
        stopCode: 'UserInitiated',
        heldByHardStop: false,
        reason: 'cdk-sitespeed: waited over 30 min in PROVISIONING (no capacity); a new run of docs replaces it',
      });
      const [received] = await receivedEvents(sqs, queueUrl);
      expect(received.detail).toMatchObject({ status: 'not started', stopCode: 'UserInitiated' });
      expect(lines).toEqual([expect.objectContaining({ RunsNotStarted: 1 })]);
      expect(lines[0].Runs).toBeUndefined();
    });

    test('asked for outside the hardStop window (Saturday, or 22:00 Stockholm time): held by the schedule, no metric', async () => {
      for (const createdAt of ['2026-11-28T09:00:00Z', '2026-11-30T21:00:00Z']) {
        const stopped = stoppedTaskOf(event(createdAt), filter);
        if ('ignored' in stopped) throw new Error(stopped.ignored);
        const lines: any[] = [];
        const detail = await publishRunFinished({ s3, events }, 'prod-Sitespeed', stopped, l => lines.push(l), { hardStopWindow: window });
        expect({ createdAt, held: detail.heldByHardStop }).toEqual({ createdAt, held: true });
        expect(lines).toEqual([]);
      }
    });

    test('the window follows its own clock: 07:30 Stockholm is 06:30 UTC in winter, inside; 06:30 Stockholm (05:30 UTC) is outside', () => {
      expect(isInWindow(window, new Date('2026-11-30T06:30:00Z'))).toBe(true);
      expect(isInWindow(window, new Date('2026-11-30T05:30:00Z'))).toBe(false);
      expect(isInWindow(windowFromJson(windowToJson(window))!, new Date('2026-11-30T06:30:00Z'))).toBe(true);
    });
  });
});
