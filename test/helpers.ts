import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { testApp } from './harness/nag';

/** A stack with a two-AZ VPC without NAT, as the library expects users to have. */
export function stackWithVpc(): { stack: Stack; vpc: ec2.Vpc } {
  const app = testApp();
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-north-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
  return { stack, vpc };
}

/** A CloudFormation value with Fn::Join flattened and other intrinsics shown as JSON. */
export function flatten(value: any): string {
  if (typeof value === 'string') return value;
  if (value && value['Fn::Join']) {
    const [delimiter, parts] = value['Fn::Join'];
    return parts.map(flatten).join(delimiter);
  }
  if (value && typeof value.Ref === 'string') return `<${value.Ref}>`;
  return JSON.stringify(value);
}

/** The (only) launch template's user data as text. */
export function userDataOf(template: Template): string {
  const templates = Object.values(template.findResources('AWS::EC2::LaunchTemplate'));
  if (templates.length !== 1) throw new Error(`expected one launch template, found ${templates.length}`);
  return flatten(templates[0].Properties.LaunchTemplateData.UserData['Fn::Base64']);
}

/** The statements of the IAM policy attached to the role whose logical id starts with `rolePrefix`. */
export function policyStatementsOfRole(template: Template, rolePrefix: string): any[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter(p => (p.Properties.Roles ?? []).some((r: any) => typeof r.Ref === 'string' && r.Ref.startsWith(rolePrefix)));
  if (policies.length !== 1) throw new Error(`expected one policy on ${rolePrefix}*, found ${policies.length}`);
  return policies[0].Properties.PolicyDocument.Statement;
}

/** The logical id of the only resource of a type. */
export function onlyLogicalId(template: Template, type: string): string {
  const ids = Object.keys(template.findResources(type));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0];
}
