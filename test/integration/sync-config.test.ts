import { AutoScalingClient, CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { syncInstances } from '../../lambda-src/sync-config/sync-instances';
import { motoClientConfig, resetMoto } from '../harness/moto';

// syncConfig against real EC2, Auto Scaling and SSM APIs (moto): the Auto Scaling group tags its
// instances itself, as on AWS; moto records SendCommand without running it. moto 5.2 adds every
// instance of the account to a command sent without Targets (ssm/models.py
// _get_instance_ids_from_targets with empty filters), so the instance ids are read from what the
// client sent, and moto's record confirms that each command was accepted.
describe('syncConfig on moto_server', () => {
  const ec2 = new EC2Client(motoClientConfig());
  const ssm = new SSMClient(motoClientConfig());
  const sent: Array<{ InstanceIds: string[]; DocumentName: string; Parameters: any }> = [];
  ssm.middlewareStack.add(next => async args => {
    if ((args.input as any).DocumentName) sent.push(args.input as any);
    return next(args);
  }, { step: 'initialize', name: 'recordSendCommand' });
  const autoscaling = new AutoScalingClient(motoClientConfig());
  const config = { autoScalingGroupName: 'sitespeed-asg', bucket: 'cfg', prefix: 'config/', command: '/usr/local/bin/sitespeed-sync-config' };
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
    }));
  }

  async function recordedCommandIds(): Promise<string[]> {
    const listed = await ssm.send(new ListCommandsCommand({}));
    return (listed.Commands ?? []).map(c => c.CommandId!).sort();
  }

  /** The group's instances as the Auto Scaling API tells them: the expectation, from another source. */
  async function groupInstanceIds(): Promise<string[]> {
    const groups = await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['sitespeed-asg'] }));
    return (groups.AutoScalingGroups?.[0]?.Instances ?? []).map(i => i.InstanceId!).sort();
  }

  beforeEach(async () => { await resetMoto(); sent.length = 0; });
  afterAll(() => { ec2.destroy(); ssm.destroy(); autoscaling.destroy(); });

  test('an S3 event sends the sync command to this group\'s running instances only', async () => {
    await group('sitespeed-asg', 3);
    await group('other-asg', 2);
    await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1 })); // untagged
    const ours = await groupInstanceIds();
    expect(ours).toHaveLength(3);
    const outcome = await syncInstances(ec2, ssm, event, config);
    expect(outcome.instances).toBe(3);
    expect(sent).toHaveLength(1);
    expect(sent[0].DocumentName).toBe('AWS-RunShellScript');
    expect(sent[0].Parameters).toEqual({ commands: ['/usr/local/bin/sitespeed-sync-config'] });
    expect([...sent[0].InstanceIds].sort()).toEqual(ours);
    expect(await recordedCommandIds()).toEqual([...outcome.commandIds].sort());
  });

  test('no instances: nothing is sent', async () => {
    await group('other-asg', 2);
    expect(await syncInstances(ec2, ssm, event, config)).toEqual({ key: 'config/urls/shop.txt', instances: 0, commandIds: [] });
    expect(sent).toEqual([]);
    expect(await recordedCommandIds()).toEqual([]);
  });

  test('many instances are sent in batches of 50', async () => {
    await group('sitespeed-asg', 60);
    const outcome = await syncInstances(ec2, ssm, event, config);
    expect(outcome.instances).toBe(60);
    expect(sent.map(c => c.InstanceIds.length)).toEqual([50, 10]);
    expect(sent.flatMap(c => c.InstanceIds).sort()).toEqual(await groupInstanceIds());
    expect(await recordedCommandIds()).toEqual([...outcome.commandIds].sort());
    expect(outcome.commandIds).toHaveLength(2);
  });
});
