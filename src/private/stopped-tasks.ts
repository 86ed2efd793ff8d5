import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';

/**
 * The EventBridge pattern of a cluster's stopped sitespeed.io tasks ("ECS Task State Change",
 * STOPPED, this cluster, this task definition family): what the run outcomes act on (reportIndex
 * takes the outcomes' events instead).
 */
export function stoppedTasksPattern(scope: Construct, clusterArn: string, taskDefinitionFamily: string): events.EventPattern {
  return {
    source: ['aws.ecs'],
    detailType: ['ECS Task State Change'],
    detail: {
      clusterArn: [clusterArn],
      lastStatus: ['STOPPED'],
      taskDefinitionArn: [{ prefix: Stack.of(scope).formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${taskDefinitionFamily}:` }) }],
    },
  };
}
