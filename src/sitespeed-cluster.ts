import { Aws, Duration, Lazy, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, IConstruct } from 'constructs';
import type { ConfigSync } from './config-sync';
import { Connectivity } from './connectivity';
import { SHAPING_ATTRIBUTE } from './contract/check-entry';
import { INDEX_PREFIX, OUTCOME_PREFIX } from './contract/report-keys';
import { CLUSTER_TAG } from './contract/site-names';
import { CONTAINER_NAME } from './contract/sitespeed-args';
import type { DeployMarkers } from './deploy-markers';
import { EcsAmi } from './ecs-ami';
import { InstanceSchedule, ScheduleTarget, SiteRuns } from './instance-schedule';
import { checkUserDataSize, installedShell, installShell, runShellAtBoot } from './private/boot-shell';
import { logicalIdOf, markForCheck } from './private/check-metadata';
import { isSitespeedCluster, markSitespeedCluster } from './private/cluster-of';
import { ClusterTeardown } from './private/cluster-teardown';
import { placeKey, usePlace } from './private/data-homes';
import { DEFAULTS } from './private/defaults';
import { ecsInstanceRole, ecsLaunchTemplate, scopeInstanceLogWrites } from './private/ecs-instance';
import { afterEcsServiceRole } from './private/ecs-service-role';
import { forCaller, spelledValidation } from './private/for-caller';
import { maxOldSpaceSizeMiB } from './private/instance-capacity';
import { acknowledge, acknowledgeWildcardResource, CONTAINER_INSIGHTS_OFF } from './private/nag';
import { RunOutcomes } from './private/run-outcomes';
import { runEventRule, runMetric, RunSubject } from './private/run-signals';
import { SiteRunner } from './private/site-runner';
import { checkClusterProps } from './private/sitespeed-cluster-props';
import type { ReportTree } from './report-tree';
import type { ClusterRunEventOptions, ClusterRunFinishedOptions } from './run-events';
import { RunMetricSource } from './run-metric-source';
import { ScheduledSite, ScheduledSiteOptions } from './scheduled-site';
import type { SiteAlerts } from './site-alerts';
import { SitespeedImage } from './sitespeed-image';
import type { ISitespeedMetrics } from './sitespeed-metrics';

/** The sitespeed.io image's ENTRYPOINT (its Dockerfile: `ENTRYPOINT ["/start.sh"]`). */
const SITESPEED_IMAGE_ENTRYPOINT = '/start.sh';

/** How long a deleted or overwritten report can be restored from the reports bucket's versions. */
const REPORT_VERSION_DAYS = 30;

/** Properties of a {@link SitespeedCluster}. */
export interface SitespeedClusterProps {
  /** The VPC the test instances run in. It needs no NAT gateway (see `vpcSubnets`). */
  readonly vpc: ec2.IVpc;

  /**
   * Where the test instances run. Public subnets give them a public IP to reach the sites they
   * test without a NAT gateway (about 35 USD a month per AZ); their security group has no
   * inbound rule, so nothing can connect to them. Choose private subnets with NAT when your
   * sites are internal or must see a fixed egress IP.
   * @default - the VPC's public subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Instance type of the test instances. One test runs per instance, so this is the machine a
   * browser gets to itself. sitespeed.io advises the c5 class; burstable types (t3…) get a
   * warning because their CPU credits make metrics drift. Any type works: for one the
   * library's table does not know (its vCPUs and memory), give `taskCpu` and `taskMemoryMiB`.
   * ARM (Graviton) types boot the arm64 ECS AMI and get a warning: sitespeed.io's arm64 image
   * runs Chromium instead of Chrome and has no Edge.
   * @default ec2.InstanceType.of(ec2.InstanceClass.C5, ec2.InstanceSize.LARGE)
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * CPU units a run reserves (1024 per vCPU). One test takes a whole instance, so this is all of
   * the type's vCPUs: give it for a type the library's table does not know.
   * @default - all of the instance type's vCPUs, for the types the library knows (c5, c6i, c7i, m5… t3); required for others
   */
  readonly taskCpu?: number;

  /**
   * Memory (MiB) a run reserves. A little less than the type's memory: the ECS agent registers
   * less than the nominal size, and a task that reserves more is never placed. Give it for a
   * type the library's table does not know.
   * @default - the type's memory less max(512 MiB, 10 %), for the types the library knows; required for others
   */
  readonly taskMemoryMiB?: number;

  /**
   * The image the test instances boot. The latest by default: they hold no state and scale in
   * and out with the schedule, so a new AMI (read at each deploy) reaches them without a
   * disruption that matters, at the cost of a possible step in the metrics when the AMI's
   * Docker or kernel changes. Pin a release to move only when you choose.
   * @default EcsAmi.latest()
   */
  readonly machineImage?: EcsAmi;

  /**
   * Instances kept running at all times (outside a schedule's windows, the schedule rules).
   * @default 0
   */
  readonly minCapacity?: number;

  /**
   * Most instances at once, i.e. most runs at once.
   * @default 2
   */
  readonly maxCapacity?: number;

  /**
   * When instances may run.
   * @default InstanceSchedule.alwaysOn()
   */
  readonly schedule?: InstanceSchedule;

  /**
   * The sitespeed.io image.
   * @default SitespeedImage.pinned()
   */
  readonly image?: SitespeedImage;

  /**
   * Size of the container's `/dev/shm`. Docker's 64 MiB default crashes browsers (the user
   * story's OOM); Firefox needs the most.
   * @default 2048
   */
  readonly sharedMemorySizeMiB?: number;

  /**
   * Where reports go (`<slug>/<YYYY-MM-DD-HH-mm-ss>/`). The task role may put objects in it and
   * list it, nothing else.
   * @default - a new bucket: encrypted, SSL only, public access blocked, retained on delete, versioned (a deleted or overwritten object can be restored for 30 days)
   */
  readonly reportsBucket?: s3.IBucket;

  /**
   * How long the sitespeed.io container logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Size of each instance's encrypted root volume. The ECS-optimised AMI needs 30 GiB; the
   * sitespeed.io image takes about 4 GiB of it.
   * @default 30
   */
  readonly rootVolumeSizeGiB?: number;

  /**
   * How runs get their network conditions; sites may pick another profile. sitespeed.io
   * advises always throttling: `Connectivity.throttle(ConnectivityProfile.CABLE)`.
   * @default Connectivity.none()
   */
  readonly connectivity?: Connectivity;

  /**
   * CloudWatch Container Insights for the cluster (task CPU and memory, useful when a run is slow).
   * Its metrics are custom metrics, charged for the hours a run is going: about 21 for a cluster
   * of sites, some $3.60 a month with runs in 400 hours of it (`npx cdk-sitespeed cost`).
   * @default false
   */
  readonly containerInsights?: boolean;

  /**
   * Run metrics per site (dimensions Cluster and Site) for every site of this cluster, besides
   * the cluster's own (dimension Cluster). Each is a CloudWatch custom metric: about nine per
   * site, $0.30 each per month (prorated by the hours with data), so around $2.70 a site a month
   * with hourly runs. A site's own `siteMetrics` overrides this.
   * @default false - the cluster's metrics only (nine in all); the site is still a field of each metrics log line
   */
  readonly siteMetrics?: boolean;

  /**
   * How long a run may wait in PROVISIONING (for an instance) before the next run of its site
   * stops it and starts instead: without a limit, a run that never gets capacity would make
   * the overlap guard skip that site for ever. A scale-out from zero takes a few minutes.
   * @default Duration.minutes(30)
   */
  readonly maxProvisioningWait?: Duration;

  /**
   * Graphite and Grafana for the runs' metrics: every site sends there (Graphite host, ports and
   * a namespace the dashboards understand), and this cluster is allowed to connect to Graphite.
   * @default - no metrics; sites may still name a Graphite with graphiteHost
   */
  readonly metrics?: ISitespeedMetrics;
}

/**
 * A cluster that runs sitespeed.io tests, as ReportTree, ConfigSync, SiteAlerts and your own code
 * take it: what it created, its run events and its run metrics.
 */
export interface ISitespeedCluster extends IConstruct, ec2.IConnectable {
  /** The ECS cluster. */
  readonly cluster: ecs.Cluster;
  /** The Auto Scaling group of test instances. */
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The bucket reports are uploaded to. */
  readonly reportsBucket: s3.IBucket;
  /** The role of the test instances. */
  readonly instanceRole: iam.IRole;
  /** The function that turns every stopped run into a "Sitespeed Run Finished" event. */
  readonly runOutcomeFunction: lambda.IFunction;
  /** Stopped runs whose outcome could not be published after Lambda's retries. */
  readonly runOutcomeFailedEvents: sqs.IQueue;
  /** The function that starts the cluster's runs. */
  readonly runTaskFunction: lambda.IFunction;
  /** The ReportTree of this cluster, if it has one. */
  readonly reportTree?: ReportTree;
  /** The ConfigSync of this cluster, if it has one. */
  readonly configSync?: ConfigSync;

  /** Tests a site on a schedule on this cluster. */
  addSite(id: string, options: ScheduledSiteOptions): ScheduledSite;
  /** Lets `grantee` start runs on this cluster and see their state. */
  grantRun(grantee: iam.IGrantable): iam.Grant;
  /** A rule on this cluster's "Sitespeed Run Finished" events. */
  onRunFinished(id: string, options?: ClusterRunFinishedOptions): events.Rule;
  /** A rule on this cluster's "Sitespeed Run Skipped" events. */
  onRunSkipped(id: string, options?: ClusterRunEventOptions): events.Rule;
  /** A rule on this cluster's "Sitespeed Run Not Started" events. */
  onRunNotStarted(id: string, options?: ClusterRunEventOptions): events.Rule;
  /** A rule on this cluster's "Sitespeed Regression Detected" events (needs a ReportTree). */
  onRegressionDetected(id: string, options?: ClusterRunEventOptions): events.Rule;
  /** A rule on this cluster's "Sitespeed Regression Recovered" events. */
  onRegressionRecovered(id: string, options?: ClusterRunEventOptions): events.Rule;
  /** A rule on this cluster's "Sitespeed Baseline Reset" events. */
  onBaselineReset(id: string, options?: ClusterRunEventOptions): events.Rule;
  /** A run metric of this cluster by name (RunMetrics). */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Finished runs (Sum over an hour). */
  metricRuns(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Finished runs that were not ok (Sum over an hour). */
  metricRunsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Runs that failed their budget (Sum over an hour). */
  metricBudgetFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Runs that left no report (Sum over an hour). */
  metricRunsWithoutReport(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Runs that never started (Sum over an hour). */
  metricRunsNotStarted(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Scheduled runs skipped while the previous run of their site was still going (Sum over an hour). */
  metricRunsSkipped(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Seconds from a run's start to its stop (Average over an hour). */
  metricRunDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/**
 * An ECS cluster of EC2 instances that runs sitespeed.io tests, one test per instance.
 *
 * The instances sit behind a capacity provider with managed scaling, so a run placed on an
 * empty cluster makes it scale out, and an idle cluster scales back to zero.
 */
export class SitespeedCluster extends RunMetricSource implements ISitespeedCluster {
  /** The name of the sitespeed.io container in the task definition. */
  public static readonly CONTAINER_NAME = CONTAINER_NAME;

  /** Whether `x` is a SitespeedCluster of this library (what `instanceof` cannot tell across copies of the package). */
  public static isSitespeedCluster(x: any): x is SitespeedCluster {
    return isSitespeedCluster(x);
  }

  /** The ECS cluster. */
  public readonly cluster: ecs.Cluster;
  /** The Auto Scaling group of test instances. */
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The capacity provider runs must use (never a launch type, which bypasses scaling). */
  public readonly capacityProvider: ecs.AsgCapacityProvider;
  /** The launch template of the test instances. */
  public readonly launchTemplate: ec2.LaunchTemplate;
  /** The role of the test instances (ECS agent, SSM Session Manager). */
  public readonly instanceRole: iam.IRole;
  /** The sitespeed.io task definition. */
  public readonly taskDefinition: ecs.Ec2TaskDefinition;
  /** The sitespeed.io container. */
  public readonly container: ecs.ContainerDefinition;
  /** The bucket reports are uploaded to. */
  public readonly reportsBucket: s3.IBucket;
  /**
   * Puts every stopped run's outcome on the account's default event bus ("Sitespeed Run
   * Finished": status, exit code, failing budget checks, report link) and logs its metrics
   * (docs/run-events.md).
   */
  public readonly runOutcomeFunction: lambda.IFunction;
  /**
   * Where a stopped task lands when its outcome could not be published after Lambda's retries
   * (its `requestPayload` is the ECS event: replay it, docs/run-events.md).
   */
  public readonly runOutcomeFailedEvents: sqs.IQueue;
  /** Whether its sites have per-site metrics unless they say otherwise (the siteMetrics prop). */
  public readonly siteMetrics: boolean;
  /** The log group of the sitespeed.io container. */
  public readonly logGroup: logs.ILogGroup;
  /** The test instances' security group (no inbound rules). */
  public readonly connections: ec2.Connections;
  /** The CPU units a run reserves: all of the instance type's vCPUs, 1024 units each. */
  public readonly taskCpu: number;
  /** The memory (MiB) a run reserves on its instance. */
  public readonly taskMemoryReservationMiB: number;
  /** How runs get their network conditions. */
  public readonly connectivity: Connectivity;
  /** Whether the test instances are ARM (Graviton): sitespeed.io's arm64 image has Chromium and Firefox only. @internal */
  public readonly _arm: boolean;
  /** Where the config folder (URL files, scripts, budgets) is mounted in the sitespeed.io container. */
  public readonly configContainerPath: string = '/config';
  /**
   * The value of the tag `cdk-sitespeed:cluster` on this cluster's instances (propagated at
   * launch): the config sync and its permission find the instances by it.
   */
  public readonly instanceTagValue: string;
  /** Where the runs send metrics, if anywhere (see the metrics prop). */
  public readonly metrics?: ISitespeedMetrics;

  /** When the instances may run. */
  public readonly schedule: InstanceSchedule;

  private readonly logRetention: logs.RetentionDays;
  private readonly maxProvisioningWaitMinutes: number;
  private readonly userData: ec2.UserData;
  private readonly slugs = new Map<string, string>();
  private readonly siteList: ScheduledSite[] = [];
  private readonly scheduleTarget: ScheduleTarget;
  private siteRunner?: SiteRunner;
  private graphiteAuthOf?: ISitespeedMetrics;
  private config?: ConfigSync;
  private tree?: ReportTree;
  private alerts?: SiteAlerts;
  private readonly treeWatchers: ((tree: ReportTree) => void)[] = [];
  private readonly configWatchers: ((configSync: ConfigSync) => void)[] = [];
  private readonly markers: DeployMarkers[] = [];
  private readonly markersWatchers: ((markers: DeployMarkers, index: number) => void)[] = [];

  constructor(scope: Construct, id: string, props: SitespeedClusterProps) {
    super(scope, id);
    try {
      markSitespeedCluster(this);

      const checked = checkClusterProps(this, props);
      const { instanceType, minCapacity, maxCapacity, sharedMemorySizeMiB, rootVolumeSizeGiB } = checked;
      this.taskCpu = checked.taskCpu;
      this.maxProvisioningWaitMinutes = checked.maxProvisioningWaitMinutes;
      this.taskMemoryReservationMiB = checked.taskMemoryReservationMiB;
      this._arm = instanceType.architecture === ec2.InstanceArchitecture.ARM_64;

      this.reportsBucket = props.reportsBucket ?? this.createReportsBucket();
      usePlace(this, 'reports bucket', placeKey(this.reportsBucket.bucketName, this.reportsBucket));
      this.connectivity = props.connectivity ?? Connectivity.none();
      this.metrics = props.metrics;
      const shaping = this.connectivity._bind(this, props.vpc.vpcCidrBlock);

      const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
        vpc: props.vpc,
        description: 'sitespeed.io test instances: no inbound, outbound to the sites under test',
        allowAllOutbound: true,
      });
      this.connections = new ec2.Connections({ securityGroups: [securityGroup] });

      const instanceRole = ecsInstanceRole(this);
      this.instanceRole = instanceRole;

      const image = (props.image ?? SitespeedImage.pinned())._bind(this, instanceRole);
      const userData = ec2.UserData.forLinux();
      this.userData = userData;
      this._addBootScript('sitespeed-instance-boot', {
        SITESPEED_IMAGE: image.imageName, ECR_REGISTRY: image.ecrRegistry ?? '', AWS_REGION: Aws.REGION, SHAPING_MODULES: String(shaping.shapingModules),
      });
      for (const script of shaping.hostScripts) this._installHostScript(script.shell, `${script.hostDir}/${script.file}`);
      for (const script of shaping.bootScripts) this._addBootScript(script.shell, script.environment);
      for (const { statement, why } of shaping.instanceStatements) {
        instanceRole.addToPrincipalPolicy(statement);
        for (const resource of statement.resources) {
          if (resource === '*') acknowledge(instanceRole, 'AwsSolutions-IAM5[Resource::*]', why);
          else if (resource.includes('*')) acknowledgeWildcardResource(instanceRole, resource, why);
        }
      }

      const subnets = props.vpc.selectSubnets(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PUBLIC });
      this.launchTemplate = ecsLaunchTemplate(this, {
        instanceType,
        ami: props.machineImage ?? EcsAmi.latest(),
        role: instanceRole,
        securityGroup,
        userData,
        publicIp: subnets.hasPublic,
        rootVolumeSizeGiB,
      });

      this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'AutoScalingGroup', {
        vpc: props.vpc,
        vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PUBLIC },
        launchTemplate: this.launchTemplate,
        minCapacity,
        maxCapacity,
      });
      this.instanceTagValue = this.node.addr;
      Tags.of(this.autoScalingGroup).add(CLUSTER_TAG, this.instanceTagValue, { applyToLaunchedInstances: true });
      this.schedule = props.schedule ?? InstanceSchedule.alwaysOn();
      this.scheduleTarget = { autoScalingGroup: this.autoScalingGroup, maxCapacity };
      this.schedule._apply(this, this.scheduleTarget);

      const insights = props.containerInsights ?? DEFAULTS.SitespeedClusterProps.containerInsights;
      this.cluster = new ecs.Cluster(this, 'Cluster', {
        vpc: props.vpc,
        containerInsightsV2: insights ? ecs.ContainerInsights.ENABLED : ecs.ContainerInsights.DISABLED,
      });
      if (!insights) acknowledge(this.cluster, 'AwsSolutions-ECS4', CONTAINER_INSIGHTS_OFF);
      this.capacityProvider = new ecs.AsgCapacityProvider(this, 'CapacityProvider', {
        autoScalingGroup: this.autoScalingGroup,
        enableManagedScaling: true,
        // ECS keeps instances with a running test from being scaled in (also by the schedule).
        enableManagedTerminationProtection: true,
        targetCapacityPercent: 100,
      });
      this.cluster.addAsgCapacityProvider(this.capacityProvider);
      markForCheck(this.cluster, {
        kind: 'sitespeed-cluster', autoScalingGroup: logicalIdOf(this.autoScalingGroup), shaping: this.connectivity._engine,
      });
      this.cluster.addDefaultCapacityProviderStrategy([{ capacityProvider: this.capacityProvider.capacityProviderName, weight: 1 }]);

      this.logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
      // A fresh account has no ECS service-linked role yet, and the capacity provider needs it.
      afterEcsServiceRole(this, this.logRetention, this.cluster, this.capacityProvider);
      this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: this.logRetention });
      scopeInstanceLogWrites(instanceRole, this.logGroup);
      // So that `cdk destroy` completes (a protected group never empties by itself).
      new ClusterTeardown(this, 'Teardown', {
        autoScalingGroup: this.autoScalingGroup, cluster: this.cluster, capacityProvider: this.capacityProvider, logRetention: this.logRetention,
      });
      // The network mode, capability, environment, entry point and host scripts are the
      // connectivity's (Connectivity._bind).
      this.taskDefinition = new ecs.Ec2TaskDefinition(this, 'TaskDefinition', { networkMode: shaping.networkMode });
      const linuxParameters = new ecs.LinuxParameters(this, 'LinuxParameters', { sharedMemorySize: sharedMemorySizeMiB });
      if (shaping.netAdmin) linuxParameters.addCapabilities(ecs.Capability.NET_ADMIN);
      if (shaping.shapingModules) {
        // Only where the boot loaded ifb and sch_netem: elsewhere a throttled run fails at once.
        this.taskDefinition.addPlacementConstraint(ecs.PlacementConstraint.memberOf(`attribute:${SHAPING_ATTRIBUTE} == ready`));
      }
      this.container = this.taskDefinition.addContainer(SitespeedCluster.CONTAINER_NAME, {
        image: image.containerImage,
        // A shim turns Graphite's credentials, when the cluster has them (ECS secrets), into
        // sitespeed.io's one SITESPEED_IO_GRAPHITE__AUTH, then runs the image's entrypoint (or host
        // tc's wrapper) with the run's arguments. Without credentials it only runs that.
        entryPoint: ['/bin/bash', '-c', installedShell('sitespeed-run-env.sh'), 'sitespeed-run-env', ...(shaping.entryPoint ?? [SITESPEED_IMAGE_ENTRYPOINT])],
        stopTimeout: shaping.stopTimeout,
        // The whole instance: two runs never share a host, so their metrics stay comparable.
        cpu: this.taskCpu,
        memoryReservationMiB: this.taskMemoryReservationMiB,
        linuxParameters,
        environment: { MAX_OLD_SPACE_SIZE: String(maxOldSpaceSizeMiB(this.taskMemoryReservationMiB)), ...shaping.environment },
        logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'sitespeed', logGroup: this.logGroup }),
        essential: true,
      });
      this.grantReportWrites(this.taskDefinition.taskRole);
      this.siteMetrics = props.siteMetrics ?? DEFAULTS.SitespeedClusterProps.siteMetrics;
      const outcomes = new RunOutcomes(this, 'RunOutcomes', {
        siteMetrics: this.sitesWithMetrics(),
        hardStopWindow: this.schedule._hardStop ? this.schedule._hardStopWindow : undefined,
        clusterArn: this.cluster.clusterArn,
        clusterName: this.cluster.clusterName,
        taskDefinitionFamily: this.taskDefinition.family,
        containerName: this.container.containerName,
        reportsBucket: this.reportsBucket,
        logRetention: this._logRetention,
      });
      this.runOutcomeFunction = outcomes.function;
      this.runOutcomeFailedEvents = outcomes.failedEvents;
      for (const script of shaping.hostScripts) this._mountHostPath(script.volumeName, script.hostDir, script.containerDir);
      if (shaping.netAdmin) this.node.addValidation(spelledValidation({ validate: () => this.checkShapingCapability(linuxParameters) }));

      this.metrics?.allowMetricsFrom(this);
      if (this.metrics) this._useGraphiteAuth(this.metrics);
      // Checked once everything (ConfigSync, sites, the cluster's ECS lines) has written to it.
      this.node.addValidation(spelledValidation({ validate: () => checkUserDataSize(this, userData) }));
      this.acknowledgeNagFindings();
    } catch (error) {
      throw forCaller(error);
    }
  }

  /** Tests a site on a schedule on this cluster. */
  public addSite(id: string, options: ScheduledSiteOptions): ScheduledSite {
    return new ScheduledSite(this, id, { ...options, cluster: this });
  }

  /**
   * A rule on this cluster's "Sitespeed Run Finished" events (every stopped run: its status,
   * report link and failing budget checks; schema in docs/run-events.md), scoped to this
   * cluster: a rule on the source alone would also catch the other stages in the account.
   */
  public onRunFinished(id: string, options: ClusterRunFinishedOptions = {}): events.Rule {
    return runEventRule(this, id, this.runSubject(), 'finished', options);
  }

  /** A rule on this cluster's "Sitespeed Run Skipped" events: a scheduled run skipped because the site's previous run was still going. */
  public onRunSkipped(id: string, options: ClusterRunEventOptions = {}): events.Rule {
    return runEventRule(this, id, this.runSubject(), 'skipped', options);
  }

  /**
   * A rule on this cluster's "Sitespeed Run Not Started" events: RunTask refused a run (one event
   * per attempt). A run that was placed but never got an instance ends as a finished run with
   * status `RunStatus.NOT_STARTED` instead (`onRunFinished`).
   */
  public onRunNotStarted(id: string, options: ClusterRunEventOptions = {}): events.Rule {
    return runEventRule(this, id, this.runSubject(), 'notStarted', options);
  }

  /**
   * A rule on this cluster's "Sitespeed Regression Detected" events: its runs got slower than its own
   * recent past, confirmed by the next scheduled runs (docs/regressions.md). Needs a ReportTree
   * (with regressionDetection, the default); an error at synth otherwise.
   */
  public onRegressionDetected(id: string, options: ClusterRunEventOptions = {}): events.Rule {
    return runEventRule(this, id, this.runSubject(), 'regressionDetected', options);
  }

  /** A rule on this cluster's "Sitespeed Regression Recovered" events: back at the baseline, or the new level accepted. */
  public onRegressionRecovered(id: string, options: ClusterRunEventOptions = {}): events.Rule {
    return runEventRule(this, id, this.runSubject(), 'regressionRecovered', options);
  }

  /** A rule on this cluster's "Sitespeed Baseline Reset" events: the test setup changed (browser version, URLs, iterations), a new baseline starts. */
  public onBaselineReset(id: string, options: ClusterRunEventOptions = {}): events.Rule {
    return runEventRule(this, id, this.runSubject(), 'baselineReset', options);
  }

  /** A run metric of this cluster by name (`RunMetrics`): Sum over an hour, Average for the duration. */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return runMetric(this.runSubject(), metricName, props);
  }

  private runSubject(): RunSubject {
    return { cluster: this, path: this.node.path };
  }

  /**
   * The runTask Lambda that starts this cluster's runs (created with the first site). Invoke it
   * with a site's `runRequest` to run that site now.
   */
  public get runTaskFunction(): lambda.IFunction {
    return this._runner().function;
  }

  /**
   * Gives the runs the credentials of `metrics`' Graphite, if it has any (the cluster's metrics,
   * or a site's): ECS secrets of the task definition, so one Graphite with credentials per cluster.
   * @internal
   */
  public _useGraphiteAuth(metrics: ISitespeedMetrics): void {
    const auth = metrics.graphiteAuth;
    if (!auth) return;
    if (this.graphiteAuthOf) {
      if (this.graphiteAuthOf.graphiteAuth === auth) return;
      throw new Error(
        `${this.node.path}: its runs already send to the Graphite of ${this.graphiteAuthOf.node.path} with its credentials; ` +
        `a second Graphite with credentials (${metrics.node.path}) needs a cluster of its own.`,
      );
    }
    this.graphiteAuthOf = metrics;
    this.container.addSecret('GRAPHITE_AUTH_USER', ecs.Secret.fromSecretsManager(auth, 'username'));
    this.container.addSecret('GRAPHITE_AUTH_PASSWORD', ecs.Secret.fromSecretsManager(auth, 'password'));
    // Only runs that send to this host get them (a site may send to a Graphite of its own).
    this.container.addEnvironment('GRAPHITE_AUTH_HOST', metrics.graphiteHost);
  }

  /** @internal */
  public _runner(): SiteRunner {
    if (!this.siteRunner) {
      this.siteRunner = new SiteRunner(this, 'Runner', {
        clusterArn: this.cluster.clusterArn,
        clusterName: this.cluster.clusterName,
        taskDefinitionArn: this.taskDefinition.taskDefinitionArn,
        taskDefinitionFamily: this.taskDefinition.family,
        capacityProviderName: this.capacityProvider.capacityProviderName,
        containerName: this.container.containerName,
        logRetention: this.logRetention,
        maxProvisioningWaitMinutes: this.maxProvisioningWaitMinutes,
        siteMetrics: this.sitesWithMetrics(),
        grantRun: grantee => this.grantRun(grantee),
      });
    }
    return this.siteRunner;
  }

  /** The ConfigSync of this cluster, if it has one. */
  public get configSync(): ConfigSync | undefined {
    return this.config;
  }

  /** The ReportTree of this cluster, if it has one. */
  public get reportTree(): ReportTree | undefined {
    return this.tree;
  }

  /** One SiteAlerts per cluster: a second would alert every failure twice and re-run it twice. @internal */
  public _attachAlerts(alerts: SiteAlerts): void {
    if (this.alerts) {
      throw new Error(`the cluster ${this.node.path} already has a SiteAlerts (${this.alerts.node.path}); one per cluster (add emails or a topic to it instead).`);
    }
    this.alerts = alerts;
  }

  /** @internal */
  public _attachReportTree(tree: ReportTree): void {
    if (this.tree) {
      throw new Error(`the cluster ${this.node.path} already has a ReportTree (${this.tree.node.path}); one index per reports bucket.`);
    }
    this.tree = tree;
    for (const watch of this.treeWatchers) watch(tree);
  }

  /**
   * Calls `watch` with the cluster's ReportTree, now if it has one, else when it gets one: a
   * satellite that watches another works in either creation order. @internal
   */
  public _whenReportTree(watch: (tree: ReportTree) => void): void {
    if (this.tree) watch(this.tree);
    else this.treeWatchers.push(watch);
  }

  /** Calls `watch` with the cluster's ConfigSync, now or when it gets one. @internal */
  public _whenConfigSync(watch: (configSync: ConfigSync) => void): void {
    if (this.config) watch(this.config);
    else this.configWatchers.push(watch);
  }

  /** Calls `watch` with each DeployMarkers of the cluster (and its index), now or when it is created. @internal */
  public _whenDeployMarkers(watch: (markers: DeployMarkers, index: number) => void): void {
    this.markers.forEach(watch);
    this.markersWatchers.push(watch);
  }

  /** Records a DeployMarkers of the cluster, for what watches its function (SiteAlerts). @internal */
  public _registerDeployMarkers(markers: DeployMarkers): void {
    this.markers.push(markers);
    for (const watch of this.markersWatchers) watch(markers, this.markers.length - 1);
  }

  /** @internal */
  public get _logRetention(): logs.RetentionDays {
    return this.logRetention;
  }

  /** Records the cluster's one ConfigSync, which wires itself through the hooks below. @internal */
  public _registerConfigSync(configSync: ConfigSync): void {
    if (this.config) {
      throw new Error(`the cluster ${this.node.path} already has a ConfigSync (${this.config.node.path}); one config folder per cluster.`);
    }
    this.config = configSync;
    for (const watch of this.configWatchers) watch(configSync);
  }

  /**
   * Runs shell/<name>.sh on every instance at boot, before the ECS agent places a task, with
   * `environment` (each value passed as one shell word). @internal
   */
  public _addBootScript(name: string, environment: Record<string, string>): void {
    runShellAtBoot(this.userData, name, environment);
  }

  /** Installs shell/<name>.sh on every instance at `target`, executable. @internal */
  public _installHostScript(name: string, target: string): void {
    installShell(this.userData, name, target);
  }

  /** Mounts an instance folder into the sitespeed.io container, read-only. @internal */
  public _mountHostPath(volumeName: string, hostPath: string, containerPath: string): void {
    this.taskDefinition.addVolume({ name: volumeName, host: { sourcePath: hostPath } });
    this.container.addMountPoints({ sourceVolume: volumeName, containerPath, readOnly: true });
  }

  /** The slugs of the sites with per-site metrics, as the functions' SITE_METRICS (known once all sites exist). */
  private sitesWithMetrics(): string {
    // Uncached: a site's metric*() turns its metrics on, also after something resolved this.
    return Lazy.uncachedString({ produce: () => JSON.stringify(this.siteList.filter(s => s._siteMetrics).map(s => s.slug)) });
  }

  /** The sites of this cluster, in the order they were added. @internal */
  public get _sites(): ScheduledSite[] {
    return [...this.siteList];
  }

  /** @internal */
  public _registerSite(site: ScheduledSite, runs: SiteRuns): void {
    this.siteList.push(site);
    this.schedule._addSiteRuns(site, this.scheduleTarget, runs);
    this.tree?._retainReportsOf(site.slug);
  }

  /** Two sites of one cluster would write into one report folder: refuse it. @internal */
  public _claimSlug(slug: string, sitePath: string): void {
    const owner = this.slugs.get(slug);
    if (owner) {
      throw new Error(`slug '${slug}' of site ${sitePath} is already used by site ${owner} on this cluster; give one of them another slug.`);
    }
    this.slugs.set(slug, sitePath);
  }

  /**
   * Lets `grantee` start sitespeed.io runs on this cluster and see their state: RunTask of this
   * task definition's family on this cluster, tagging those tasks, listing, describing and
   * stopping tasks of this cluster, and passing the task's roles.
   */
  public grantRun(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    const clusterTasks = stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${this.cluster.clusterName}/*` });
    const onThisCluster = { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } };
    const run = iam.Grant.addToPrincipal({
      grantee,
      actions: ['ecs:RunTask'],
      resourceArns: [stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${this.taskDefinition.family}:*` })],
      conditions: onThisCluster,
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['ecs:TagResource'],
      resourceArns: [clusterTasks],
      conditions: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
    });
    // ListTasks has no resource type of its own: it is scoped by the ecs:cluster condition.
    iam.Grant.addToPrincipal({ grantee, actions: ['ecs:ListTasks'], resourceArns: ['*'], conditions: onThisCluster });
    // StopTask: a run stuck in PROVISIONING past maxProvisioningWait is stopped by the next one.
    iam.Grant.addToPrincipal({ grantee, actions: ['ecs:DescribeTasks', 'ecs:StopTask'], resourceArns: [clusterTasks] });
    const roles = [this.taskDefinition.taskRole, this.taskDefinition.obtainExecutionRole()];
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['iam:PassRole'],
      resourceArns: roles.map(role => role.roleArn),
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    });
    return run;
  }

  /** Throttle and host tc cannot work without NET_ADMIN: say so at synth, not in a failed run. */
  private checkShapingCapability(linuxParameters: ecs.LinuxParameters): string[] {
    const engine = this.connectivity._engine;
    const rendered = linuxParameters.renderLinuxParameters().capabilities;
    const capabilities = Stack.of(this).resolve(rendered) as { add?: string[]; drop?: string[] } | undefined;
    const added = (capabilities?.add ?? []).includes('NET_ADMIN');
    // Docker applies added capabilities after a drop of ALL, so only an explicit drop removes it.
    const dropped = (capabilities?.drop ?? []).includes('NET_ADMIN');
    if (!added || dropped) {
      return [`connectivity Connectivity.${engine}() needs the NET_ADMIN capability on the sitespeed.io container, which has been removed; use Connectivity.none() or keep NET_ADMIN.`];
    }
    return [];
  }

  private createReportsBucket(): s3.Bucket {
    const bucket = new s3.Bucket(this, 'ReportsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      // A deleted or overwritten report (any run's task may put any key) can be restored for 30
      // days. Reports are written once, so versions cost nothing until something is deleted or
      // overwritten; the index (.cdk-sitespeed/index/) is rewritten on every run, so its old versions go after
      // a day. Where two rules expire the same noncurrent version, S3 applies the cheaper, shorter
      // one (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-conflicts.html).
      versioned: true,
      lifecycleRules: [
        { id: 'old-versions-30-days', noncurrentVersionExpiration: Duration.days(REPORT_VERSION_DAYS), abortIncompleteMultipartUploadAfter: Duration.days(7) },
        { id: 'old-index-versions-1-day', prefix: INDEX_PREFIX, noncurrentVersionExpiration: Duration.days(1) },
        { id: 'expired-delete-markers', expiredObjectDeleteMarker: true },
        // The run outcomes' markers (one per stopped task) matter only while copies of its event may come.
        { id: 'outcome-markers-7-days', prefix: OUTCOME_PREFIX, expiration: Duration.days(7), noncurrentVersionExpiration: Duration.days(1) },
      ],
    });
    acknowledge(bucket, 'AwsSolutions-S1',
      'Reports are written only by this cluster\'s task role; pass your own bucket as reportsBucket to add server access logging.');
    return bucket;
  }

  /** sitespeed.io's S3 plugin needs PutObject and ListBucket, and nothing else (no key or secret). */
  private grantReportWrites(role: iam.IRole): void {
    const objects = this.reportsBucket.arnForObjects('*');
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [objects] }));
    acknowledgeWildcardResource(role, objects,
      'sitespeed.io names report keys at run time (<slug>/<timestamp>/…): the task may put any object in the reports bucket, and only there.');
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [this.reportsBucket.bucketArn],
    }));
    this.reportsBucket.encryptionKey?.grantEncrypt(role);
  }

  private acknowledgeNagFindings(): void {
    acknowledge(this.autoScalingGroup, 'AwsSolutions-AS3',
      'Scaling is driven by the ECS capacity provider and recorded in ECS events and CloudTrail; notifications would need a topic nobody reads.');
    acknowledge(this.instanceRole, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      'The AWS-maintained minimal policy for SSM Session Manager, the only way onto the instances (no SSH, no inbound rules).');
    const ecsAgent = 'The ECS agent\'s own permissions, added by aws-ecs for container instances; AWS defines no narrower resource for them.';
    acknowledge(this.instanceRole, 'AwsSolutions-IAM5[Resource::*]', ecsAgent);
    acknowledge(this.instanceRole, 'AwsSolutions-IAM5[Action::ecs:Submit*]', ecsAgent);
    acknowledge(this.taskDefinition, 'AwsSolutions-ECS2',
      'The environment holds MAX_OLD_SPACE_SIZE (a heap size) and, with host tc, TC_EXEC and TC_EXEMPT_CIDRS (a path and address ranges); nothing secret is passed in the environment.');
  }

}
