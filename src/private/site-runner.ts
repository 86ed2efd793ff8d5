import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { markForCheck } from './check-metadata';
import { functionRoleAndLogs } from './function-logging';
import { acknowledge, acknowledgeWildcardResource } from './nag';
import { defaultEventBusArn } from './run-outcomes';
import { RunTaskFunction } from './run-task-function';

/** What the runner needs of its cluster (an interface, so this file does not import the cluster). */
export interface RunnerTarget {
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly taskDefinitionArn: string;
  readonly taskDefinitionFamily: string;
  readonly capacityProviderName: string;
  readonly containerName: string;
  readonly logRetention: logs.RetentionDays;
  readonly maxProvisioningWaitMinutes: number;
  /** The slugs with per-site metrics, as a JSON array (a lazy value: sites come later). */
  readonly siteMetrics: string;
  grantRun(grantee: iam.IGrantable): iam.Grant;
}

/**
 * The runTask Lambda of one cluster, shared by its sites, and the dead-letter queue for runs
 * that could not start (after Scheduler's and Lambda's retries).
 */
export class SiteRunner extends Construct {
  public readonly function: lambda.Function;
  public readonly deadLetterQueue: sqs.Queue;
  /** The role the cluster's schedules invoke the function with. */
  public readonly schedulerRole: iam.Role;

  constructor(scope: Construct, id: string, target: RunnerTarget) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.deadLetterQueue, 'AwsSolutions-SQS3', 'This queue is itself the dead-letter queue of failed sitespeed.io run starts.');

    const { role, logGroup } = functionRoleAndLogs(this, target.logRetention);

    this.function = new RunTaskFunction(this, 'Function', {
      description: 'cdk-sitespeed: starts a sitespeed.io run unless the site\'s previous run is still going',
      role,
      logGroup,
      timeout: Duration.seconds(30),
      memorySize: 256,
      // Scheduler invokes Lambda asynchronously: a thrown error is retried by Lambda, then
      // lands in the same dead-letter queue as invocations Scheduler could not deliver.
      retryAttempts: 2,
      deadLetterQueue: this.deadLetterQueue,
      environment: {
        CLUSTER_ARN: target.clusterArn,
        TASK_DEFINITION_ARN: target.taskDefinitionArn,
        CAPACITY_PROVIDER: target.capacityProviderName,
        SITE_METRICS: target.siteMetrics,
        CONTAINER_NAME: target.containerName,
        PROVISIONING_LIMIT_MINUTES: String(target.maxProvisioningWaitMinutes),
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    target.grantRun(role);
    // Skipped and refused runs are events too (lambda-src/run-task/announce.ts).
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [defaultEventBusArn(this)] }));
    markForCheck(this.function, { kind: 'function', role: 'runTask' });
    markForCheck(this.deadLetterQueue, { kind: 'dead-letter-queue', role: 'runs that could not start' });

    const stack = Stack.of(this);
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    // aws-scheduler-targets grants invoke on the function and its versions (<arn>:*).
    acknowledgeWildcardResource(this.schedulerRole, `${this.function.functionArn}:*`,
      'Invoking this runTask function (any version) is all the schedules do; the wildcard covers its versions only.');

    acknowledge(role, 'AwsSolutions-IAM5[Resource::*]',
      'ecs:ListTasks has no resource type; the statement is limited to this cluster by the ecs:cluster condition.');
    acknowledgeWildcardResource(role,
      stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${target.taskDefinitionFamily}:*` }),
      'RunTask of any revision of this cluster\'s sitespeed.io task definition family, on this cluster only (ecs:cluster condition).');
    acknowledgeWildcardResource(role,
      stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${target.clusterName}/*` }),
      'Describing and tagging the tasks of this cluster only; task ids are not known before they start.');
  }
}
