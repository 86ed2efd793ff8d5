/**
 * The reference deployment of cdk-sitespeed. `npm run synth:example` synthesizes it into
 * cdk.out/ offline; `npx cdk deploy --all` deploys it (see README).
 *
 * Context knobs (`-c name=value`):
 *   nag=false   skip the cdk-nag AwsSolutions checks that run on every synth (default true)
 */
import { App, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { TimeZone } from 'aws-cdk-lib/core';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { Browser, ConfigSync, Connectivity, ConnectivityProfile, InstanceSchedule, ReportTree, SitespeedCluster } from '../src';

/** The stack that runs the tests. */
export class SitespeedStack extends Stack {
  public readonly vpc: ec2.Vpc;
  public readonly sitespeed: SitespeedCluster;
  public readonly config: ConfigSync;
  public readonly hostTcCluster: SitespeedCluster;
  public readonly reports: ReportTree;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // No NAT gateway: the test instances sit in public subnets with no inbound rule.
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
      flowLogs: { rejected: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });
    this.sitespeed = new SitespeedCluster(this, 'Sitespeed', {
      vpc: this.vpc,
      maxCapacity: 2,
      schedule: InstanceSchedule.onOff({ timeZone: 'Europe/Stockholm', startHour: 7, stopHour: 20, weekDays: 'MON-FRI' }),
      // sitespeed.io's advice: always throttle. The throttle engine shapes the task's own
      // network namespace only, never the instance's AWS traffic.
      connectivity: Connectivity.throttle(ConnectivityProfile.CABLE),
    });

    // The calendar of every run, on CloudFront; before the sites, so their Grafana annotations
    // link to it (--resultBaseURL).
    this.reports = new ReportTree(this, 'Reports', { cluster: this.sitespeed });

    // The other way to shape: tc on the instance's interface, with AWS traffic exempt. One
    // small cluster for the sites that must run on the host's network.
    this.hostTcCluster = new SitespeedCluster(this, 'SitespeedHostTc', {
      vpc: this.vpc,
      maxCapacity: 1,
      connectivity: Connectivity.hostTc(ConnectivityProfile.FOUR_G),
    });
    this.hostTcCluster.addSite('Landing', {
      schedule: ScheduleExpression.cron({ minute: '45', hour: '10', timeZone: TimeZone.of('America/New_York') }),
      urls: [{ url: 'https://www.example.com/', alias: 'landing' }],
    });

    // URL files, scripts and budgets live under s3://<config bucket>/config/; people who never
    // touch CDK change what is tested by uploading there.
    this.config = new ConfigSync(this, 'Config', { cluster: this.sitespeed });

    // Two sites on different clocks, both inside the cluster's 07:00–20:00 Stockholm window.
    this.sitespeed.addSite('Shop', {
      schedule: ScheduleExpression.cron({ minute: '15', hour: '8-18/2', weekDay: 'MON-FRI', timeZone: TimeZone.of('Europe/Stockholm') }),
      urls: [
        { url: 'https://shop.example.com/', alias: 'home' },
        { url: 'https://shop.example.com/cart', alias: 'cart' },
      ],
      iterations: 5,
      connectivity: ConnectivityProfile.CABLE,
    });
    this.sitespeed.addSite('Blog', {
      schedule: ScheduleExpression.cron({ minute: '0', hour: '9', weekDay: 'MON-FRI', timeZone: TimeZone.EUROPE_LONDON }),
      urls: [{ url: 'https://blog.example.com/' }],
      browser: Browser.FIREFOX,
      mobile: false,
      config: { browsertime: { firefox: { includeResponseBodies: 'html' } } },
      sitespeedArgs: ['--plugins.remove', 'screenshot'],
    });
    // Read from the config bucket: upload config/urls/docs.txt and config/budgets/docs.json.
    this.sitespeed.addSite('Docs', {
      schedule: ScheduleExpression.cron({ minute: '30', hour: '12', weekDay: 'MON-FRI', timeZone: TimeZone.of('Europe/Stockholm') }),
      urlsFile: 'urls/docs.txt',
      budgetFile: 'budgets/docs.json',
    });
  }
}

export interface ReferenceAppOptions {
  /** Run cdk-nag's AwsSolutions checks at synth (synth fails on an unacknowledged finding). */
  readonly nag: boolean;
}

/** Adds the reference deployment's stacks to `app`. */
export function buildReferenceApp(app: App, options: ReferenceAppOptions): void {
  new SitespeedStack(app, 'Sitespeed');
  if (options.nag) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
}

if (require.main === module) {
  const app = new App();
  buildReferenceApp(app, { nag: app.node.tryGetContext('nag') !== 'false' });
  app.synth();
}
