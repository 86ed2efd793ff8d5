import { CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { CHECK_METADATA, CheckEntry } from '../contract/check-entry';

/** Marks the construct's CloudFormation resource (the construct itself or its default child). */
export function markForCheck(construct: IConstruct, entry: CheckEntry): void {
  const resource = cfnResourceOf(construct);
  resource.addMetadata(CHECK_METADATA, entry);
}

/** The logical id of a construct's CloudFormation resource, for an entry that names it. */
export function logicalIdOf(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(cfnResourceOf(construct));
}

function cfnResourceOf(construct: IConstruct): CfnResource {
  const resource = CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild;
  if (!resource || !CfnResource.isCfnResource(resource)) throw new Error(`${construct.node.path} has no CloudFormation resource to mark`);
  return resource;
}
