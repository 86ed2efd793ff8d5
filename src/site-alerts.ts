import { Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RUN_EVENTS } from './contract/run-events';
import { allowAlarmsToPublish } from './private/alarm-topic';
import { markForCheck } from './private/check-metadata';
import { clusterOf, requireSitesOf } from './private/cluster-of';
import { placeKey, usePlace, usersOfPlace } from './private/data-homes';
import { DEFAULTS } from './private/defaults';
import { failedEventsQueue } from './private/failed-events';
import { forCaller } from './private/for-caller';
import { functionRoleAndLogs } from './private/function-logging';
import { acknowledge, acknowledgeWildcardResource } from './private/nag';
import { runEventRule } from './private/run-signals';
import { SiteAlertsFunction } from './private/site-alerts-function';
import { checkSiteAlertsProps } from './private/site-alerts-props';
import type { ISitespeedCluster, SitespeedCluster } from './sitespeed-cluster';

/** Properties of {@link SiteAlerts}. */
export interface SiteAlertsProps {
  /** The cluster whose sites (and whose own functions and queues, and its ReportTree's and ConfigSync's, whenever they are created) are watched. */
  readonly cluster: ISitespeedCluster;
  /**
   * Email addresses subscribed to the topic (each confirms once, by the link AWS mails).
   * @default none
   */
  readonly emails?: string[];
  /**
   * The topic alerts go to, to share one between clusters or subscribe your own endpoints.
   * @default a new topic, encrypted with a key of its own (CloudWatch alarms can publish to it)
   */
  readonly topic?: sns.ITopic;
  /**
   * The Slack workspace id for AWS Chatbot (with `slackChannelId`). Chatbot needs a one-time step
   * in its console first: authorize the workspace (docs/site-alerts.md).
   * @default no Slack
   */
  readonly slackWorkspaceId?: string;
  /**
   * The Slack channel id (from the channel's link, e.g. C0123456789), with `slackWorkspaceId`.
   * @default no Slack
   */
  readonly slackChannelId?: string;
  /**
   * Re-run a failed run once, at once, and alert only when that run fails too: a flaky page or
   * a network blip does not wake anyone.
   * @default true
   */
  readonly confirmFailures?: boolean;
  /**
   * Sites (slugs) alerted on their first failed run, without a confirmation run.
   * @default none
   */
  readonly unconfirmedSites?: string[];
  /**
   * Remind once when a site has failed this many confirmed runs in a row (0: never).
   * @default 0
   */
  readonly remindAfterRuns?: number;
  /**
   * Alert when a site has not finished a run for this many times the longest gap its schedule
   * allows (plus an hour, for daylight saving and slow runs); 0 turns it off. Checked hourly.
   * Sites whose schedule is disabled or cannot be read (at(), a month or year field) are left out.
   * @default 2
   */
  readonly staleAfterIntervals?: number;
  /**
   * Alert once when this many runs of a site in a row never started (stopped while waiting for
   * capacity: a vCPU quota, no instances of the type in the zone, a launch that fails, a shaping
   * attribute never set); 0: never. Such runs get no confirmation run, and runs a hardStop
   * schedule holds back are not counted.
   * @default 2
   */
  readonly notStartedAlertAfterRuns?: number;

  /**
   * Also a message when a site gets slower than its own recent past, and when it recovers
   * ("Sitespeed Regression Detected" / "Recovered" events of the cluster's ReportTree;
   * docs/regressions.md): each metric that moved with its medians before and after, and a report
   * from each side. Off by default: read docs/regressions.md for how often it is wrong at your
   * sites' spread, watch the events or the viewer for a while, then turn it on. Needs a ReportTree.
   * @default false
   */
  readonly alertOnRegressions?: boolean;
}

/**
 * Alerts a team can trust: a site's failed run (a broken budget, an error, no report) is re-run
 * once and alerted only when that fails too; one message when a site starts failing, one when it
 * recovers, at most one reminder; and the system's own failures (runs that could not start,
 * function errors) as CloudWatch alarms on the same topic. Email, Slack (AWS Chatbot) or any SNS
 * subscriber. Built on the cluster's run events (docs/run-events.md).
 */
export class SiteAlerts extends Construct {
  /** Where alerts go: subscribe anything to it. */
  public readonly topic: sns.ITopic;
  /**
   * With Slack: the topic AWS Chatbot reads, which gets the same alerts in Chatbot's own format
   * (a topic of its own, so Chatbot gets that format whichever delivery format it subscribes with).
   * SiteAlerts of one app that name the same Slack channel share the first one's topic and Chatbot configuration.
   */
  public readonly slackTopic?: sns.ITopic;
  /** The function that keeps each site's alert state and sends the messages. */
  public readonly function: lambda.IFunction;
  /** Runs the alert function could not handle after Lambda's retries (the event as `requestPayload`: replay it). */
  public readonly failedEvents: sqs.IQueue;
  /** Each site's alert state (ok or failing, since when, how many runs). */
  public readonly table: dynamodb.Table;
  /**
   * The system alarms: the runs' dead-letter queue, errors and failed events of the cluster's
   * functions and this one, and those of the cluster's ReportTree and ConfigSync (added when they
   * join, in whichever order they are created).
   */
  public readonly alarms: cloudwatch.Alarm[] = [];
  private topicKey?: kms.Key;
  private alarmActions: cloudwatchActions.SnsAction[] = [];

  constructor(scope: Construct, id: string, props: SiteAlertsProps) {
    super(scope, id);
    try {
      const cluster = clusterOf(props.cluster, this.node.path);
      const { remindAfter, notStartedAfter, staleFactor, emails } = checkSiteAlertsProps(props);
      if (props.topic?.fifo) {
        throw new Error(`topic ${props.topic.node.path} is a FIFO topic: email subscriptions and CloudWatch alarm actions need a standard topic.`);
      }
      cluster._attachAlerts(this);
      requireSitesOf(this, cluster, 'unconfirmedSites', props.unconfirmedSites ?? []);

      this.topic = props.topic ?? this.createTopic('Topic', 'cdk-sitespeed alerts');
      for (const email of emails) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
      if (props.slackWorkspaceId && props.slackChannelId) {
        // One Chatbot configuration per channel: a second SiteAlerts for the same channel (another
        // cluster) publishes to the first one's topic, so the channel is configured once.
        const channelKey = placeKey(`${props.slackWorkspaceId}/${props.slackChannelId}`, this);
        const shared = usersOfPlace(this, 'slack channel', channelKey)[0] as SiteAlerts | undefined;
        if (shared) {
          this.slackTopic = shared.slackTopic;
        } else {
          this.slackTopic = this.createTopic('SlackTopic', 'cdk-sitespeed alerts for AWS Chatbot');
          new chatbot.SlackChannelConfiguration(this, 'Slack', {
            slackChannelConfigurationName: `sitespeed-${this.node.addr.slice(0, 20)}`,
            slackWorkspaceId: props.slackWorkspaceId,
            slackChannelId: props.slackChannelId,
            notificationTopics: [this.slackTopic],
          });
          usePlace(this, 'slack channel', channelKey);
        }
      }

      // State is rebuilt by the next runs: it may go with the stack.
      this.table = new dynamodb.Table(this, 'State', {
        partitionKey: { name: 'site', type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      acknowledge(this.table, 'AwsSolutions-DDB3', 'Point-in-time recovery for a few alert states per site, which the next runs rebuild, costs more than it saves.');

      const { role, logGroup } = functionRoleAndLogs(this, cluster._logRetention);
      const runTask = cluster.runTaskFunction;
      this.function = new SiteAlertsFunction(this, 'Function', {
        description: 'cdk-sitespeed: alerts when a site starts failing (after a confirmation run) and when it recovers',
        role,
        logGroup,
        timeout: Duration.seconds(60),
        memorySize: 256,
        environment: {
          TABLE: this.table.tableName,
          TOPIC_ARN: this.topic.topicArn,
          ...(this.slackTopic ? { SLACK_TOPIC_ARN: this.slackTopic.topicArn } : {}),
          RUN_TASK_FUNCTION: runTask.functionArn,
          CLUSTER_ARN: cluster.cluster.clusterArn,
          CONTAINER_NAME: cluster.container.containerName,
          CONFIRM: String(props.confirmFailures ?? DEFAULTS.SiteAlertsProps.confirmFailures),
          UNCONFIRMED_SITES: JSON.stringify(props.unconfirmedSites ?? []),
          REMIND_AFTER: String(remindAfter),
          NOT_STARTED_AFTER: String(notStartedAfter),
          // Events of other sites are refused: every site of the cluster, also those added after this construct.
          SITES: Lazy.string({ produce: () => JSON.stringify(cluster._sites.map(s => s.slug)) }),
          // Every site of the cluster, also those added after this construct: known at synth.
          STALE_AFTER: Lazy.string({ produce: () => JSON.stringify(staleLimits(cluster, staleFactor)) }),
          AUTO_SCALING_GROUP: cluster.autoScalingGroup.autoScalingGroupName,
          NODE_OPTIONS: '--enable-source-maps',
        },
      });
      markForCheck(this.function, { kind: 'function', role: 'siteAlerts' });
      this.failedEvents = failedEventsQueue(this, this.function, 'runs whose alert could not be decided or sent');
      this.table.grant(role, 'dynamodb:GetItem', 'dynamodb:PutItem');
      this.topic.grantPublish(role);
      this.slackTopic?.grantPublish(role);
      runTask.grantInvoke(role);
      // The stopped run's arguments, for its confirmation run: this cluster's tasks only.
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['ecs:DescribeTasks'],
        resources: [cluster.cluster.arnForTasks('*')],
        conditions: { ArnEquals: { 'ecs:cluster': cluster.cluster.clusterArn } },
      }));
      acknowledgeWildcardResource(role, cluster.cluster.arnForTasks('*'),
        'Describing the stopped tasks of this cluster (their ids are not known before they run) for a confirmation run\'s arguments.');
      acknowledgeWildcardResource(role, `${runTask.functionArn}:*`, 'Invoking the cluster\'s runTask function (any version) to start a confirmation run.');
      acknowledge(role, 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        'Publishing to the encrypted topic: SNS asks for a data key of the topic\'s own key (the grant names that key only).');

      // The hourly sweep: sites that stopped running, instances that never joined.
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['autoscaling:DescribeAutoScalingGroups'], resources: ['*'] }));
      acknowledge(role, 'AwsSolutions-IAM5[Resource::*]', 'autoscaling:DescribeAutoScalingGroups has no resource-level permissions (Service Authorization Reference).');
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecs:ListContainerInstances'], resources: [cluster.cluster.clusterArn] }));
      const containerInstances = Stack.of(this).formatArn({ service: 'ecs', resource: 'container-instance', resourceName: `${cluster.cluster.clusterName}/*` });
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecs:DescribeContainerInstances'], resources: [containerInstances] }));
      acknowledgeWildcardResource(role, containerInstances, 'Describing the container instances of this cluster only (their ids come and go with the instances).');
      new events.Rule(this, 'Hourly', {
        description: 'cdk-sitespeed: hourly sweep for sites that stopped running and instances that never joined',
        schedule: events.Schedule.rate(Duration.hours(1)),
        targets: [new eventsTargets.LambdaFunction(this.function, { event: events.RuleTargetInput.fromObject({ sweep: true }), retryAttempts: 2 })],
      });

      // Confirmation runs too: they decide whether a failure is confirmed.
      runEventRule(this, 'OnRunFinished', { cluster, path: this.node.path }, 'finished', {
        description: 'cdk-sitespeed: finished runs of this cluster, for alerts',
        target: new eventsTargets.LambdaFunction(this.function, { retryAttempts: 4, maxEventAge: Duration.hours(2) }),
      });

      if (props.alertOnRegressions ?? DEFAULTS.SiteAlertsProps.alertOnRegressions) {
        for (const kind of ['regressionDetected', 'regressionRecovered'] as const) {
          runEventRule(this, kind === 'regressionDetected' ? 'OnRegressionDetected' : 'OnRegressionRecovered', { cluster, path: this.node.path }, kind, {
            description: `cdk-sitespeed: ${RUN_EVENTS[kind]} events of this cluster, for alerts`,
            target: new eventsTargets.LambdaFunction(this.function, { retryAttempts: 4, maxEventAge: Duration.hours(2) }),
          });
        }
      }

      this.addSystemAlarms(cluster);
      cluster._whenReportTree(tree => this.alarm('ReportIndexErrors', sumOf(tree.function.metricErrors(SUM_5_MINUTES), tree.failedEvents),
        'cdk-sitespeed: the index writer failed, or runs it could not file after its retries wait in its failed-events queue (runs missing from the calendar). Read the failed-events queues (each message holds the event to replay, docs/run-events.md); its log group says why.'));
      cluster._whenConfigSync(sync => this.alarm('SyncConfigErrors', sync.function.metricErrors(SUM_5_MINUTES),
        'cdk-sitespeed: the config sync failed (instances may test with old URL files or scripts); its log group says why.'));
      cluster._whenDeployMarkers((markers, i) => this.alarm(`DeployMarkerErrors${i || ''}`, sumOf(markers.function.metricErrors(SUM_5_MINUTES), markers.failedEvents),
        'cdk-sitespeed: a deploy marker failed (missing from the calendar, or its Graphite annotation), or deploy events wait in its failed-events queue after their retries. ' +
        'Its log group says why; `npx cdk-sitespeed mark` with the same --id posts what is missing.'));
    } catch (error) {
      throw forCaller(error);
    }
  }

  private createTopic(id: string, displayName: string): sns.Topic {
    return new sns.Topic(this, id, { displayName, masterKey: this.key(), enforceSSL: true });
  }

  private key(): kms.Key {
    if (this.topicKey) return this.topicKey;
    const key = new kms.Key(this, 'TopicKey', {
      description: 'cdk-sitespeed: encrypts the alert topic; CloudWatch alarms may use it to publish',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // The AWS managed SNS key would refuse CloudWatch alarms (their service principal cannot use it).
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topicKey = key;
    return key;
  }

  private addSystemAlarms(cluster: SitespeedCluster): void {
    // Chatbot renders CloudWatch alarms itself: the Slack topic gets them as they are.
    const topics = [this.topic, this.slackTopic].filter((t): t is sns.ITopic => t !== undefined);
    for (const topic of topics) allowAlarmsToPublish(this, topic);
    this.alarmActions = topics.map(t => new cloudwatchActions.SnsAction(t));
    const deadLetters = this.alarm('DeadLetters', cluster._runner().deadLetterQueue.metricApproximateNumberOfMessagesVisible(MAX_5_MINUTES),
      'cdk-sitespeed: scheduled runs that could not start after their retries (RunTask refused, or Scheduler could not invoke runTask). Read the queue\'s messages and the runTask log group. (cdk-sitespeed check --test-alarm sets this alarm off to prove it reaches the topics.)');
    // The one `cdk-sitespeed check --test-alarm` sets off: its actions are every alarm's.
    markForCheck(deadLetters, { kind: 'alarm', role: 'deadLetters' });
    this.alarm('RunTaskErrors', cluster.runTaskFunction.metricErrors(SUM_5_MINUTES), 'cdk-sitespeed: the runTask function failed (a run did not start); its log group says why.');
    this.alarm('RunOutcomeErrors', cluster.runOutcomeFunction.metricErrors(SUM_5_MINUTES), 'cdk-sitespeed: the run outcome function failed (run events and alerts are missing); its log group says why.');
    this.alarm('AlertErrors', this.function.metricErrors(SUM_5_MINUTES), 'cdk-sitespeed: the alert function failed (site alerts may be missing); its log group says why.');
    this.alarm('FailedEventsAlarm', sumOf(undefined, cluster.runOutcomeFailedEvents, this.failedEvents),
      'cdk-sitespeed: events the run outcome or alert function could not handle after their retries (runs missing from the events or the alerts). Read the failed-events queues; each message holds the event to replay (docs/run-events.md).');
  }

  /** An alarm at one or more in five minutes, to this construct's topics, on alarm and back to ok. */
  private alarm(id: string, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm {
    const created = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    created.addAlarmAction(...this.alarmActions);
    created.addOkAction(...this.alarmActions);
    this.alarms.push(created);
    return created;
  }
}

const MAX_5_MINUTES = { period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM };
const SUM_5_MINUTES = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };

/** One metric of a function's errors (if given) plus the messages waiting in failed-events queues. */
function sumOf(errors: cloudwatch.IMetric | undefined, ...queues: sqs.IQueue[]): cloudwatch.IMetric {
  const metrics: Record<string, cloudwatch.IMetric> = Object.fromEntries(queues.map((q, i) => [`q${i}`, q.metricApproximateNumberOfMessagesVisible(MAX_5_MINUTES)]));
  if (errors) metrics.errors = errors;
  return new cloudwatch.MathExpression({ expression: Object.keys(metrics).join(' + '), usingMetrics: metrics, period: Duration.minutes(5) });
}

/** Each enabled site's stale limit in minutes: `factor` times its longest gap, plus an hour. */
function staleLimits(cluster: SitespeedCluster, factor: number): Record<string, number> {
  if (factor === 0) return {};
  const limits: Record<string, number> = {};
  for (const site of cluster._sites) {
    if (site._expectedIntervalMinutes !== undefined) limits[site.slug] = Math.ceil(site._expectedIntervalMinutes * factor) + 60;
  }
  return limits;
}
