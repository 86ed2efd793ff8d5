import { SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { syncConfigFromEnv, syncInstances } from '../../lambda-src/sync-config/sync-instances';
import { handler } from '../../lambda-src/sync-config.lambda';

const ssm = mockClient(SSMClient);
const config = { clusterTag: 'c8cluster', bucket: 'cfg', prefix: 'config/', command: '/usr/local/bin/sitespeed-sync-config' };
const event = (key: string, bucket = 'cfg') => ({ 'detail-type': 'Object Created', 'detail': { bucket: { name: bucket }, object: { key } } });

beforeEach(() => { ssm.reset(); ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } }); });

test('one Run Command targets the cluster\'s own instance tag, to every instance whatever the others\' outcome', async () => {
  const outcome = await syncInstances(new SSMClient({}), event('config/urls/shop.txt'), config);
  expect(outcome).toEqual({ key: 'config/urls/shop.txt', commandId: 'cmd-1' });
  expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(1);
  expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input).toEqual({
    DocumentName: 'AWS-RunShellScript',
    Targets: [{ Key: 'tag:cdk-sitespeed:cluster', Values: ['c8cluster'] }],
    Parameters: { commands: ['/usr/local/bin/sitespeed-sync-config'] },
    Comment: 'cdk-sitespeed config sync after config/urls/shop.txt',
    TimeoutSeconds: 600,
    MaxConcurrency: '100%',
    MaxErrors: '100%',
  });
});

test('a long key is cut to the 100 characters SendCommand allows in a comment', async () => {
  await syncInstances(new SSMClient({}), event(`config/${'x'.repeat(200)}`), config);
  expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input.Comment).toHaveLength(100);
});

test('changes outside the prefix or in another bucket are ignored without calls', async () => {
  for (const e of [event('reports/x'), event('config/a', 'other-bucket')]) {
    const outcome = await syncInstances(new SSMClient({}), e, config);
    expect(outcome.ignored).toMatch(/^not under s3:\/\/cfg\/config\//);
  }
  expect(ssm.calls()).toHaveLength(0);
});

test('an event that is not an S3 object event is an error, and so is a command without an id', async () => {
  await expect(syncInstances(new SSMClient({}), { detail: {} }, config)).rejects.toThrow('not an S3 object event');
  ssm.on(SendCommandCommand).resolves({});
  await expect(syncInstances(new SSMClient({}), event('config/a'), config)).rejects.toThrow('SendCommand returned no command id');
});

test('the handler logs its outcome, logs and rethrows errors, and fails loudly without its environment', async () => {
  const env = process.env;
  process.env = { ...env, CLUSTER_TAG_VALUE: 'c8cluster', CONFIG_BUCKET: 'cfg', CONFIG_PREFIX: 'config/', SYNC_COMMAND: config.command };
  const log = jest.spyOn(console, 'log').mockImplementation(() => {});
  const error = jest.spyOn(console, 'error').mockImplementation(() => {});
  try {
    await handler(event('config/a'));
    expect(JSON.parse(log.mock.calls[0][0])).toEqual({ key: 'config/a', commandId: 'cmd-1' });
    ssm.on(SendCommandCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    await expect(handler(event('config/a'))).rejects.toThrow('not authorized');
    expect(JSON.parse(error.mock.calls[0][0])).toEqual({ error: 'AccessDeniedException', message: 'not authorized' });
  } finally {
    log.mockRestore();
    error.mockRestore();
    process.env = env;
  }
  expect(() => syncConfigFromEnv({})).toThrow('environment variable CLUSTER_TAG_VALUE is not set');
});
