import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';

/** Where the syncConfig Lambda looks: its environment, set by the construct. */
export interface SyncConfig {
  readonly autoScalingGroupName: string;
  readonly bucket: string;
  readonly prefix: string;
  /** The command the instances run: the same script their boot ran. */
  readonly command: string;
}

export interface SyncOutcome {
  readonly key?: string;
  readonly ignored?: string;
  readonly instances: number;
  readonly commandIds: string[];
}

/** SendCommand takes at most 50 instance ids per call. */
export const SEND_COMMAND_BATCH = 50;

/** The bucket and key of an EventBridge "Object Created/Deleted" event, or why it is not one. */
export function objectOf(event: any): { bucket: string; key: string } | { invalid: string } {
  const bucket = event?.detail?.bucket?.name;
  const key = event?.detail?.object?.key;
  if (typeof bucket !== 'string' || typeof key !== 'string') {
    return { invalid: 'not an S3 object event: detail.bucket.name and detail.object.key are required' };
  }
  return { bucket, key };
}

/** The running instances of the Auto Scaling group, all pages of them. */
export async function runningInstances(ec2: EC2Client, autoScalingGroupName: string): Promise<string[]> {
  const ids: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(new DescribeInstancesCommand({
      Filters: [
        { Name: 'tag:aws:autoscaling:groupName', Values: [autoScalingGroupName] },
        { Name: 'instance-state-name', Values: ['running'] },
      ],
      NextToken,
    }));
    for (const reservation of page.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) if (instance.InstanceId) ids.push(instance.InstanceId);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return ids;
}

/**
 * Runs the config sync on every running instance of the cluster after a change under the
 * config prefix. Repeats are harmless: the sync mirrors the prefix and serializes itself on
 * the instance, so a burst of events ends with the folder current.
 */
export async function syncInstances(ec2: EC2Client, ssm: SSMClient, event: unknown, config: SyncConfig): Promise<SyncOutcome> {
  const object = objectOf(event);
  if ('invalid' in object) throw new Error(object.invalid);
  if (object.bucket !== config.bucket || !object.key.startsWith(config.prefix)) {
    return { key: object.key, ignored: `not under s3://${config.bucket}/${config.prefix}`, instances: 0, commandIds: [] };
  }
  const instances = await runningInstances(ec2, config.autoScalingGroupName);
  const commandIds: string[] = [];
  for (let i = 0; i < instances.length; i += SEND_COMMAND_BATCH) {
    const result = await ssm.send(new SendCommandCommand({
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: instances.slice(i, i + SEND_COMMAND_BATCH),
      Parameters: { commands: [config.command] },
      Comment: `cdk-sitespeed config sync after ${object.key}`.slice(0, 100),
      TimeoutSeconds: 600,
    }));
    if (result.Command?.CommandId) commandIds.push(result.Command.CommandId);
  }
  return { key: object.key, instances: instances.length, commandIds };
}

export function syncConfigFromEnv(env: NodeJS.ProcessEnv): SyncConfig {
  const get = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set; the function was not deployed by cdk-sitespeed`);
    return value;
  };
  return {
    autoScalingGroupName: get('AUTO_SCALING_GROUP_NAME'),
    bucket: get('CONFIG_BUCKET'),
    prefix: env.CONFIG_PREFIX ?? '',
    command: get('SYNC_COMMAND'),
  };
}
