import { GetRoleCommand } from '@aws-sdk/client-iam';
import { CheckContext } from './context';
import { fail, Line, pass, skip } from './report';
import { ECS_SERVICE_ROLE } from '../../src/contract/aws-names';

/**
 * The account has the ECS service-linked role, without which ECS cannot create capacity
 * providers or place tasks ("Unable to assume the service linked role. Please verify that the
 * ECS service linked role exists.": aws-cloudformation/cloudformation-coverage-roadmap#818).
 * The stacks' custom resource creates it; someone may have deleted it since.
 */
export async function checkAccount(ctx: CheckContext): Promise<Line[]> {
  if (ctx.deployment.clusters.length === 0 && ctx.deployment.metrics.length === 0) return [skip('account', 'no ECS cluster in these stacks')];
  try {
    await ctx.clients.iam.send(new GetRoleCommand({ RoleName: ECS_SERVICE_ROLE }));
    return [pass('account', `the ECS service-linked role ${ECS_SERVICE_ROLE} exists`)];
  } catch (e: any) {
    if (e?.name !== 'NoSuchEntityException') throw e;
    return [fail('account', `the ECS service-linked role ${ECS_SERVICE_ROLE} is missing: ECS cannot place tasks or scale the clusters`,
      'deploy the stacks again (their custom resource creates it), or: aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com')];
  }
}
