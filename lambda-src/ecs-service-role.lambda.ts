import { IAMClient } from '@aws-sdk/client-iam';
import { ensureEcsServiceRole } from './ecs-service-role/ensure-role';
import { answerCloudFormation, CfnResponse, CustomResourceEvent } from './shared/cfn-response';

const iam = new IAMClient({});

/** Create and update: the ECS service-linked role exists and IAM returns it (ensure-role.ts). Delete: nothing (it is the account's). */
export async function handler(event: CustomResourceEvent): Promise<CfnResponse> {
  return answerCloudFormation(event, 'ecs-service-linked-role', async () => {
    if (event.RequestType === 'Delete') return { delete: 'the role stays: other clusters of the account use it' };
    const outcome = await ensureEcsServiceRole(iam, { sleep: ms => new Promise(resolve => setTimeout(resolve, ms)), pollMs: 5_000, attempts: 24 });
    console.log(JSON.stringify(outcome));
    return outcome;
  });
}
