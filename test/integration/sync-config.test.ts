import { AutoScalingClient, CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { syncInstances } from '../../lambda-src/sync-config/sync-instances';
import { motoClientConfig, resetMoto } from '../harness/moto';

// syncConfig against real EC2, Auto Scaling and SSM APIs (moto): the Auto Scaling group puts the
// cluster's own tag on its instances at launch (PropagateAtLaunch, as SitespeedCluster sets it),
// and moto resolves a command's tag targets to instances with EC2's own tag filter
// (ssm/models.py _get_instance_ids_from_targets), as Systems Manager does. moto records the
// command without running it.
describe('syncConfig on moto_server', () => {
  const ec2 = new EC2Client(motoClientConfig());
  const ssm = new SSMClient(motoClientConfig());
  const autoscaling = new AutoScalingClient(motoClientConfig());
  const config = { clusterTag: 'c8cluster', bucket: 'cfg', prefix: 'config/', command: '/usr/local/bin/sitespeed-sync-config' };
  const event = { 'detail-type': 'Object Created', 'detail': { bucket: { name: 'cfg' }, object: { key: 'config/urls/shop.txt' } } };

  async function group(name: string, size: number): Promise<void> {
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: `${name}-lt`, LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 'c5.large' } }));
    await autoscaling.send(new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      MinSize: size,
      MaxSize: size,
      DesiredCapacity: size,
      LaunchTemplate: { LaunchTemplateName: `${name}-lt` },
      AvailabilityZones: ['us-east-1a'],
      // Each group is a cluster of its own, with the cluster tag's value of its own.
      Tags: [{ Key: 'cdk-sitespeed:cluster', Value: name === 'sitespeed-asg' ? 'c8cluster' : `c8${name}`, PropagateAtLaunch: true }],
    }));
  }

  /** The commands moto recorded, with the instances it resolved each one's targets to. */
  async function recordedCommands(): Promise<Array<{ id: string; instances: string[]; document: string; commands: string[] }>> {
    const listed = await ssm.send(new ListCommandsCommand({}));
    return (listed.Commands ?? []).map(c => ({
      id: c.CommandId!,
      instances: [...(c.InstanceIds ?? [])].sort(),
      document: c.DocumentName!,
      commands: c.Parameters?.commands ?? [],
    }));
  }

  /** The group's instances as the Auto Scaling API tells them: the expectation, from another source. */
  async function groupInstanceIds(): Promise<string[]> {
    const groups = await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['sitespeed-asg'] }));
    return (groups.AutoScalingGroups?.[0]?.Instances ?? []).map(i => i.InstanceId!).sort();
  }

  beforeEach(async () => { await resetMoto(); });
  afterAll(() => { ec2.destroy(); ssm.destroy(); autoscaling.destroy(); });

  test('an S3 event sends one sync command that reaches this group\'s instances only', async () => {
    await group('sitespeed-asg', 3);
    await group('other-asg', 2);
    await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1 })); // untagged
    const ours = await groupInstanceIds();
    expect(ours).toHaveLength(3);
    const outcome = await syncInstances(ssm, event, config);
    expect(await recordedCommands()).toEqual([{
      id: outcome.commandId,
      instances: ours,
      document: 'AWS-RunShellScript',
      commands: ['/usr/local/bin/sitespeed-sync-config'],
    }]);
  });

  test('no instance in the group: the command is accepted and reaches none', async () => {
    await group('other-asg', 2);
    const outcome = await syncInstances(ssm, event, config);
    expect(await recordedCommands()).toEqual([expect.objectContaining({ id: outcome.commandId, instances: [] })]);
  });

  test('60 instances (more than the 50 ids one command may list) are reached by the one command', async () => {
    await group('sitespeed-asg', 60);
    const outcome = await syncInstances(ssm, event, config);
    const recorded = await recordedCommands();
    expect(recorded).toHaveLength(1);
    expect(recorded[0].id).toBe(outcome.commandId);
    expect(recorded[0].instances).toEqual(await groupInstanceIds());
    expect(recorded[0].instances).toHaveLength(60);
  });
});
