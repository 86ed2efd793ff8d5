import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand, StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { BadRequestError, RunnerConfig } from '../../lambda-src/run-task/request';
import { runSite } from '../../lambda-src/run-task/run-site';
import { handler } from '../../lambda-src/run-task.lambda';
import { motoClientConfig, resetMoto } from '../harness/moto';

// The runTask logic against a real ECS API (moto): a cluster with one registered EC2 instance,
// and the task reserving the whole instance, as SitespeedCluster does.
describe('runTask on moto_server', () => {
  const ecs = new ECSClient(motoClientConfig());
  const ec2 = new EC2Client(motoClientConfig());
  let config: RunnerConfig;
  const request = { site: 'shop', args: ['https://shop.example.com/', '--browsertime.iterations', '5', '--slug', 'shop'] };

  beforeEach(async () => {
    await resetMoto();
    const cluster = await ecs.send(new CreateClusterCommand({ clusterName: 'sitespeed' }));
    const instance = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1, InstanceType: 'c5.large' }));
    const instanceId = instance.Instances![0].InstanceId!;
    await ecs.send(new RegisterContainerInstanceCommand({
      cluster: 'sitespeed',
      instanceIdentityDocument: JSON.stringify({ instanceId, region: 'us-east-1' }),
      totalResources: [
        { name: 'CPU', type: 'INTEGER', integerValue: 2048 },
        { name: 'MEMORY', type: 'INTEGER', integerValue: 3700 },
      ],
    }));
    const taskDefinition = await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'sitespeed',
      networkMode: 'bridge',
      // No requiresCompatibilities: moto then demands a hard memory limit, which ECS does not
      // (SitespeedCluster sets only the reservation, so browsers may use the whole instance).
      containerDefinitions: [{ name: 'sitespeed', image: 'sitespeedio/sitespeed.io:42.7.0', cpu: 2048, memoryReservation: 3584, essential: true }],
    }));
    config = {
      cluster: cluster.cluster!.clusterArn!,
      taskDefinition: taskDefinition.taskDefinition!.taskDefinitionArn!,
      capacityProvider: 'sitespeed-cp',
      containerName: 'sitespeed',
      provisioningLimitMinutes: 30,
    };
  });

  afterAll(() => { ecs.destroy(); ec2.destroy(); });

  async function tasksOf(site: string) {
    const listed = await ecs.send(new ListTasksCommand({ cluster: config.cluster, startedBy: `sitespeed/${site}` }));
    if (!listed.taskArns?.length) return [];
    const described = await ecs.send(new DescribeTasksCommand({ cluster: config.cluster, tasks: listed.taskArns, include: ['TAGS'] }));
    return described.tasks ?? [];
  }

  test('a run starts one task with the args as the command and the site in startedBy and tags', async () => {
    const outcome = await runSite(ecs, request, config);
    expect(outcome).toEqual({ site: 'shop', started: expect.stringContaining(':task/') });
    const tasks = await tasksOf('shop');
    expect(tasks).toHaveLength(1);
    expect(tasks[0].taskArn).toBe((outcome as { started: string }).started);
    expect(tasks[0].overrides?.containerOverrides).toEqual([{ name: 'sitespeed', command: request.args }]);
    expect(tasks[0].tags).toEqual([{ key: 'sitespeed:site', value: 'shop' }]);
  });

  test('a second run while the first is RUNNING is skipped; after it stops, the next one starts', async () => {
    const first = await runSite(ecs, request, config) as { started: string };
    const second = await runSite(ecs, request, config);
    // moto walks lastStatus forward on every describe; the skip rests on desiredStatus RUNNING.
    expect(second).toEqual({ site: 'shop', skipped: 'previous run still in progress', running: [expect.stringMatching(new RegExp(`^${first.started} [A-Z]+$`))] });
    expect(await tasksOf('shop')).toHaveLength(1);

    await ecs.send(new StopTaskCommand({ cluster: config.cluster, task: first.started, reason: 'test: run finished' }));
    const third = await runSite(ecs, request, config) as { started: string };
    expect(third.started).toBeDefined();
    expect(third.started).not.toBe(first.started);
  });

  test('another site is not held back by a running one', async () => {
    const shop = await runSite(ecs, request, config) as { started: string };
    // (On AWS, blog's task would wait in PROVISIONING for a second instance; moto places it.)
    const blog = await runSite(ecs, { site: 'blog', args: ['https://blog.example.com/', '--slug', 'blog'] }, config) as { started: string };
    expect(blog.started).toBeDefined();
    expect((await tasksOf('blog')).map(t => t.taskArn)).toEqual([blog.started]);
    expect((await tasksOf('shop')).map(t => t.taskArn)).toEqual([shop.started]);
  });

  test('bad input starts nothing', async () => {
    process.env.CLUSTER_ARN = config.cluster;
    process.env.TASK_DEFINITION_ARN = config.taskDefinition;
    process.env.CAPACITY_PROVIDER = config.capacityProvider;
    process.env.CONTAINER_NAME = config.containerName;
    const errors = jest.spyOn(console, 'error').mockImplementation(() => {});
    await expect(handler({ site: 'shop', args: '/start.sh,https://shop.example.com/' })).rejects.toThrow(BadRequestError);
    errors.mockRestore();
    expect((await ecs.send(new ListTasksCommand({ cluster: config.cluster }))).taskArns).toEqual([]);
  });
});
