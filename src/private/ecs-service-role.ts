import { Aws, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import { markForCheck } from './check-metadata';
import { EcsServiceRoleFunction } from './ecs-service-role-function';
import { functionRoleAndLogs } from './function-logging';

const ID = 'CdkSitespeedEcsServiceRole';

/**
 * Makes sure of the ECS service-linked role before the ECS resources that need it are created
 * (lambda-src/ecs-service-role/ensure-role.ts says why a custom resource and not
 * AWS::IAM::ServiceLinkedRole). One per stack; every ECS cluster and capacity provider of the
 * library's constructs in that stack depends on it.
 */
class EcsServiceRole extends Construct {
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, logRetention: logs.RetentionDays) {
    super(scope, id);
    const { role, logGroup } = functionRoleAndLogs(this, logRetention);
    const fn = new EcsServiceRoleFunction(this, 'Function', {
      description: 'cdk-sitespeed: creates the ECS service-linked role when the account does not have it yet, and waits until IAM returns it',
      role,
      logGroup,
      timeout: Duration.minutes(5),
      memorySize: 256,
      environment: { NODE_OPTIONS: '--enable-source-maps' },
    });
    markForCheck(fn, { kind: 'function', role: 'ecsServiceRole' });
    // IAM's path for this role (IAM User Guide, "Using service-linked roles for Amazon ECS").
    const roleArn = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`;
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['iam:CreateServiceLinkedRole'],
      resources: [roleArn],
      conditions: { StringEquals: { 'iam:AWSServiceName': 'ecs.amazonaws.com' } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['iam:GetRole'], resources: [roleArn] }));
    this.resource = new CustomResource(this, 'Resource', { serviceToken: fn.functionArn, resourceType: 'Custom::SitespeedEcsServiceRole' });
    this.resource.node.addDependency(role);
  }
}

/** `dependents` (ECS clusters, capacity providers) are created only once the ECS service-linked role exists. */
export function afterEcsServiceRole(scope: IConstruct, logRetention: logs.RetentionDays, ...dependents: IConstruct[]): void {
  const stack = Stack.of(scope);
  const guard = (stack.node.tryFindChild(ID) as EcsServiceRole | undefined) ?? new EcsServiceRole(stack, ID, logRetention);
  for (const dependent of dependents) dependent.node.addDependency(guard.resource);
}
