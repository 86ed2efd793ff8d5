import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { markForCheck } from './check-metadata';
import { failedEventsQueue } from './failed-events';
import { functionRoleAndLogs } from './function-logging';
import { acknowledgeWildcardResource } from './nag';
import { RunOutcomeFunction } from './run-outcome-function';
import { stoppedTasksPattern } from './stopped-tasks';
import { OUTCOME_PREFIX } from '../contract/report-keys';
import { OnWindow, windowToJson } from '../contract/schedule-window';

/** What the run outcomes need of their cluster (an interface, so this file does not import the cluster). */
export interface OutcomeSource {
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly taskDefinitionFamily: string;
  readonly containerName: string;
  readonly reportsBucket: s3.IBucket;
  readonly logRetention: logs.RetentionDays;
  /** The slugs with per-site metrics, as a JSON array (a lazy value: sites come later). */
  readonly siteMetrics: string;
  /** The window a hardStop schedule gives the cluster capacity in: runs asked for outside it are held, not alerted. */
  readonly hardStopWindow?: OnWindow;
}

/** The account's default event bus, where run events go (docs/run-events.md). */
export function defaultEventBusArn(scope: Construct): string {
  return Stack.of(scope).formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' });
}

/**
 * Every stopped run of a cluster as a "Sitespeed Run Finished" event with its per-site metrics
 * (lambda-src/run-outcome): on their own, without a ReportTree or alerts, for users to route
 * anywhere.
 */
export class RunOutcomes extends Construct {
  public readonly function: lambda.Function;
  public readonly rule: events.Rule;
  /** Stopped tasks whose outcome could not be published after Lambda's retries. */
  public readonly failedEvents: sqs.Queue;

  constructor(scope: Construct, id: string, source: OutcomeSource) {
    super(scope, id);
    const { role, logGroup } = functionRoleAndLogs(this, source.logRetention);
    this.function = new RunOutcomeFunction(this, 'Function', {
      description: 'cdk-sitespeed: puts each stopped run\'s outcome on the default event bus, with its metrics',
      role,
      logGroup,
      timeout: Duration.seconds(60),
      memorySize: 256,
      environment: {
        CLUSTER_ARN: source.clusterArn,
        CLUSTER_NAME: source.clusterName,
        TASK_FAMILY: source.taskDefinitionFamily,
        CONTAINER_NAME: source.containerName,
        SITE_METRICS: source.siteMetrics,
        HARD_STOP_WINDOW: source.hardStopWindow ? windowToJson(source.hardStopWindow) : '',
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    markForCheck(this.function, { kind: 'function', role: 'runOutcome' });
    this.failedEvents = failedEventsQueue(this, this.function, 'stopped tasks whose outcome could not be published');

    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [defaultEventBusArn(this)] }));
    // The run's folder (one listing) and its budget file; nothing else of the reports.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [source.reportsBucket.bucketArn] }));
    const budgetFiles = source.reportsBucket.arnForObjects('*/budgetResult.json');
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [budgetFiles] }));
    acknowledgeWildcardResource(role, budgetFiles,
      'Reading the budget result of any run (<slug>/<time>/budgetResult.json); run folders are not known before the runs.');
    // The markers that make a copy of a STOPPED event publish nothing (lambda-src/run-outcome/claim.ts).
    const markers = source.reportsBucket.arnForObjects(`${OUTCOME_PREFIX}*`);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [markers] }));
    acknowledgeWildcardResource(role, markers, 'The run outcome markers, one per stopped task (their ids are not known before the runs).');
    source.reportsBucket.encryptionKey?.grantEncryptDecrypt(role);

    this.rule = new events.Rule(this, 'OnTaskStopped', {
      description: 'cdk-sitespeed: sitespeed.io tasks of this cluster that stopped, for their outcome',
      eventPattern: stoppedTasksPattern(this, source.clusterArn, source.taskDefinitionFamily),
      targets: [new eventsTargets.LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.hours(2) })],
    });
  }
}
