import { SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { CLUSTER_TAG } from '../../src/contract/site-names';
import { requiredEnv } from '../shared/handler';

/** Where the syncConfig Lambda looks: its environment, set by the construct. */
export interface SyncConfig {
  /** The value of the cluster's own tag (CLUSTER_TAG) on its instances. */
  readonly clusterTag: string;
  readonly bucket: string;
  readonly prefix: string;
  /** The command the instances run: the same script their boot ran. */
  readonly command: string;
}

export interface SyncOutcome {
  readonly key?: string;
  readonly ignored?: string;
  /** The Run Command that syncs the group's instances; absent when ignored. */
  readonly commandId?: string;
}


/** The bucket and key of an EventBridge "Object Created/Deleted" event, or why it is not one. */
export function objectOf(event: any): { bucket: string; key: string } | { invalid: string } {
  const bucket = event?.detail?.bucket?.name;
  const key = event?.detail?.object?.key;
  if (typeof bucket !== 'string' || typeof key !== 'string') {
    return { invalid: 'not an S3 object event: detail.bucket.name and detail.object.key are required' };
  }
  return { bucket, key };
}

/**
 * Runs the config sync on the cluster's instances after a change under the config prefix, with
 * one Run Command that targets the cluster's own instance tag: Systems Manager resolves the
 * instances itself, any number of them, so the function needs no EC2 API (and no account-wide
 * ec2:DescribeInstances). With no instance running the command simply has no target. Repeats are
 * harmless: the sync mirrors the prefix and serializes itself on the instance, so a burst of
 * events ends with the folder current.
 *
 * Tag targets for Run Command: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_Target.html
 * MaxErrors defaults to 0, which stops sending after the first failing instance:
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html
 */
export async function syncInstances(ssm: SSMClient, event: unknown, config: SyncConfig): Promise<SyncOutcome> {
  const object = objectOf(event);
  if ('invalid' in object) throw new Error(object.invalid);
  if (object.bucket !== config.bucket || !object.key.startsWith(config.prefix)) {
    return { key: object.key, ignored: `not under s3://${config.bucket}/${config.prefix}` };
  }
  const result = await ssm.send(new SendCommandCommand({
    DocumentName: 'AWS-RunShellScript',
    Targets: [{ Key: `tag:${CLUSTER_TAG}`, Values: [config.clusterTag] }],
    Parameters: { commands: [config.command] },
    Comment: `cdk-sitespeed config sync after ${object.key}`.slice(0, 100),
    TimeoutSeconds: 600,
    // Every instance gets the sync, whatever another one's outcome.
    MaxConcurrency: '100%',
    MaxErrors: '100%',
  }));
  const commandId = result.Command?.CommandId;
  if (!commandId) throw new Error('SendCommand returned no command id');
  return { key: object.key, commandId };
}

export function syncConfigFromEnv(env: NodeJS.ProcessEnv): SyncConfig {
  const get = (name: string) => requiredEnv(env, name);
  return {
    clusterTag: get('CLUSTER_TAG_VALUE'),
    bucket: get('CONFIG_BUCKET'),
    prefix: env.CONFIG_PREFIX ?? '',
    command: get('SYNC_COMMAND'),
  };
}
