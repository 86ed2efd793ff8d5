import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { syncConfigFromEnv, syncInstances } from '../../lambda-src/sync-config/sync-instances';
import { handler } from '../../lambda-src/sync-config.lambda';

const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
const config = { autoScalingGroupName: 'sitespeed-asg', bucket: 'cfg', prefix: 'config/', command: '/usr/local/bin/sitespeed-sync-config' };
const event = (key: string, bucket = 'cfg') => ({ 'detail-type': 'Object Created', 'detail': { bucket: { name: bucket }, object: { key } } });
const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `i-${String(from + i).padStart(4, '0')}`);
const page = (instances: string[], NextToken?: string) => ({
  Reservations: [{ Instances: instances.map(InstanceId => ({ InstanceId })) }],
  NextToken,
});

beforeEach(() => { ec2.reset(); ssm.reset(); ssm.on(SendCommandCommand).callsFake(input => ({ Command: { CommandId: `cmd-${input.InstanceIds[0]}` } })); });

test('runs the sync command on the running instances of the Auto Scaling group', async () => {
  ec2.on(DescribeInstancesCommand).resolves(page(['i-1', 'i-2']));
  const outcome = await syncInstances(new EC2Client({}), new SSMClient({}), event('config/urls/shop.txt'), config);
  expect(outcome).toEqual({ key: 'config/urls/shop.txt', instances: 2, commandIds: ['cmd-i-1'] });
  expect(ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters).toEqual([
    { Name: 'tag:aws:autoscaling:groupName', Values: ['sitespeed-asg'] },
    { Name: 'instance-state-name', Values: ['running'] },
  ]);
  expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input).toEqual({
    DocumentName: 'AWS-RunShellScript',
    InstanceIds: ['i-1', 'i-2'],
    Parameters: { commands: ['/usr/local/bin/sitespeed-sync-config'] },
    Comment: 'cdk-sitespeed config sync after config/urls/shop.txt',
    TimeoutSeconds: 600,
  });
});

test('reads every page of instances and sends at most 50 ids per command', async () => {
  ec2.on(DescribeInstancesCommand).resolvesOnce(page(ids(70), 'next')).resolvesOnce(page(ids(50, 70)));
  const outcome = await syncInstances(new EC2Client({}), new SSMClient({}), event('config/a'), config);
  expect(outcome.instances).toBe(120);
  expect(ec2.commandCalls(DescribeInstancesCommand)[1].args[0].input.NextToken).toBe('next');
  const batches = ssm.commandCalls(SendCommandCommand).map(c => c.args[0].input.InstanceIds!);
  expect(batches.map(b => b.length)).toEqual([50, 50, 20]);
  expect(batches.flat()).toEqual(ids(120));
});

test('no running instance: nothing to send, and success', async () => {
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  const outcome = await syncInstances(new EC2Client({}), new SSMClient({}), event('config/a'), config);
  expect(outcome).toEqual({ key: 'config/a', instances: 0, commandIds: [] });
  expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
});

test('changes outside the prefix or in another bucket are ignored without calls', async () => {
  for (const e of [event('reports/x'), event('config/a', 'other-bucket')]) {
    const outcome = await syncInstances(new EC2Client({}), new SSMClient({}), e, config);
    expect(outcome.ignored).toMatch(/^not under s3:\/\/cfg\/config\//);
  }
  expect(ec2.calls()).toHaveLength(0);
});

test('an event that is not an S3 object event is an error', async () => {
  await expect(syncInstances(new EC2Client({}), new SSMClient({}), { detail: {} }, config)).rejects.toThrow('not an S3 object event');
});

test('the handler logs that idle clusters sync at boot, and fails loudly without its environment', async () => {
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  const env = process.env;
  process.env = { ...env, AUTO_SCALING_GROUP_NAME: 'sitespeed-asg', CONFIG_BUCKET: 'cfg', CONFIG_PREFIX: 'config/', SYNC_COMMAND: config.command };
  const log = jest.spyOn(console, 'log').mockImplementation(() => {});
  await handler(event('config/a'));
  expect(JSON.parse(log.mock.calls[0][0])).toEqual({ key: 'config/a', instances: 0, commandIds: [], note: 'no running instance; they sync at boot' });
  log.mockRestore();
  process.env = env;
  expect(() => syncConfigFromEnv({})).toThrow('environment variable AUTO_SCALING_GROUP_NAME is not set');
});
