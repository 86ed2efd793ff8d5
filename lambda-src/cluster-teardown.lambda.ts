import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { ECSClient } from '@aws-sdk/client-ecs';
import { drainConfigFromEnv, drainGroup } from './cluster-teardown/drain-group';
import { answerCloudFormation, CfnResponse, CustomResourceEvent } from './shared/cfn-response';

const autoScaling = new AutoScalingClient({});
const ecs = new ECSClient({});
// Answer CloudFormation with this much of the function's time left, whatever the wait.
const MARGIN_MS = 60_000;

/**
 * The cluster's teardown: nothing on create and update; on delete, empties the Auto Scaling
 * group before CloudFormation deletes the capacity provider and the group (drain-group.ts).
 */
export async function handler(event: CustomResourceEvent, context: { getRemainingTimeInMillis(): number }): Promise<CfnResponse> {
  const config = drainConfigFromEnv(process.env);
  return answerCloudFormation(event, `teardown:${config.groupName}`, async () => {
    if (event.RequestType !== 'Delete') return { [event.RequestType.toLowerCase()]: 'nothing to do until the stack is deleted' };
    const outcome = await drainGroup(autoScaling, ecs, config, {
      remainingMs: () => context.getRemainingTimeInMillis() - MARGIN_MS,
      sleep: ms => new Promise(resolve => setTimeout(resolve, ms)),
      pollMs: 15_000,
    });
    console.log(JSON.stringify(outcome));
    return outcome;
  });
}
