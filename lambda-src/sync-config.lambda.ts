import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SyncOutcome, syncConfigFromEnv, syncInstances } from './sync-config/sync-instances';

const ec2 = new EC2Client({});
const ssm = new SSMClient({});

/** On a change under the config prefix, runs the config sync on the cluster's running instances. */
export async function handler(event: unknown): Promise<SyncOutcome> {
  try {
    const outcome = await syncInstances(ec2, ssm, event, syncConfigFromEnv(process.env));
    console.log(JSON.stringify(outcome.instances === 0 && !outcome.ignored ? { ...outcome, note: 'no running instance; they sync at boot' } : outcome));
    return outcome;
  } catch (error) {
    const err = error as Error;
    console.error(JSON.stringify({ error: err.name, message: err.message }));
    throw error;
  }
}
