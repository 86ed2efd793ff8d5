import { CreateServiceLinkedRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { ECS_SERVICE_ROLE } from '../../src/contract/aws-names';

/*
 * The ECS service-linked role, made sure of before a cluster or capacity provider is created.
 * In an account that never used ECS it does not exist, and CreateCapacityProvider (even
 * CreateCluster) can fail until it does (aws/containers-roadmap#631;
 * terraform-aws-modules/terraform-aws-ecs#26). AWS::IAM::ServiceLinkedRole fails where the role
 * already exists (aws-cloudformation/cloudformation-coverage-roadmap#818), which is most accounts,
 * so this creates it only when it is missing, takes "already taken" as done (two stacks may race),
 * and waits until IAM returns it: IAM is eventually consistent ("Changes that I make are not
 * always immediately visible", IAM User Guide, troubleshooting), and the role appears after the
 * create returns. The role is never deleted: other clusters and services of the account use it.
 */

export interface RoleClock {
  readonly sleep: (ms: number) => Promise<void>;
  readonly pollMs: number;
  /** Reads of GetRole before giving up. */
  readonly attempts: number;
}

export interface RoleOutcome {
  readonly role: string;
  /** created: by this call; existed: before it; taken: created by someone else meanwhile. */
  readonly how: 'created' | 'existed' | 'taken';
  readonly reads: number;
}

export async function ensureEcsServiceRole(iam: IAMClient, clock: RoleClock): Promise<RoleOutcome> {
  if (await roleExists(iam)) return { role: ECS_SERVICE_ROLE, how: 'existed', reads: 1 };
  let how: RoleOutcome['how'] = 'created';
  try {
    await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'ecs.amazonaws.com' }));
  } catch (e: any) {
    // IAM's answer when the role exists: InvalidInput "Service role name AWSServiceRoleForECS has
    // been taken in this account, please try a different suffix." (quoted in
    // Rayraegah/terraform-aws-hasura#17); EntityAlreadyExists is taken the same way.
    const taken = (e?.name === 'InvalidInputException' && /has been taken/i.test(String(e?.message))) || e?.name === 'EntityAlreadyExistsException';
    if (!taken) throw e;
    how = 'taken';
  }
  for (let reads = 2; reads <= clock.attempts + 1; reads++) {
    if (await roleExists(iam)) return { role: ECS_SERVICE_ROLE, how, reads };
    await clock.sleep(clock.pollMs);
  }
  throw new Error(`${ECS_SERVICE_ROLE} was ${how} but IAM did not return it after ${clock.attempts} reads: deploy again in a minute`);
}

async function roleExists(iam: IAMClient): Promise<boolean> {
  try {
    await iam.send(new GetRoleCommand({ RoleName: ECS_SERVICE_ROLE }));
    return true;
  } catch (e: any) {
    if (e?.name === 'NoSuchEntityException' || e?.name === 'NoSuchEntity') return false;
    throw e;
  }
}
