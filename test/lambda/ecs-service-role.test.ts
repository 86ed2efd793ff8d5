import * as http from 'http';
import { AddressInfo } from 'net';
import { CreateServiceLinkedRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { ensureEcsServiceRole, RoleClock } from '../../lambda-src/ecs-service-role/ensure-role';
import { handler } from '../../lambda-src/ecs-service-role.lambda';
import { ECS_SERVICE_ROLE } from '../../src/contract/aws-names';

/*
 * IAM as it answers for this role. Not moto: moto names the role AWSServiceRoleForecs and
 * answers a second create with EntityAlreadyExists, where IAM answers InvalidInput "Service role
 * name AWSServiceRoleForECS has been taken in this account, please try a different suffix."
 * (Rayraegah/terraform-aws-hasura#17, bcgov/startup-sample-project-aws-containers#13); GetRole
 * of a missing role is NoSuchEntity (IAM API reference, GetRole); the role's path is
 * /aws-service-role/ecs.amazonaws.com/ (IAM User Guide, service-linked roles).
 */
const iam = mockClient(IAMClient);
let exists = false;
let hiddenReads = 0;
function account(options: { exists: boolean; hiddenReads?: number }) {
  exists = options.exists;
  hiddenReads = options.hiddenReads ?? 0;
  iam.reset();
  iam.on(GetRoleCommand, { RoleName: ECS_SERVICE_ROLE }).callsFake(async () => {
    if (!exists || hiddenReads-- > 0) throw Object.assign(new Error(`The role with name ${ECS_SERVICE_ROLE} cannot be found.`), { name: 'NoSuchEntityException' });
    return { Role: { RoleName: ECS_SERVICE_ROLE, Path: '/aws-service-role/ecs.amazonaws.com/', Arn: 'arn', RoleId: 'id', CreateDate: new Date() } };
  });
  iam.on(CreateServiceLinkedRoleCommand, { AWSServiceName: 'ecs.amazonaws.com' }).callsFake(async () => {
    if (exists) throw Object.assign(new Error(`Service role name ${ECS_SERVICE_ROLE} has been taken in this account, please try a different suffix.`), { name: 'InvalidInputException' });
    exists = true;
    return { Role: { RoleName: ECS_SERVICE_ROLE } };
  });
}
const sleeps: number[] = [];
const clock: RoleClock = { sleep: async ms => { sleeps.push(ms); }, pollMs: 5, attempts: 4 };
beforeEach(() => { sleeps.length = 0; });

describe('the ECS service-linked role', () => {
  test('a fresh account: the role is created and read back before the clusters are made', async () => {
    account({ exists: false });
    expect(await ensureEcsServiceRole(new IAMClient({}), clock)).toEqual({ role: ECS_SERVICE_ROLE, how: 'created', reads: 2 });
    expect(iam.calls().map(c => c.args[0].constructor.name)).toEqual(['GetRoleCommand', 'CreateServiceLinkedRoleCommand', 'GetRoleCommand']);
  });

  test('an account that has it (most): nothing is created, no error (AWS::IAM::ServiceLinkedRole would fail here)', async () => {
    account({ exists: true });
    expect(await ensureEcsServiceRole(new IAMClient({}), clock)).toEqual({ role: ECS_SERVICE_ROLE, how: 'existed', reads: 1 });
    expect(iam.commandCalls(CreateServiceLinkedRoleCommand)).toHaveLength(0);
  });

  test('another stack created it between our read and our create ("has been taken"): done, not an error', async () => {
    account({ exists: false });
    iam.on(GetRoleCommand).rejectsOnce(Object.assign(new Error('not found'), { name: 'NoSuchEntityException' }))
      .callsFake(async () => ({ Role: { RoleName: ECS_SERVICE_ROLE } }));
    exists = true;
    expect(await ensureEcsServiceRole(new IAMClient({}), clock)).toMatchObject({ how: 'taken' });
  });

  test('a role that appears late (IAM is eventually consistent) is waited for; one that never appears fails with what to do', async () => {
    account({ exists: false, hiddenReads: 2 });
    expect(await ensureEcsServiceRole(new IAMClient({}), clock)).toEqual({ role: ECS_SERVICE_ROLE, how: 'created', reads: 4 });
    expect(sleeps).toEqual([5, 5]);
    account({ exists: false, hiddenReads: 99 });
    await expect(ensureEcsServiceRole(new IAMClient({}), clock)).rejects.toThrow('AWSServiceRoleForECS was created but IAM did not return it after 4 reads: deploy again in a minute');
  });

  test('any other IAM error fails the resource, so the stack says why', async () => {
    account({ exists: false });
    iam.on(CreateServiceLinkedRoleCommand).rejects(Object.assign(new Error('User is not authorized to perform: iam:CreateServiceLinkedRole'), { name: 'AccessDenied' }));
    await expect(ensureEcsServiceRole(new IAMClient({}), clock)).rejects.toThrow(/not authorized/);
  });

  test('the handler leaves the role in place on delete, without a call to IAM, and answers CloudFormation', async () => {
    account({ exists: true });
    const bodies: any[] = [];
    // CloudFormation's presigned response URL, on 127.0.0.1.
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', d => { body += d; });
      req.on('end', () => { bodies.push(JSON.parse(body)); res.end(); });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
    try {
      await handler({ RequestType: 'Delete', ResponseURL: url, StackId: 's', RequestId: 'r', LogicalResourceId: 'l' });
    } finally {
      server.close();
    }
    expect(iam.calls()).toHaveLength(0);
    expect(bodies).toEqual([expect.objectContaining({ Status: 'SUCCESS', Reason: expect.stringContaining('the role stays'), PhysicalResourceId: 'ecs-service-linked-role' })]);
  });
});
