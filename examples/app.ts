/**
 * The reference deployment of cdk-sitespeed: the stages dev, staging and prod from one code path,
 * each with a network stack, a metrics stack (Graphite + Grafana) and a sitespeed stack (clusters,
 * reports, config, sites), wired across stacks. dev and staging mirror prod but are switched off
 * (zero instances, schedules disabled) until you turn them on.
 *
 * `npm run synth:example` synthesizes it into cdk.out/ offline; see the README for deploying.
 * examples/python/app.py builds the prod stage through the Python bindings; keep them in step.
 *
 * Context knobs (`-c name=value`):
 *   nag=false             skip the cdk-nag AwsSolutions checks that run on every synth (default: run)
 *   stages=prod           comma-separated stages to synthesize (default: dev,staging,prod)
 *   running=staging       comma-separated stages besides prod whose instances run and whose
 *                         schedules are on (default: none)
 *   grafanaCidrs=203.0.113.0/24
 *                         comma-separated IPv4 ranges that may open Grafana (default: none, i.e.
 *                         private: open it through SSM port forwarding)
 *   alertEmails=oncall@example.com
 *                         comma-separated addresses that get the running stages' alerts (default:
 *                         none: the alert topic has no subscriber until you add one)
 * Environment:
 *   CDK_DEFAULT_ACCOUNT, CDK_DEFAULT_REGION
 *                         set by the cdk CLI from your AWS profile: the stacks deploy there.
 *                         Without them (offline synth, tests) the stacks are environment-agnostic.
 */
import { Annotations, App, CfnOutput, Duration, Environment, Stack, StackProps, Stage, StageProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { TimeZone } from 'aws-cdk-lib/core';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import {
  Browser, ConfigSync, Connectivity, ConnectivityProfile, DeployMarkers, GrafanaAccess, InstanceSchedule, MetricsStack, ReportTree, SiteAlerts,
  SitespeedCluster,
} from '../src';

export const STAGES = ['dev', 'staging', 'prod'];

/** What differs between stages: only whether they run. */
export interface SitespeedStageProps extends StageProps {
  /** Instances run and schedules are on; false keeps everything deployed but at zero. */
  readonly running: boolean;
  /** IPv4 ranges that may open Grafana; empty for private (SSM port forwarding). */
  readonly grafanaCidrs: string[];
  /** Who gets the alerts of a running stage. */
  readonly alertEmails: string[];
}

/** The VPC of a stage: no NAT gateway (about 35 USD a month per AZ saved), rejected traffic logged. */
export class NetworkStack extends Stack {
  public readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
      flowLogs: { rejected: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });
  }
}

export interface SitespeedStackProps extends StackProps {
  readonly vpc: ec2.IVpc;
  readonly metrics: MetricsStack;
  readonly running: boolean;
  /** Who gets the alerts (a running stage has them). */
  readonly alertEmails: string[];
  /**
   * The order in which the parts after the clusters are created. Any order gives the same
   * templates (test/order.test.ts): no construct of the library depends on another's creation order.
   * @default SITESPEED_PARTS
   */
  readonly partOrder?: readonly SitespeedPart[];
}

/** The parts of the test stack after its two clusters, in the order the stack creates them by default. */
export const SITESPEED_PARTS = ['reports', 'config', 'sites', 'alerts', 'markers'] as const;
export type SitespeedPart = typeof SITESPEED_PARTS[number];

/** The stack that runs the tests. */
export class SitespeedStack extends Stack {
  public readonly sitespeed: SitespeedCluster;
  public readonly hostTcCluster: SitespeedCluster;
  // Set by their parts (see partOrder).
  public reports!: ReportTree;
  public config!: ConfigSync;

  constructor(scope: Construct, id: string, props: SitespeedStackProps) {
    super(scope, id, props);
    const enabled = props.running;
    this.sitespeed = new SitespeedCluster(this, 'Sitespeed', {
      vpc: props.vpc,
      maxCapacity: enabled ? 2 : 0,
      // An instance only from 15 minutes before each scheduled run (from the sites' own cron
      // schedules) until 15 minutes after the last: about $20 a month less than office hours
      // (npx cdk-sitespeed cost; docs/costs.md says what it does to measurements).
      schedule: enabled ? InstanceSchedule.aroundRuns() : InstanceSchedule.alwaysOn(),
      // sitespeed.io's advice: always throttle. The throttle engine shapes the task's own
      // network namespace only, never the instance's AWS traffic.
      connectivity: Connectivity.throttle(ConnectivityProfile.CABLE),
      metrics: props.metrics,
    });

    // The other way to shape: tc on the instance's interface, with AWS traffic exempt. One
    // small cluster for the sites that must run on the host's network.
    // It writes to the first cluster's bucket, so both clusters' runs share one calendar.
    this.hostTcCluster = new SitespeedCluster(this, 'SitespeedHostTc', {
      vpc: props.vpc,
      maxCapacity: enabled ? 1 : 0,
      connectivity: Connectivity.hostTc(ConnectivityProfile.FOUR_G),
      metrics: props.metrics,
      reportsBucket: this.sitespeed.reportsBucket,
    });

    const parts: Record<SitespeedPart, () => void> = {
      reports: () => this.addReports(),
      config: () => this.addConfig(),
      sites: () => this.addSites(enabled),
      alerts: () => this.addAlerts(props),
      markers: () => this.addMarkers(),
    };
    for (const part of props.partOrder ?? SITESPEED_PARTS) parts[part]();

    new CfnOutput(this, 'ViewerUrl', { value: this.reports.viewerUrl });
    new CfnOutput(this, 'ConfigBucket', { value: this.config.bucket.bucketName });
    new CfnOutput(this, 'ConfigPrefix', { value: this.config.prefix });
  }

  /**
   * The calendar of every run of both clusters, on CloudFront; the sites' Grafana annotations
   * link to it (--resultBaseURL). Reports are kept 90 days (the default; docs/report-tree.md).
   */
  private addReports(): void {
    this.reports = new ReportTree(this, 'Reports', { cluster: this.sitespeed });
    this.reports.addCluster(this.hostTcCluster);
  }

  /**
   * A line on the calendar and a Graphite annotation at each deploy: from `npx cdk-sitespeed mark`
   * in a pipeline, and from the shop's release pipeline when it succeeds (docs/deploy-markers.md);
   * the marked sites run 10 minutes after each, judged against their runs before it.
   */
  private addMarkers(): void {
    new DeployMarkers(this, 'Markers', {
      cluster: this.sitespeed,
      runAfter: Duration.minutes(10),
      deployEvents: [{
        source: ['aws.codepipeline'],
        detailType: ['CodePipeline Pipeline Execution State Change'],
        detail: { pipeline: ['shop-release'], state: ['SUCCEEDED'] },
      }],
    });
  }

  /**
   * URL files, scripts and budgets live under s3://<config bucket>/config/; people who never
   * touch CDK change what is tested by uploading there.
   */
  private addConfig(): void {
    this.config = new ConfigSync(this, 'Config', { cluster: this.sitespeed });
  }

  private addSites(enabled: boolean): void {
    // Throttled to cable, every two hours on Stockholm working hours.
    this.sitespeed.addSite('Shop', {
      schedule: ScheduleExpression.cron({ minute: '15', hour: '8-18/2', weekDay: 'MON-FRI', timeZone: TimeZone.of('Europe/Stockholm') }),
      enabled,
      urls: [
        { url: 'https://shop.example.com/', alias: 'home' },
        { url: 'https://shop.example.com/cart', alias: 'cart' },
      ],
      iterations: 5,
      connectivityProfile: ConnectivityProfile.CABLE,
    });
    // Firefox, London mornings, with sitespeed.io options the library has no prop for.
    this.sitespeed.addSite('Blog', {
      schedule: ScheduleExpression.cron({ minute: '0', hour: '9', weekDay: 'MON-FRI', timeZone: TimeZone.EUROPE_LONDON }),
      enabled,
      urls: [{ url: 'https://blog.example.com/' }],
      browser: Browser.FIREFOX,
      config: { browsertime: { firefox: { includeResponseBodies: 'html' } } },
      sitespeedArgs: ['--plugins.remove', 'screenshot'],
    });
    // From the config bucket, with a budget: upload config/urls/docs.txt and config/budgets/docs.json.
    this.sitespeed.addSite('Docs', {
      schedule: ScheduleExpression.cron({ minute: '30', hour: '12', weekDay: 'MON-FRI', timeZone: TimeZone.of('Europe/Stockholm') }),
      enabled,
      urlsFile: 'urls/docs.txt',
      budgetFile: 'budgets/docs.json',
    });
    // A scripted user journey (log in, add to cart, check out): upload config/scripts/checkout.mjs.
    const checkout = this.sitespeed.addSite('Checkout', {
      schedule: ScheduleExpression.rate(Duration.hours(3)),
      enabled,
      script: 'scripts/checkout.mjs',
      iterations: 3,
      mobile: true,
      connectivityProfile: ConnectivityProfile.FOUR_G,
    });
    // Around the clock on a rate: no fixed times for aroundRuns to warm up for, so each run starts
    // its instance (a few minutes late), which costs less than a window before each (cdk-sitespeed cost).
    Annotations.of(checkout).acknowledgeWarning('cdk-sitespeed:siteNotWarmed', 'a cold start per run is meant for this site');
    this.hostTcCluster.addSite('Landing', {
      schedule: ScheduleExpression.cron({ minute: '45', hour: '10', timeZone: TimeZone.of('America/New_York') }),
      enabled,
      urls: [{ url: 'https://www.example.com/', alias: 'landing' }],
    });
  }

  /**
   * A running stage tells people when a site starts failing (confirmed by a second run) and
   * when it recovers; both clusters share one topic. The alerts also watch the ReportTree's and
   * the ConfigSync's functions, whenever those are created.
   */
  private addAlerts(props: SitespeedStackProps): void {
    if (!props.running) return;
    const alerts = new SiteAlerts(this, 'Alerts', { cluster: this.sitespeed, emails: props.alertEmails });
    new SiteAlerts(this, 'HostTcAlerts', { cluster: this.hostTcCluster, topic: alerts.topic });
    new CfnOutput(this, 'AlertTopic', { value: alerts.topic.topicArn });
  }
}

/** One stage: its stacks are named `<stage>-Network`, `<stage>-Metrics` and `<stage>-Sitespeed`. */
export class SitespeedStage extends Stage {
  public readonly network: NetworkStack;
  public readonly metrics: MetricsStack;
  public readonly sitespeed: SitespeedStack;

  constructor(scope: Construct, id: string, props: SitespeedStageProps) {
    super(scope, id, props);
    this.network = new NetworkStack(this, 'Network');
    // Graphite and Grafana, on their own: they outlive redeployments of the test clusters.
    this.metrics = new MetricsStack(this, 'Metrics', {
      vpc: this.network.vpc,
      running: props.running,
      graphiteNamespace: `sitespeed_io.${id}`,
      grafanaAccess: props.grafanaCidrs.length > 0 ? GrafanaAccess.fromCidrs(props.grafanaCidrs) : GrafanaAccess.privateOnly(),
    });
    this.sitespeed = new SitespeedStack(this, 'Sitespeed', {
      vpc: this.network.vpc, metrics: this.metrics, running: props.running, alertEmails: props.alertEmails,
    });
  }
}

export interface ReferenceAppOptions {
  /** Run cdk-nag's AwsSolutions checks at synth (synth fails on an unacknowledged finding). */
  readonly nag: boolean;
  /** The stages to build. @default STAGES */
  readonly stages?: string[];
  /** Stages besides prod that run. @default none */
  readonly running?: string[];
  /** IPv4 ranges that may open Grafana. @default none */
  readonly grafanaCidrs?: string[];
  /** Email addresses for the running stages' alerts. @default none */
  readonly alertEmails?: string[];
  /** Where to deploy. @default environment-agnostic */
  readonly env?: Environment;
}

const CROSS_STACK_REFERENCES = '@aws-cdk/core:defaultCrossStackReferences';

/** Adds the reference deployment's stages to `app`. */
export function buildReferenceApp(app: App, options: ReferenceAppOptions): SitespeedStage[] {
  const stages = options.stages ?? STAGES;
  for (const name of stages) {
    if (!STAGES.includes(name)) throw new Error(`stages: '${name}' is not one of ${STAGES.join(', ')}.`);
  }
  // The stages reference each other's stacks (the VPC, Graphite): strong references keep a
  // producer from being deleted while a consumer uses it. Said explicitly, as CDK asks.
  if (app.node.tryGetContext(CROSS_STACK_REFERENCES) === undefined) app.node.setContext(CROSS_STACK_REFERENCES, 'strong');
  const built = stages.map(name => new SitespeedStage(app, name, {
    env: options.env,
    running: name === 'prod' || (options.running ?? []).includes(name),
    grafanaCidrs: options.grafanaCidrs ?? [],
    alertEmails: options.alertEmails ?? [],
  }));
  if (options.nag) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return built;
}

function listContext(app: App, name: string): string[] | undefined {
  const value = app.node.tryGetContext(name);
  return value === undefined ? undefined : String(value).split(',').map(s => s.trim()).filter(Boolean);
}

if (require.main === module) {
  const app = new App();
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  buildReferenceApp(app, {
    nag: app.node.tryGetContext('nag') !== 'false',
    stages: listContext(app, 'stages'),
    running: listContext(app, 'running'),
    grafanaCidrs: listContext(app, 'grafanaCidrs'),
    alertEmails: listContext(app, 'alertEmails'),
    env: account && region ? { account, region } : undefined,
  });
  app.synth();
}
