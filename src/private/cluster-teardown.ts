import { ArnFormat, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { markForCheck } from './check-metadata';
import { ClusterTeardownFunction } from './cluster-teardown-function';
import { functionRoleAndLogs } from './function-logging';
import { acknowledge, acknowledgeWildcardResource } from './nag';

export interface ClusterTeardownProps {
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  readonly cluster: ecs.Cluster;
  readonly capacityProvider: ecs.AsgCapacityProvider;
  readonly logRetention: logs.RetentionDays;
}

/**
 * Makes `cdk destroy` complete. A stack with an ECS capacity provider that has managed
 * termination protection hangs on delete: its instances stay protected from scale-in, so the
 * group never empties (aws-cdk#18179, containers-roadmap#2862, both open). This custom resource
 * depends on the group, the capacity provider and the cluster's association with it, so
 * CloudFormation deletes it first: its function (lambda-src/cluster-teardown) stops the
 * cluster's tasks, removes the protection and waits until the group is empty, before any of
 * them is deleted. It does nothing on create and update.
 */
export class ClusterTeardown extends Construct {
  public readonly function: ClusterTeardownFunction;

  constructor(scope: Construct, id: string, props: ClusterTeardownProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const groupName = props.autoScalingGroup.autoScalingGroupName;
    const { role, logGroup } = functionRoleAndLogs(this, props.logRetention);
    this.function = new ClusterTeardownFunction(this, 'Function', {
      description: 'cdk-sitespeed: on stack deletion, empties the cluster\'s Auto Scaling group (scale-in protection off, tasks stopped)',
      role,
      logGroup,
      // Lambda's longest: instances take minutes to terminate; the function answers with a minute to spare.
      timeout: Duration.minutes(15),
      memorySize: 256,
      environment: { GROUP_NAME: groupName, CLUSTER_ARN: props.cluster.clusterArn, NODE_OPTIONS: '--enable-source-maps' },
    });
    markForCheck(this.function, { kind: 'function', role: 'clusterTeardown' });

    // arn:aws:autoscaling:<region>:<account>:autoScalingGroup:<uuid>:autoScalingGroupName/<name>
    const groupArn = stack.formatArn({
      service: 'autoscaling', resource: 'autoScalingGroup', arnFormat: ArnFormat.COLON_RESOURCE_NAME, resourceName: `*:autoScalingGroupName/${groupName}`,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['autoscaling:SuspendProcesses', 'autoscaling:UpdateAutoScalingGroup', 'autoscaling:SetInstanceProtection'],
      resources: [groupArn],
    }));
    // Describe* of Auto Scaling has no resource-level permissions.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['autoscaling:DescribeAutoScalingGroups'], resources: ['*'] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ecs:ListTasks'],
      resources: ['*'],
      conditions: { ArnEquals: { 'ecs:cluster': props.cluster.clusterArn } },
    }));
    const tasks = stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${props.cluster.clusterName}/*` });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecs:StopTask'], resources: [tasks] }));

    const resource = new CustomResource(this, 'Resource', {
      serviceToken: this.function.functionArn,
      resourceType: 'Custom::SitespeedClusterTeardown',
    });
    // Deleted before all of these (CloudFormation deletes dependents first).
    resource.node.addDependency(props.autoScalingGroup.node.defaultChild!);
    resource.node.addDependency(props.capacityProvider);
    // The whole cluster: its capacity provider association is added by an aspect at synth.
    resource.node.addDependency(props.cluster);
    // ...and after the function's permissions, which it needs to run.
    resource.node.addDependency(role);

    acknowledge(role, 'AwsSolutions-IAM5[Resource::*]',
      'autoscaling:DescribeAutoScalingGroups has no resource-level permissions; ecs:ListTasks has no resource type and is limited to this cluster by the ecs:cluster condition.');
    acknowledgeWildcardResource(role, groupArn,
      'The group\'s ARN holds an id unknown at synth; the wildcard covers that id only, the group\'s name is fixed.');
    acknowledgeWildcardResource(role, tasks, 'Stopping the tasks of this cluster only, at stack deletion; task ids are not known before.');
  }
}
