import { Duration, Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { KEPT_PREFIX, MARKERS_KEY } from './contract/report-keys';
import { RUN_EVENTS } from './contract/run-events';
import { CLUSTER_TAG } from './contract/site-names';
import { GraphiteGrafana } from './graphite-grafana';
import { MetricsStack } from './metrics-stack';
import { logicalIdOf, markForCheck } from './private/check-metadata';
import { clusterOf, requireSitesOf } from './private/cluster-of';
import { DeployMarkerFunction } from './private/deploy-marker-function';
import { failedEventsQueue } from './private/failed-events';
import { forCaller, spelledValidation, warn } from './private/for-caller';
import { functionRoleAndLogs } from './private/function-logging';
import { acknowledgeWildcardResource } from './private/nag';
import { runEventRule } from './private/run-signals';
import type { ScheduledSite } from './scheduled-site';
import type { ISitespeedCluster, SitespeedCluster } from './sitespeed-cluster';
import type { ISitespeedMetrics } from './sitespeed-metrics';

/** Properties of {@link DeployMarkers}. */
export interface DeployMarkersProps {
  /** The cluster whose sites are marked. */
  readonly cluster: ISitespeedCluster;

  /**
   * EventBridge patterns of your deploys, e.g. a CodePipeline execution that succeeded
   * (`{ source: ['aws.codepipeline'], detailType: ['CodePipeline Pipeline Execution State Change'], detail: { state: ['SUCCEEDED'], pipeline: ['shop'] } }`):
   * each event that matches marks every site of the cluster. For some sites only, use `markOnEvent`.
   * @default - none: markers come from `cdk-sitespeed mark` (and `markOnEvent`)
   */
  readonly deployEvents?: events.EventPattern[];

  /**
   * Whether the regression detector's events of the cluster's ReportTree (docs/regressions.md) are
   * marked too: a site got slower (`regression`), recovered (`recovered`), or a new baseline
   * started (`baseline`), each on the calendar beside its runs and as a Graphite annotation
   * tagged with its kind.
   * @default true (when the cluster has a ReportTree whose regressions are on)
   */
  readonly markRegressions?: boolean;

  /**
   * Run the marked sites this long after each deploy marker (1 minute to 24 hours), so a deploy
   * has its verdict without waiting for the next scheduled run: a one-time EventBridge Scheduler
   * schedule per site with the target of the site's own schedule (its runTask, input, retries and
   * dead-letter queue; the overlap guard skips it when a run is going), deleted once it ran. The
   * run is a scheduled one: it is judged at the marker (docs/regressions.md) and counts toward
   * confirming a change. A marker handled over an hour after its runs were due schedules none.
   * @default - none: the next scheduled runs are judged at the marker
   */
  readonly runAfter?: Duration;
}

/** Options of {@link DeployMarkers.markOnEvent}. */
export interface MarkOnEventOptions {
  /** The deploys' EventBridge pattern. */
  readonly eventPattern: events.EventPattern;
  /**
   * The sites marked.
   * @default - every site of the cluster
   */
  readonly sites?: ScheduledSite[];
  /**
   * The rule's description.
   * @default - names the sites
   */
  readonly description?: string;
}

/**
 * Deploy markers: a line on the report calendar and a Graphite annotation on the sites' dashboards
 * at each deploy, from `npx cdk-sitespeed mark --message v1.2.3` in a pipeline or from your
 * deploys' own EventBridge events. The markDeploy function keeps them in the reports bucket beside
 * the report index (`.cdk-sitespeed/index/markers.json`, read by the viewer) and posts the
 * annotations through SSM Run Command on the metrics instance (Graphite is private; no function
 * runs in the VPC, so no NAT gateway or endpoint is needed). A marker is recorded once per id: a
 * copy of an event, or a retry of `mark --id`, adds nothing and posts only the annotations that
 * are missing.
 */
export class DeployMarkers extends Construct {
  /** The markDeploy function (`cdk-sitespeed mark` invokes it). */
  public readonly function: lambda.IFunction;
  /** Rule events the function failed on after Lambda's retries (`cdk-sitespeed check` counts them). */
  public readonly failedEvents: sqs.IQueue;
  /** The cluster whose sites are marked. */
  public readonly cluster: ISitespeedCluster;
  /** The group of the one-time schedules that run the sites after a deploy (with `runAfter`). */
  public readonly runsAfterDeploys?: scheduler.ScheduleGroup;

  private readonly sitespeedCluster: SitespeedCluster;

  constructor(scope: Construct, id: string, props: DeployMarkersProps) {
    super(scope, id);
    try {
      const cluster = clusterOf(props.cluster, this.node.path);
      this.cluster = props.cluster;
      this.sitespeedCluster = cluster;
      const graphite = graphiteGrafanaOf(cluster.metrics);
      if (cluster.metrics && !graphite) {
        warn(this, 'cdk-sitespeed:markersWithoutAnnotations',
          `the metrics of ${cluster.node.path} are not a GraphiteGrafana or MetricsStack: markers go on the calendar, not into Graphite.`);
      }

      const runAfterSeconds = runAfterSecondsOf(props.runAfter);
      if (runAfterSeconds !== undefined) {
        // Its schedules are one-time and delete themselves: nothing in it outlives a run.
        this.runsAfterDeploys = new scheduler.ScheduleGroup(this, 'RunsAfterDeploys', { removalPolicy: RemovalPolicy.DESTROY });
      }
      const runAfterEnv = () => JSON.stringify({
        seconds: runAfterSeconds,
        group: this.runsAfterDeploys!.scheduleGroupName,
        schedules: Object.fromEntries(cluster._sites.map(site => [site.slug, site.schedule.scheduleName])),
      });
      const { role, logGroup } = functionRoleAndLogs(this, cluster._logRetention);
      this.function = new DeployMarkerFunction(this, 'Function', {
        description: 'cdk-sitespeed: deploy markers on the report calendar and as Graphite annotations',
        role,
        logGroup,
        // The annotation waits for its Run Command (at most 90 s).
        timeout: Duration.minutes(2),
        memorySize: 256,
        environment: {
          REPORTS_BUCKET: cluster.reportsBucket.bucketName,
          // Known once every construct exists: the ReportTree and the sites may come later.
          RETENTION_DAYS: Lazy.string({ produce: () => String(cluster.reportTree?.reportRetention.expiryDays ?? '') }),
          SITES: Lazy.string({ produce: () => sitesEnv(this.sitesOf(cluster, graphite)) }),
          ...(this.runsAfterDeploys ? { RUN_AFTER: Lazy.string({ produce: () => Stack.of(this).toJsonString(JSON.parse(runAfterEnv())) }) } : {}),
          ...(graphite ? {
            METRICS_CLUSTER: graphite.cluster.clusterName,
            GRAPHITE_URL: `http://${graphite.graphiteHost}:${graphite.graphiteHttpPort}`,
            GRAPHITE_SECRET_ARN: graphite.graphiteAuthSecret.secretArn,
            METRICS_TAG_VALUE: graphite.instanceTagValue,
          } : {}),
          NODE_OPTIONS: '--enable-source-maps',
        },
      });
      markForCheck(this.function, { kind: 'deploy-markers', cluster: logicalIdOf(cluster.cluster), clusterStack: Stack.of(cluster).stackName });
      this.failedEvents = failedEventsQueue(this, this.function, 'deploy events that could not be marked');
      this.grantMarkers(role, cluster);
      if (graphite) this.grantAnnotations(role, graphite);
      if (this.runsAfterDeploys) this.grantRunsAfter(role, cluster, this.runsAfterDeploys);

      // Lambda allows 4 KB of environment variables in all (Lambda quotas); the site list is the one that grows.
      this.node.addValidation(spelledValidation({
        validate: () => {
          // A schedule's name is at most 64 characters (CloudFormation names them from the stack and the id).
          const runAfterSize = this.runsAfterDeploys ? 80 + cluster._sites.reduce((n, s) => n + s.slug.length + 70, 0) : 0;
          const size = sitesEnv(this.sitesOf(cluster, graphite)).length + runAfterSize;
          return size <= MAX_SITES_ENV ? [] : [`cluster: the ${cluster._sites.length} sites of ${cluster.node.path} take ${size} bytes of the markers function's environment, ` +
            `over the ${MAX_SITES_ENV} bytes left of Lambda's 4 KB: shorter slugs, or the sites split over two clusters each with a DeployMarkers.`];
        },
      }));
      (props.deployEvents ?? []).forEach((pattern, i) => this.addRule(`DeployEvent${i}`, pattern, undefined, undefined, `deployEvents[${i}]`));
      if (props.markRegressions ?? true) {
        // Whenever the cluster gets its ReportTree (before or after this construct), if its regressions are on.
        cluster._whenReportTree(tree => {
          if (!tree.regressionDetection) return;
          for (const [ruleId, kind] of [['OnRegressionDetected', 'regressionDetected'], ['OnRegressionRecovered', 'regressionRecovered'],
            ['OnBaselineReset', 'baselineReset']] as const) {
            runEventRule(this, ruleId, { cluster, path: this.node.path }, kind, {
              description: `cdk-sitespeed: ${RUN_EVENTS[kind]} events of ${cluster.node.path} on the calendar and in Graphite`.slice(0, 512),
              target: new eventsTargets.LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.hours(6) }),
            });
          }
        });
      }
      // Last: what watches the cluster's DeployMarkers (SiteAlerts' alarm) gets a whole one.
      cluster._registerDeployMarkers(this);
    } catch (error) {
      throw forCaller(error);
    }
  }

  /** Marks `sites` (default: every site of the cluster) at each event that matches `eventPattern`. */
  public markOnEvent(id: string, options: MarkOnEventOptions): events.Rule {
    try {
      const sites = options.sites?.map(s => s.slug);
      if (sites) requireSitesOf(this, this.sitespeedCluster, `markOnEvent('${id}'): sites`, sites);
      return this.addRule(id, options.eventPattern, sites, options.description, `markOnEvent('${id}'): eventPattern`);
    } catch (error) {
      throw forCaller(error);
    }
  }

  private addRule(id: string, pattern: events.EventPattern, sites: string[] | undefined, description: string | undefined, prop: string): events.Rule {
    const keys = Object.entries(pattern ?? {}).filter(([, v]) => v !== undefined).map(([k]) => k);
    if (!keys.some(k => ['source', 'detailType', 'detail', 'resources'].includes(k))) {
      throw new Error(`${prop}: an EventBridge pattern needs source, detailType, detail or resources, e.g. { source: ['aws.codepipeline'], detailType: ['CodePipeline Pipeline Execution State Change'], detail: { state: ['SUCCEEDED'] } }.`);
    }
    return new events.Rule(this, id, {
      description: description ?? `cdk-sitespeed: deploy markers for ${sites ? sites.join(', ') : 'every site'} of ${this.sitespeedCluster.node.path}`.slice(0, 512),
      eventPattern: pattern,
      targets: [new eventsTargets.LambdaFunction(this.function, {
        // Only these fields are read; the event's id makes a copy of it mark once.
        event: events.RuleTargetInput.fromObject({
          fromEvent: {
            id: events.EventField.eventId,
            time: events.EventField.time,
            source: events.EventField.source,
            detailType: events.EventField.detailType,
            detail: events.EventField.fromPath('$.detail'),
          },
          sites: sites ?? [],
        }),
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
      })],
    });
  }

  /** Every site of the cluster and, when its runs send to the cluster's GraphiteGrafana, its namespace. */
  private sitesOf(cluster: SitespeedCluster, graphite: GraphiteGrafana | undefined): Array<{ site: string; namespace?: string }> {
    return cluster._sites.map(site => ({
      site: site.slug,
      ...(graphite && site._graphite && graphiteGrafanaOf(site._graphite.metrics) === graphite ? { namespace: site._graphite.namespace } : {}),
    }));
  }

  private grantMarkers(role: iam.IRole, cluster: SitespeedCluster): void {
    const bucket = cluster.reportsBucket;
    // The markers file, and the copy kept aside when it cannot be read (lambda-src/report-index/s3-index.ts keepAside).
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [bucket.arnForObjects(MARKERS_KEY)] }));
    const kept = bucket.arnForObjects(`${KEPT_PREFIX}markers.*`);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [kept] }));
    bucket.encryptionKey?.grantEncryptDecrypt(role);
    acknowledgeWildcardResource(role, kept, 'Copies of a markers file that could not be read are kept under a name with the time of the copy.');
  }

  /** Reads each site's own schedule, creates one-time schedules in its group only, and passes them the cluster's scheduler role. */
  private grantRunsAfter(role: iam.IRole, cluster: SitespeedCluster, group: scheduler.ScheduleGroup): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['scheduler:GetSchedule'],
      // Every site's, whenever it is added (resolved at synth).
      resources: Lazy.list({ produce: () => cluster._sites.map(site => site.schedule.scheduleArn) }),
    }));
    const runs = Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${group.scheduleGroupName}/*` });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['scheduler:CreateSchedule'], resources: [runs] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [cluster._runner().schedulerRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    }));
    acknowledgeWildcardResource(role, runs, 'One-time schedules of the runs after a deploy, in this DeployMarkers\' own group only, named after the site and the marker.');
  }

  /**
   * Run Command on the metrics instance only: SendCommand is checked against the document and
   * against the instance, here the metrics instance only (ssm:resourceTag on the library's own
   * tag, as ConfigSync does; https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-rc-setting-up-cmdsec.html).
   */
  private grantAnnotations(role: iam.IRole, graphite: GraphiteGrafana): void {
    const stack = Stack.of(this);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecs:ListContainerInstances'], resources: [graphite.cluster.clusterArn] }));
    const containerInstances = stack.formatArn({ service: 'ecs', resource: 'container-instance', resourceName: '*' });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ecs:DescribeContainerInstances'],
      resources: [containerInstances],
      conditions: { ArnEquals: { 'ecs:cluster': graphite.cluster.clusterArn } },
    }));
    const document = stack.formatArn({ service: 'ssm', account: '', resource: 'document', resourceName: 'AWS-RunShellScript' });
    const instances = stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: [document] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ssm:SendCommand'],
      resources: [instances],
      conditions: { StringEquals: { [`ssm:resourceTag/${CLUSTER_TAG}`]: graphite.instanceTagValue } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:GetCommandInvocation'], resources: ['*'] }));
    acknowledgeWildcardResource(role, containerInstances, 'Container instances of the metrics cluster only (ecs:cluster condition), whose ids change with every replacement.');
    acknowledgeWildcardResource(role, instances, 'SendCommand only on the metrics instance, by its cdk-sitespeed:cluster tag (ssm:resourceTag condition); its id changes with every replacement.');
    acknowledgeWildcardResource(role, '*', 'ssm:GetCommandInvocation has no resource-level permissions: the annotation command\'s result.');
  }
}

function runAfterSecondsOf(runAfter: Duration | undefined): number | undefined {
  if (runAfter === undefined) return undefined;
  if (Token.isUnresolved(runAfter.toSeconds())) throw new Error('runAfter must be a concrete Duration (e.g. Duration.minutes(10)), not a token.');
  const seconds = runAfter.toSeconds();
  if (seconds < 60 || seconds > 86_400) {
    throw new Error(`runAfter is ${runAfter.toHumanString()}; it must be from 1 minute to 24 hours (e.g. Duration.minutes(10): time for caches and CDNs to take the release).`);
  }
  return seconds;
}

/** What the site list may take of the function's 4 KB environment (the rest: names and ARNs, about 600 bytes). */
const MAX_SITES_ENV = 3300;

/** The sites grouped by Graphite namespace ('' for none): `[["sitespeed_io.prod", ["shop", "blog"]], ["", ["own"]]]`. */
function sitesEnv(sites: Array<{ site: string; namespace?: string }>): string {
  const groups = new Map<string, string[]>();
  for (const { site, namespace } of sites) groups.set(namespace ?? '', [...(groups.get(namespace ?? '') ?? []), site]);
  return JSON.stringify([...groups]);
}

/** The GraphiteGrafana behind a cluster's or a site's metrics, if they are one. */
function graphiteGrafanaOf(metrics: ISitespeedMetrics | undefined): GraphiteGrafana | undefined {
  if (metrics instanceof GraphiteGrafana) return metrics;
  if (metrics instanceof MetricsStack) return metrics.graphiteGrafana;
  return undefined;
}
