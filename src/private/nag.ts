import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges a cdk-nag AwsSolutions finding (e.g. `AwsSolutions-AS3`,
 * `AwsSolutions-IAM5[Action::ecs:Submit*]`) on a construct and what it contains.
 * The acknowledgement is construct metadata: it travels with the library to users who run
 * cdk-nag, and costs nothing for those who do not.
 */
/** Why a cluster without Container Insights is fine (cdk-nag AwsSolutions-ECS4). */
export const CONTAINER_INSIGHTS_OFF = 'Container Insights is off by default because its custom metrics cost more than the instance ' +
  '(npx cdk-sitespeed cost); ECS still publishes cluster CPU and memory, and containerInsights: true turns it on';

export function acknowledge(scope: IConstruct, finding: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${finding}`, reason });
}

/**
 * Acknowledges the IAM5 finding for one wildcard resource such as `bucket.arnForObjects('*')`,
 * named the way cdk-nag names it, so only that resource is acknowledged.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  acknowledge(scope, `AwsSolutions-IAM5[Resource::${flattenReference(Stack.of(scope).resolve(resource))}]`, reason);
}

/** cdk-nag's rendering of a CloudFormation value in finding ids (cdk-nag utils/flatten-cfn-reference). */
function flattenReference(node: any): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\${/g, '<').replace(/}/g, '>');
  if (node['Fn::Join']) {
    const [delimiter, items] = node['Fn::Join'];
    return items.map(flattenReference).join(delimiter);
  }
  if (node['Fn::Sub']) return flattenReference(node['Fn::Sub']);
  if (node['Fn::GetAtt']) {
    const [resource, attribute] = node['Fn::GetAtt'];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (node['Fn::ImportValue']) return flattenReference(node['Fn::ImportValue']);
  if (node.Ref) return `<${flattenReference(node.Ref)}>`;
  return JSON.stringify(node);
}

/**
 * Acknowledges, one by one, the IAM5 findings of a policy that aws-cdk-lib writes for its own
 * handlers (e.g. aws-s3-deployment's), read from the policy itself so nothing else is covered.
 */
export function acknowledgeWildcardsOf(policy: IConstruct & { document: { toJSON(): any } }, reason: string): void {
  const document = Stack.of(policy).resolve(policy.document.toJSON()) ?? { Statement: [] };
  for (const statement of document.Statement ?? []) {
    for (const action of [statement.Action ?? []].flat()) {
      if (String(action).includes('*')) acknowledge(policy, `AwsSolutions-IAM5[Action::${action}]`, reason);
    }
    for (const resource of [statement.Resource ?? []].flat()) {
      const flat = flattenReference(resource);
      if (flat.includes('*')) acknowledge(policy, `AwsSolutions-IAM5[Resource::${flat}]`, reason);
    }
  }
}
