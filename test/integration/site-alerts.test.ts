import {
  AutoScalingClient, CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateLaunchTemplateCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, ECSClient, RegisterContainerInstanceCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parseRunRequest } from '../../lambda-src/run-task/request';
import { AlertConfig, handleRunFinished, loadState, saveState } from '../../lambda-src/site-alerts/alerts';
import { sweep } from '../../lambda-src/site-alerts/sweep';
import { runFinishedOf } from '../../src/contract/run-events';
import { motoClientConfig, resetMoto } from '../harness/moto';
import { finished } from '../lambda/fixtures/run-finished';

// SiteAlerts' function against moto: its state in DynamoDB, its messages through SNS to an SQS
// queue subscribed to the topic, the stopped run's arguments from ECS; only Lambda's Invoke of
// runTask (the confirmation run) is answered by middleware, which keeps its payload.
describe('site alerts on moto', () => {
  const dynamodb = new DynamoDBClient(motoClientConfig());
  const sns = new SNSClient(motoClientConfig());
  const sqs = new SQSClient(motoClientConfig());
  const ecs = new ECSClient(motoClientConfig());
  const ec2 = new EC2Client(motoClientConfig());
  const lambda = new LambdaClient(motoClientConfig());
  const invoked: any[] = [];
  lambda.middlewareStack.add((_next: any, context: any) => async (args: any) => {
    if (context.commandName !== 'InvokeCommand') throw new Error(`unexpected ${context.commandName}`);
    const payload = JSON.parse(new TextDecoder().decode(args.input.Payload));
    invoked.push({ function: args.input.FunctionName, type: args.input.InvocationType, payload });
    return { output: { $metadata: {}, StatusCode: 202 }, response: {} };
  }, { step: 'initialize', name: 'keepInvokes' });
  let config: AlertConfig;
  let queueUrl: string;
  let taskArn: string;
  const logs: object[] = [];
  const args = ['https://docs.example.com/', '--browsertime.iterations', '1', '--slug', 'docs', '--utc', 'true', '--s3.bucketname', 'reports', '--s3.region', 'us-east-1'];

  beforeEach(async () => {
    await resetMoto();
    invoked.length = 0;
    logs.length = 0;
    runs = 0;
    await dynamodb.send(new CreateTableCommand({
      TableName: 'alerts',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'site', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'site', KeyType: 'HASH' }],
    }));
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'alerts' }))).TopicArn!;
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'inbox' }))).QueueUrl!;
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));

    // The stopped run, as ECS keeps it: its arguments are what the confirmation run repeats.
    const cluster = (await ecs.send(new CreateClusterCommand({ clusterName: 'sitespeed' }))).cluster!.clusterArn!;
    const instance = (await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1 }))).Instances![0].InstanceId;
    await ecs.send(new RegisterContainerInstanceCommand({
      cluster: 'sitespeed',
      instanceIdentityDocument: JSON.stringify({ instanceId: instance, region: 'us-east-1' }),
      totalResources: [{ name: 'CPU', type: 'INTEGER', integerValue: 2048 }, { name: 'MEMORY', type: 'INTEGER', integerValue: 3700 }],
    }));
    const definition = (await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'sitespeed', containerDefinitions: [{ name: 'sitespeed', image: 'sitespeedio/sitespeed.io', memory: 512 }],
    }))).taskDefinition!.taskDefinitionArn!;
    taskArn = (await ecs.send(new RunTaskCommand({
      cluster: 'sitespeed', taskDefinition: definition, startedBy: 'sitespeed/docs', overrides: { containerOverrides: [{ name: 'sitespeed', command: args }] },
    }))).tasks![0].taskArn!;
    config = {
      table: 'alerts',
      topicArn,
      runTaskFunction: 'arn:aws:lambda:us-east-1:123456789012:function:runTask',
      clusterArn: cluster,
      containerName: 'sitespeed',
      confirm: true,
      unconfirmedSites: [],
      remindAfter: 0,
      notStartedAfter: 2,
      sites: ['docs'],
      inFlightMs: 90_000,
    };
  });
  afterAll(() => [dynamodb, sns, sqs, ecs, ec2, lambda, autoScaling].forEach(c => c.destroy()));

  const autoScaling = new AutoScalingClient(motoClientConfig());
  const clients = () => ({ autoScaling, dynamodb, sns, ecs, lambda });
  // Each call is another run (a second later) unless the test names its stop time: one run's copies are tested on their own.
  let runs = 0;
  const defaultStop = finished('ok').stoppedAt;
  const handle = (run: ReturnType<typeof finished>, c: AlertConfig = config) => handleRunFinished(clients(), c, {
    ...run, taskArn, stoppedAt: run.stoppedAt === defaultStop ? new Date(Date.parse(defaultStop) + 1000 * runs++).toISOString() : run.stoppedAt,
  }, l => logs.push(l));
  async function inbox(): Promise<Array<{ Subject: string; Message: string }>> {
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    return (received.Messages ?? []).map(m => JSON.parse(m.Body!));
  }

  test('a failed budget: a confirmation run with the same arguments, then one message when that fails too', async () => {
    expect(await handle(finished('budget failed'))).toEqual({ site: 'docs', actions: ['rerun'] });
    expect(invoked).toEqual([{ function: config.runTaskFunction, type: 'Event', payload: { site: 'docs', args, rerun: true } }]);
    // runTask takes it as it takes a schedule's.
    expect(parseRunRequest(invoked[0].payload)).toEqual({ site: 'docs', args, rerun: true });
    expect(await inbox()).toEqual([]);

    expect(await handle(finished('budget failed', { rerun: true }))).toEqual({ site: 'docs', actions: ['failing'] });
    const [message, ...more] = await inbox();
    expect(more).toEqual([]);
    expect(message.Subject).toBe('[cdk-sitespeed] docs is failing: budget failed');
    expect(message.Message).toContain('  - home: Total Requests is 42, at most 30 allowed');
    expect(message.Message).toContain('Report: https://d111111abcdef8.cloudfront.net/docs/2026-11-28-05-00-06/index.html');
    expect(message.Message).toContain('Calendar: https://d111111abcdef8.cloudfront.net');
    expect(invoked).toHaveLength(1);
  });

  test('repeated failures: no flood (no message, no re-run); recovery: one message; ok again: none', async () => {
    await handle(finished('failed'));
    await handle(finished('failed', { rerun: true }));
    expect(await inbox()).toHaveLength(1);
    for (let i = 0; i < 5; i++) await handle(finished('failed'));
    expect(await inbox()).toEqual([]);
    expect(invoked).toHaveLength(1);
    await handle(finished('ok'));
    const recovered = await inbox();
    expect(recovered.map(m => m.Subject)).toEqual(['[cdk-sitespeed] docs recovered']);
    expect(recovered[0].Message).toMatch(/^docs passed again at 2026-11-28 05:03 UTC on .+, after failing since 2026-11-28 05:03 UTC\.$/m);
    await handle(finished('ok'));
    expect(await inbox()).toEqual([]);
  });

  test('with Slack: the same alert in AWS Chatbot\'s custom format on the Slack topic, the text on the main one', async () => {
    const slackTopicArn = (await sns.send(new CreateTopicCommand({ Name: 'slack' }))).TopicArn!;
    const slackUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'chatbot' }))).QueueUrl!;
    const slackArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: slackUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await sns.send(new SubscribeCommand({ TopicArn: slackTopicArn, Protocol: 'sqs', Endpoint: slackArn }));
    await handle(finished('budget failed', { rerun: true }), { ...config, slackTopicArn });
    expect((await inbox()).map(m => m.Subject)).toEqual(['[cdk-sitespeed] docs is failing: budget failed']);
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: slackUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    const [chatbot] = (received.Messages ?? []).map(m => JSON.parse(JSON.parse(m.Body!).Message));
    expect(chatbot).toMatchObject({ version: '1.0', source: 'custom', content: { title: ':rotating_light: docs is failing: budget failed' } });
    expect(chatbot.content.description).toContain('• home: Total Requests is 42, at most 30 allowed');
  });

  test('a flake: the confirmation run passes, nobody is alerted', async () => {
    await handle(finished('no report'));
    await handle(finished('ok', { rerun: true }));
    expect(await inbox()).toEqual([]);
  });

  test('a site without confirmation, and a stopped task ECS no longer knows: alerted at the first failure', async () => {
    await handle(finished('failed'), { ...config, unconfirmedSites: ['docs'] });
    expect((await inbox()).map(m => m.Subject)).toEqual(['[cdk-sitespeed] docs is failing: failed']);

    await resetMoto();
    const table = { TableName: 'alerts', BillingMode: 'PAY_PER_REQUEST' as const, AttributeDefinitions: [{ AttributeName: 'site', AttributeType: 'S' as const }], KeySchema: [{ AttributeName: 'site', KeyType: 'HASH' as const }] };
    await dynamodb.send(new CreateTableCommand(table));
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'alerts' }))).TopicArn!;
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: 'inbox2' }))).QueueUrl!;
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: arn }));
    await ecs.send(new CreateClusterCommand({ clusterName: 'sitespeed' }));
    await handle(finished('failed'), { ...config, topicArn });
    expect(invoked).toEqual([]);
    expect(logs).toContainEqual({ site: 'docs', confirmation: 'impossible: the stopped task cannot be described any more' });
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect((received.Messages ?? []).map(m => JSON.parse(m.Body!).Subject)).toEqual(['[cdk-sitespeed] docs is failing: failed']);
  });

  test('an event that is not a finished run fails the invocation with the field it lacks', () => {
    expect(() => runFinishedOf({ 'detail-type': 'ECS Task State Change', 'detail': {} })).toThrow(/expected a "Sitespeed Run Finished" event/);
    expect(() => runFinishedOf({ 'detail-type': 'Sitespeed Run Finished', 'detail': { version: 1, cluster: 'c', site: 'docs', run: null } })).toThrow(/detail\.status is undefined; expected ok, budget failed/);
  });

  describe('nothing lost, nothing doubled: copies, late events, bursts, faults', () => {
    const exact = (run: ReturnType<typeof finished>, c: AlertConfig = config) =>
      handleRunFinished(clients(), c, { ...run, taskArn }, l => logs.push(l));

    test('a second copy of one stopped run does nothing: no second confirmation run, no reminder advanced (before: both)', async () => {
      const run = finished('failed', { stoppedAt: '2026-11-28T06:00:00.000Z' });
      expect(await exact(run)).toEqual({ site: 'docs', actions: ['rerun'] });
      expect(await exact(run)).toEqual({ site: 'docs', actions: [], ignored: 'a copy of a run already handled' });
      expect(invoked).toHaveLength(1);
      const failing = finished('failed', { rerun: true, stoppedAt: '2026-11-28T06:10:00.000Z' });
      await exact(failing, { ...config, remindAfter: 3 });
      await exact(failing, { ...config, remindAfter: 3 });
      const { state } = await loadState(dynamodb, 'alerts', 'docs');
      expect(state).toMatchObject({ state: 'failing', failures: 1 });
      expect((await inbox()).map(m => m.Subject)).toEqual(['[cdk-sitespeed] docs is failing: failed']);
    });

    test('a late event of an older run never sends "recovered" after a newer failure, nor starts a confirmation run', async () => {
      await exact(finished('failed', { stoppedAt: '2026-11-28T07:00:00.000Z' }), { ...config, unconfirmedSites: ['docs'] });
      expect((await inbox()).map(m => m.Subject)).toEqual(['[cdk-sitespeed] docs is failing: failed']);
      const late = await exact(finished('ok', { stoppedAt: '2026-11-28T06:00:00.000Z' }));
      expect(late.ignored).toBe('older than the last run the state knows (stopped 2026-11-28T07:00:00.000Z)');
      await exact(finished('failed', { stoppedAt: '2026-11-28T05:00:00.000Z' }));
      expect(await inbox()).toEqual([]);
      expect(invoked).toEqual([]);
      expect((await loadState(dynamodb, 'alerts', 'docs')).state).toMatchObject({ state: 'failing' });
    });

    test('ten copies of one failure at once: one confirmation run; of a confirmed failure: one message (before: ten)', async () => {
      const failure = finished('budget failed', { stoppedAt: '2026-11-28T08:00:00.000Z' });
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => exact(failure)));
      expect(invoked).toHaveLength(1);
      expect(outcomes.filter(o => o.actions.includes('rerun'))).toHaveLength(1);
      const confirmed = finished('budget failed', { rerun: true, stoppedAt: '2026-11-28T08:05:00.000Z' });
      await Promise.all(Array.from({ length: 10 }, () => exact(confirmed)));
      expect((await inbox()).map(m => m.Subject)).toEqual(['[cdk-sitespeed] docs is failing: budget failed']);
    });

    test('a Slack publish that fails, then Lambda\'s retry: the e-mail goes once, Slack once (before: the e-mail twice)', async () => {
      const slackTopicArn = (await sns.send(new CreateTopicCommand({ Name: 'slack' }))).TopicArn!;
      const slackUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'chatbot2' }))).QueueUrl!;
      const slackArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: slackUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
      await sns.send(new SubscribeCommand({ TopicArn: slackTopicArn, Protocol: 'sqs', Endpoint: slackArn }));
      const flaky = new SNSClient(motoClientConfig());
      let refused = 0;
      flaky.middlewareStack.add((next: any) => async (call: any) => {
        if (call.input.TopicArn === slackTopicArn && refused++ === 0) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' });
        return next(call);
      }, { step: 'initialize' });
      const c = { ...config, slackTopicArn, unconfirmedSites: ['docs'] };
      const run = { ...finished('failed', { stoppedAt: '2026-11-28T09:00:00.000Z' }), taskArn };
      await expect(handleRunFinished({ ...clients(), sns: flaky }, c, run, l => logs.push(l))).rejects.toThrow('Rate exceeded');
      expect(await handleRunFinished({ ...clients(), sns: flaky }, c, run, l => logs.push(l))).toMatchObject({ actions: ['failing'] });
      expect((await inbox()).map(m => m.Subject)).toEqual(['[cdk-sitespeed] docs is failing: failed']);
      const slack = await sqs.send(new ReceiveMessageCommand({ QueueUrl: slackUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      expect(slack.Messages ?? []).toHaveLength(1);
      flaky.destroy();
    });

    test('deliveries an invocation saved and then died with are done by the next copy once the function\'s time has passed', async () => {
      const run = finished('failed', { stoppedAt: '2026-11-28T10:00:00.000Z' });
      const dying = new SNSClient(motoClientConfig());
      dying.middlewareStack.add(() => async () => { throw Object.assign(new Error('Task timed out'), { name: 'TimeoutError' }); }, { step: 'initialize' });
      const c = { ...config, unconfirmedSites: ['docs'] };
      await expect(handleRunFinished({ ...clients(), sns: dying }, c, { ...run, taskArn }, () => {})).rejects.toThrow();
      // As if it had died instead of saving its failure: the outbox is in flight, saved 2 minutes ago.
      const { state, version } = await loadState(dynamodb, 'alerts', 'docs');
      await saveState(dynamodb, 'alerts', { ...state!, outboxFailed: false, outboxSavedAt: new Date(Date.now() - 120_000).toISOString() }, version);
      expect(await exact(run, c)).toMatchObject({ actions: ['failing'], ignored: 'a copy of a run already handled' });
      expect((await inbox()).map(m => m.Subject)).toEqual(['[cdk-sitespeed] docs is failing: failed']);
      expect(await exact(run, c)).toMatchObject({ actions: [] });
      expect(await inbox()).toEqual([]);
      dying.destroy();
    });

    test('another run of the site handled while one still delivers: neither\'s deliveries are repeated later (each takes its own off the outbox)', async () => {
      let release!: () => void;
      const gate = new Promise<void>(r => { release = r; });
      let paused!: () => void;
      const pausedAt = new Promise<void>(r => { paused = r; });
      const slow = new SNSClient(motoClientConfig());
      slow.middlewareStack.add((next: any) => async (call: any) => { paused(); await gate; return next(call); }, { step: 'initialize' });
      const c = { ...config, unconfirmedSites: ['docs'] };
      const a = handleRunFinished({ ...clients(), sns: slow }, c, { ...finished('failed', { stoppedAt: '2026-11-28T12:00:00.000Z' }), taskArn }, () => {});
      await pausedAt;
      // B decides from A's saved state (failing) while A is still publishing.
      expect(await exact(finished('ok', { stoppedAt: '2026-11-28T12:10:00.000Z' }), c)).toMatchObject({ actions: ['recovered'] });
      release();
      expect(await a).toMatchObject({ actions: ['failing'] });
      expect((await loadState(dynamodb, 'alerts', 'docs')).state!.outbox).toEqual([]);
      // Minutes later, a third run: nothing left over to deliver again.
      const later = () => new Date(Date.now() + 600_000);
      await handleRunFinished(clients(), c, { ...finished('ok', { stoppedAt: '2026-11-28T12:20:00.000Z' }), taskArn }, () => {}, later);
      expect((await inbox()).map(m => m.Subject).sort()).toEqual(['[cdk-sitespeed] docs is failing: failed', '[cdk-sitespeed] docs recovered']);
      slow.destroy();
    });

    test('a corrupt state item is kept aside and the site starts again, logged (before: every alert of the site failed)', async () => {
      await dynamodb.send(new PutItemCommand({ TableName: 'alerts', Item: { site: { S: 'docs' }, state: { S: '{"site": "docs", "state": ' }, version: { N: '4' } } }));
      expect(await exact(finished('failed', { stoppedAt: '2026-11-28T11:00:00.000Z' }), { ...config, unconfirmedSites: ['docs'] })).toMatchObject({ actions: ['failing'] });
      const kept = logs.find((l: any) => l.stateKept) as any;
      expect(kept.stateKept).toMatch(/^#kept\/docs\/2\d{3}-/);
      const aside = await dynamodb.send(new GetItemCommand({ TableName: 'alerts', Key: { site: { S: kept.stateKept } } }));
      expect(aside.Item!.state.S).toBe('{"site": "docs", "state": ');
    });

    test('an event of a site the cluster does not have, or with a status the schema does not know, is refused naming it, not alerted', async () => {
      await expect(exact(finished('failed', { site: 'blog' }))).rejects.toThrow('the event\'s detail.site "blog" is not a site of this cluster (docs): not alerted');
      await expect(exact(finished('great' as any))).rejects.toThrow('the event\'s detail.status is "great"; expected one of ok, budget failed, failed, no report, not started: not alerted');
      expect(await inbox()).toEqual([]);
      expect(invoked).toEqual([]);
    });
  });

  describe('the hourly sweep', () => {
    const sweepConfig = () => ({ ...config, staleAfter: { docs: 420 }, autoScalingGroup: 'sitespeed-asg' });
    beforeEach(async () => {
      await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'lt', LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 'c5.large' } }));
      await autoScaling.send(new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'sitespeed-asg',
        LaunchTemplate: { LaunchTemplateName: 'lt', Version: '$Latest' },
        MinSize: 0,
        MaxSize: 2,
        DesiredCapacity: 0,
        AvailabilityZones: ['us-east-1a'],
      }));
    });

    test('a site with no finished run for longer than its schedule allows: one message, then silence, then "running again"', async () => {
      await handle(finished('ok', { stoppedAt: '2026-11-28T05:03:40.000Z' }));
      const later = (hours: number) => new Date(Date.parse('2026-11-28T05:03:40.000Z') + hours * 3600_000);
      expect(await sweep(clients(), sweepConfig(), later(6), () => {})).toEqual({ stale: [], strays: [] });
      expect(await sweep(clients(), sweepConfig(), later(8), () => {})).toEqual({ stale: ['docs'], strays: [] });
      const [message] = await inbox();
      expect(message.Subject).toBe('[cdk-sitespeed] docs has not finished a run since 2026-11-28 05:03 UTC');
      expect(message.Message).toContain('its schedule allows 7 h at most between runs');
      expect(await sweep(clients(), sweepConfig(), later(20), () => {})).toEqual({ stale: [], strays: [] });
      expect(await inbox()).toEqual([]);
      await handle(finished('ok', { stoppedAt: later(21).toISOString() }));
      expect((await inbox()).map(m => m.Subject)).toEqual(['[cdk-sitespeed] docs is running again']);
    });

    test('an instance in service that never joins the cluster: alerted once, at the first sweep an hour after it was seen', async () => {
      await autoScaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'sitespeed-asg', DesiredCapacity: 1 }));
      const group = (await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['sitespeed-asg'] }))).AutoScalingGroups![0];
      const stray = group.Instances![0].InstanceId!;
      const now = new Date();
      expect((await sweep(clients(), sweepConfig(), now, () => {})).strays).toEqual([]);
      expect((await sweep(clients(), sweepConfig(), new Date(now.getTime() + 3600_000), () => {})).strays).toEqual([stray]);
      const [message, ...more] = await inbox();
      expect(more).toEqual([]);
      expect(message.Subject).toBe(`[cdk-sitespeed] ${stray} never joined sitespeed`);
      expect(message.Message).toContain('/var/log/ecs/ecs-init.log');
      expect((await sweep(clients(), sweepConfig(), new Date(now.getTime() + 2 * 3600_000), () => {})).strays).toEqual([]);
      expect(await inbox()).toEqual([]);
    });
  });
});
