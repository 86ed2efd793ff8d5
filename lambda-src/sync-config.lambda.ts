import { SSMClient } from '@aws-sdk/client-ssm';
import { loggedHandler } from './shared/handler';
import { SyncOutcome, syncConfigFromEnv, syncInstances } from './sync-config/sync-instances';

const ssm = new SSMClient({});

/**
 * On a change under the config prefix, runs the config sync on the cluster's running instances
 * (instances that start later sync at boot).
 */
export const handler = loggedHandler(async (event: unknown): Promise<SyncOutcome> =>
  syncInstances(ssm, event, syncConfigFromEnv(process.env)));
