import * as http from 'http';
import {
  AutoScalingClient, CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand, ECSClient, ListTasksCommand, RegisterContainerInstanceCommand, RegisterTaskDefinitionCommand, RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { drainGroup, DrainClock } from '../../lambda-src/cluster-teardown/drain-group';
import { answerCloudFormation, CustomResourceEvent } from '../../lambda-src/shared/cfn-response';
import { motoClientConfig, motoEndpoint, resetMoto } from '../harness/moto';

// The teardown that makes `cdk destroy` complete, against moto's Auto Scaling, EC2 and ECS: a
// group whose instances are protected from scale-in (as ECS managed termination protection
// leaves them) and a cluster with a running task.
describe('cluster teardown on moto_server', () => {
  const autoScaling = new AutoScalingClient(motoClientConfig());
  const ec2 = new EC2Client(motoClientConfig());
  const ecs = new ECSClient(motoClientConfig());
  const config = { groupName: 'sitespeed-asg', clusterArn: '' };
  const clock: DrainClock = { remainingMs: () => 60_000, sleep: async () => {}, pollMs: 1 };

  beforeEach(async () => {
    await resetMoto();
    await ec2.send(new CreateLaunchTemplateCommand({
      LaunchTemplateName: 'sitespeed', LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 'c5.large' },
    }));
    await autoScaling.send(new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: config.groupName,
      LaunchTemplate: { LaunchTemplateName: 'sitespeed', Version: '$Latest' },
      MinSize: 0,
      MaxSize: 2,
      DesiredCapacity: 2,
      AvailabilityZones: ['us-east-1a'],
      NewInstancesProtectedFromScaleIn: true,
    }));
    const cluster = await ecs.send(new CreateClusterCommand({ clusterName: 'sitespeed' }));
    (config as { clusterArn: string }).clusterArn = cluster.cluster!.clusterArn!;
  });

  afterAll(() => { autoScaling.destroy(); ec2.destroy(); ecs.destroy(); });

  const group = async () => {
    const described = await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [config.groupName] }));
    return described.AutoScalingGroups![0];
  };

  async function startTask(): Promise<void> {
    const instance = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1, InstanceType: 'c5.large' }));
    await ecs.send(new RegisterContainerInstanceCommand({
      cluster: 'sitespeed',
      instanceIdentityDocument: JSON.stringify({ instanceId: instance.Instances![0].InstanceId, region: 'us-east-1' }),
      totalResources: [{ name: 'CPU', type: 'INTEGER', integerValue: 2048 }, { name: 'MEMORY', type: 'INTEGER', integerValue: 3700 }],
    }));
    const definition = await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'sitespeed',
      containerDefinitions: [{ name: 'sitespeed', image: 'sitespeedio/sitespeed.io:42.7.0', cpu: 2048, memory: 3584, essential: true }],
    }));
    await ecs.send(new RunTaskCommand({ cluster: 'sitespeed', taskDefinition: definition.taskDefinition!.taskDefinitionArn!, startedBy: 'sitespeed/shop' }));
  }

  test('the problem, as CloudFormation meets it: a protected group asked for 0 instances keeps them', async () => {
    expect((await group()).Instances!.map(i => i.ProtectedFromScaleIn)).toEqual([true, true]);
    await autoScaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: config.groupName, MinSize: 0, MaxSize: 0, DesiredCapacity: 0 }));
    expect((await group()).Instances).toHaveLength(2);
  });

  test('the drain stops the cluster\'s tasks, suspends what adds instances, unprotects and empties the group', async () => {
    await startTask();
    const outcome = await drainGroup(autoScaling, ecs, config, clock);
    expect(outcome).toEqual({ group: config.groupName, instancesAtStart: 2, tasksStopped: 1, protectionRemoved: 2, instancesLeft: 0, polls: 1 });
    const after = await group();
    expect(after.Instances).toEqual([]);
    expect([after.MinSize, after.MaxSize, after.DesiredCapacity]).toEqual([0, 0, 0]);
    expect(after.SuspendedProcesses!.map(p => p.ProcessName).sort()).toEqual(['AZRebalance', 'AlarmNotification', 'Launch', 'ReplaceUnhealthy', 'ScheduledActions']);
    expect((await ecs.send(new ListTasksCommand({ cluster: 'sitespeed', desiredStatus: 'RUNNING' }))).taskArns).toEqual([]);
  });

  test('an instance still launching is left protected until it is InService (SetInstanceProtection refuses it), then unprotected', async () => {
    // moto accepts any state; AWS answers ValidationError for an instance not InService,
    // EnteringStandby or Standby (Auto Scaling API reference, SetInstanceProtection): mirrored here.
    const launching = new AutoScalingClient(motoClientConfig());
    let polls = 0;
    const refused: string[] = [];
    const pending = async () => (await group()).Instances![0].InstanceId!;
    const first = await pending();
    launching.middlewareStack.add(next => async (args: any) => {
      if (args.input.InstanceIds && args.input.ProtectedFromScaleIn === false && polls < 2 && args.input.InstanceIds.includes(first)) {
        refused.push(first);
        throw Object.assign(new Error(`The instance ${first} is not in InService or EnteringStandby or Standby.`), { name: 'ValidationError' });
      }
      const result: any = await next(args);
      const described = result.output?.AutoScalingGroups?.[0];
      if (described && polls < 2) described.Instances.find((i: any) => i.InstanceId === first).LifecycleState = 'Pending';
      return result;
    }, { step: 'initialize' });
    const outcome = await drainGroup(launching, ecs, config, { remainingMs: () => 60_000, sleep: async () => { polls++; }, pollMs: 1 });
    // Before: the first call named the pending instance, AWS refused the whole call and the drain failed.
    expect(refused).toEqual([]);
    expect(outcome).toMatchObject({ instancesAtStart: 2, protectionRemoved: 2, instancesLeft: 0 });
    expect(outcome.polls).toBeGreaterThanOrEqual(3);
    launching.destroy();
  });

  test('a ValidationError because an instance changed state between describe and call waits for the next poll', async () => {
    const racing = new AutoScalingClient(motoClientConfig());
    let calls = 0;
    racing.middlewareStack.add(next => async (args: any) => {
      if (args.input.InstanceIds && args.input.ProtectedFromScaleIn === false && calls++ === 0) {
        throw Object.assign(new Error('The instance i-x is not in InService or EnteringStandby or Standby.'), { name: 'ValidationError' });
      }
      return next(args);
    }, { step: 'initialize' });
    const outcome = await drainGroup(racing, ecs, config, clock);
    expect(outcome).toMatchObject({ protectionRemoved: 2, instancesLeft: 0, polls: 2 });
    racing.destroy();
  });

  test('a group already gone is nothing to do', async () => {
    expect(await drainGroup(autoScaling, ecs, { ...config, groupName: 'gone' }, clock))
      .toEqual({ group: 'gone', missing: true, instancesAtStart: 0, tasksStopped: 0, protectionRemoved: 0, instancesLeft: 0, polls: 0 });
  });

  test('out of time, it answers with the instances left rather than waiting past the function\'s end', async () => {
    // A stand-in for a group whose instances take long to terminate: describe keeps showing one.
    const slow = new AutoScalingClient(motoClientConfig());
    slow.middlewareStack.add(next => async args => {
      const result: any = await next(args);
      if (result.output?.AutoScalingGroups?.[0]) result.output.AutoScalingGroups[0].Instances = [{ InstanceId: 'i-slow', ProtectedFromScaleIn: false }];
      return result;
    }, { step: 'initialize' });
    let remaining = 3;
    const sleeps: number[] = [];
    const outcome = await drainGroup(slow, ecs, config, { remainingMs: () => remaining--, sleep: async ms => { sleeps.push(ms); }, pollMs: 2 });
    expect(outcome).toMatchObject({ instancesLeft: 1, polls: 3 });
    expect(sleeps).toEqual([2, 2]);
    slow.destroy();
  });
});

describe('answering CloudFormation', () => {
  let server: http.Server;
  let received: { method?: string; contentType?: string; body: any }[] = [];
  let url = '';

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', d => (body += d));
      req.on('end', () => {
        received.push({ method: req.method, contentType: req.headers['content-type'], body: JSON.parse(body) });
        res.end();
      });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as any).port}/presigned?X-Amz-Signature=abc`;
  });
  beforeEach(() => { received = []; });
  afterAll(() => new Promise<void>(resolve => server.close(() => resolve())));

  const event = (type: CustomResourceEvent['RequestType']): CustomResourceEvent => ({
    RequestType: type,
    ResponseURL: url,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/prod-Sitespeed/1',
    RequestId: 'r-1',
    LogicalResourceId: 'SitespeedTeardown',
    PhysicalResourceId: type === 'Create' ? undefined : 'teardown:asg',
  });

  test('success: the outcome is the reason, the physical id kept, PUT without a content type', async () => {
    const response = await answerCloudFormation(event('Delete'), 'teardown:new', async () => ({ instancesLeft: 0 }));
    expect(received).toEqual([{ method: 'PUT', contentType: '', body: response }]);
    expect(response).toEqual({
      Status: 'SUCCESS',
      Reason: '{"instancesLeft":0}',
      PhysicalResourceId: 'teardown:asg',
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/prod-Sitespeed/1',
      RequestId: 'r-1',
      LogicalResourceId: 'SitespeedTeardown',
    });
  });

  test('a failure is answered too (CloudFormation would otherwise wait an hour), with the error as the reason', async () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => {});
    const response = await answerCloudFormation(event('Create'), 'teardown:new', async () => { throw new Error('AccessDenied on SetInstanceProtection'); });
    spy.mockRestore();
    expect(received.map(r => r.body)).toEqual([response]);
    expect(response).toMatchObject({ Status: 'FAILED', Reason: 'Error: AccessDenied on SetInstanceProtection', PhysicalResourceId: 'teardown:new' });
  });

  test('the handler: create and update touch nothing; delete drains the group named in its environment', async () => {
    await resetMoto();
    const env = { ...process.env };
    Object.assign(process.env, {
      GROUP_NAME: 'gone-already',
      CLUSTER_ARN: 'arn:aws:ecs:us-east-1:123456789012:cluster/sitespeed',
      AWS_ENDPOINT_URL: motoEndpoint(),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    });
    try {
      // Loaded here: its SDK clients read the endpoint and credentials from the environment.
      let handler!: typeof import('../../lambda-src/cluster-teardown.lambda').handler;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      jest.isolateModules(() => { handler = require('../../lambda-src/cluster-teardown.lambda').handler; });
      const context = { getRemainingTimeInMillis: () => 900_000 };
      expect(await handler(event('Create'), context)).toMatchObject({ Status: 'SUCCESS', Reason: '{"create":"nothing to do until the stack is deleted"}' });
      expect(await handler(event('Delete'), context)).toMatchObject({
        Status: 'SUCCESS', Reason: expect.stringContaining('"group":"gone-already","missing":true'),
      });
      expect(received.map(r => r.body.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    } finally {
      process.env = env;
    }
  });
});
