import { execFile } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { AutoScalingClient, CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateLaunchTemplateCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, PutAttributesCommand, RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand, StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, PutBucketLifecycleConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateScheduleCommand, CreateScheduleGroupCommand, DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DeployedTemplates, resolveValue } from './resolve-template';
import { Clock } from '../../cli-src/check/clock';
import { Clients } from '../../cli-src/check/context';
import { buildReferenceApp } from '../../examples/app';
import { markDeploy, markerConfigFromEnv } from '../../lambda-src/deploy-marker/mark-deploy';
import { advance, emptySeries, trackRegressions } from '../../lambda-src/regression/series';
import { writeExtract } from '../../lambda-src/report-index/run-extract';
import { updateRun } from '../../lambda-src/report-index/s3-index';
import { parseRunRequest, runnerConfigFromEnv } from '../../lambda-src/run-task/request';
import { runSite } from '../../lambda-src/run-task/run-site';
import { CHECK_METADATA, SHAPING_ATTRIBUTE, VOLUME_ATTRIBUTE } from '../../src/contract/check-entry';
import { MARKERS_KEY, regressionsKey } from '../../src/contract/report-keys';
import { folderOf } from '../../src/contract/run-folders';
import { ON_DEMAND_VARIABLE } from '../../src/contract/sitespeed-args';
import { motoClientConfig } from '../harness/moto';
import { testApp } from '../harness/nag';
import { extract as syntheticExtract } from '../lambda/fixtures/extracts';
import { harOf } from '../lambda/fixtures/har';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
export const STACKS = ['prod-Network', 'prod-Metrics', 'prod-Sitespeed'];
const GRAPHITE_USER = 'sitespeed';
const GRAPHITE_PASSWORD = 'graphite-password-from-the-secret';

/** What the deployment on moto does; each knob turns one thing a real account could get wrong. */
export interface Knobs {
  /** What Graphite's POST /events/ answers (the deploy markers' annotations). */
  eventsStatus?: number;
  stackStatus?: string;
  shaping?: string;
  volume?: string;
  metricsInstance?: boolean;
  graphiteAuth?: boolean;
  secretReadable?: boolean;
  grafanaHealth?: number;
  finishRun?: boolean;
  /** The run's task stops before it ever runs (no startedAt, no exit code), as runTask's wait limit stops it. */
  neverStarts?: boolean;
  exitCode?: number;
  uploadReport?: boolean;
  indexTree?: boolean;
  sendMetrics?: boolean;
  sendAnnotation?: boolean;
  viewerDenies?: boolean;
  configChanges?: string[];
  deadLetters?: number;
  lambdaErrors?: number;
  ssmStatus?: string;
  runTaskFails?: boolean;
  /** Leave the alert topic without its email subscription. */
  noSubscriber?: boolean;
  /** Leave out the lifecycle rule that expires blog's reports. */
  noRetentionRule?: boolean;
  /** An account without the ECS service-linked role (deleted after the deploy). */
  noEcsServiceRole?: boolean;
  /** What the alarm history says of each alarm action after SetAlarmState ALARM (nothing: 'silent'). */
  alarmDelivery?: 'published' | 'no-policy' | 'kms-denied' | 'silent';
  /** Strip the check metadata from the templates (a deployment made before the check existed). */
  noMetadata?: boolean;
  /** A run of this site is going when the command starts (its schedule fired just before). */
  runInProgress?: string;
  /** With exitCode 1: the report holds a budgetResult.json with failing checks, as sitespeed.io writes it (test/e2e/budget.e2e.ts). */
  budgetFailures?: boolean;
  /**
   * The site's regression history: 40 stable hourly runs before now, through the real detector;
   * the run then measures LCP 30 % higher ('slower') or the same. Without it each run's extract is
   * read from the HAR the fixture uploads, and a new site is warming up.
   */
  regression?: 'slower' | 'same';
  /** The run stores no HAR (as with --browsertime.skipHar): its extract has no pages. */
  noHar?: boolean;
  /** What the DeployMarkers' markers file holds before the command (none: no marker yet). */
  markersFile?: string;
  /** This site's schedule deleted after the deploy, outside CloudFormation. */
  scheduleDeleted?: string;
}

let synthesized: Record<string, any> | undefined;
/** The reference app's prod stage, synthesized once per test file (a few seconds). */
function referenceTemplates(): Record<string, any> {
  if (!synthesized) {
    const app = testApp();
    const [stage] = buildReferenceApp(app, { nag: false, stages: ['prod'], env: { account: ACCOUNT, region: REGION }, alertEmails: ['oncall@example.com'] });
    const assembly = stage.synth();
    synthesized = Object.fromEntries(STACKS.map(name => [name, assembly.getStackByName(name).template]));
  }
  return JSON.parse(JSON.stringify(synthesized));
}

const metadataOf = (resource: any) => resource?.Metadata?.[CHECK_METADATA];

/**
 * The reference deployment's prod stage "deployed" on moto: every marked resource moto can hold
 * is created there (clusters, groups with registered container instances, buckets, queues,
 * schedules with their resolved input, task definitions); CloudFormation's read calls, Lambda's
 * invoke (the real runTask code against moto's ECS) and SSM's command results (the real probe
 * scripts run here with bash, against Graphite and Grafana stand-ins, with a stub `aws`) are
 * answered through SDK middleware. Time passing is the clock's sleep: the "instance" then works
 * the running task (report to S3, keys and annotation to Graphite, stop, reportIndex's update).
 */
export class DeployedFixture {
  public static async create(knobs: Knobs = {}): Promise<DeployedFixture> {
    const fixture = new DeployedFixture(knobs);
    await fixture.deploy();
    if (knobs.runInProgress) await fixture.fireSchedule(knobs.runInProgress);
    return fixture;
  }

  public readonly templates = referenceTemplates();
  public readonly physical = new Map<string, string>();
  public readonly attributes = new Map<string, string>();
  /** Every command sent through SSM, as the instance would run it. */
  public readonly ssmCommands: string[] = [];
  public readonly progress: string[] = [];
  /** SetAlarmState calls, as `name state`. */
  public readonly alarmStates: string[] = [];
  private readonly ecs = new ECSClient(motoClientConfig());
  private readonly s3 = new S3Client(motoClientConfig());
  private readonly graphite = { keys: [] as string[], events: [] as string[] };
  /** The events POSTed to Graphite's /events/ (deploy markers' annotations), as graphite-web got them. */
  public readonly postedEvents: any[] = [];
  private readonly servers: http.Server[] = [];
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-'));
  private readonly ssmResults = new Map<string, any>();
  private readonly clientsMade: Array<{ destroy(): void }> = [];
  private graphiteUrl = '';
  private grafanaPort = 0;
  private viewerUrl = '';
  /** The bucket the runs upload to (read from their arguments), which the viewer stand-in serves. */
  private reportsBucket = '';
  private instanceOfCluster = new Map<string, string>();

  private constructor(private readonly knobs: Knobs) {
    if (knobs.noMetadata) {
      for (const template of Object.values(this.templates)) {
        for (const resource of Object.values<any>(template.Resources)) delete resource.Metadata?.[CHECK_METADATA];
      }
    }
  }

  private get deployed(): DeployedTemplates {
    return { templates: this.templates, physical: this.physical, attributes: this.attributes, region: REGION, account: ACCOUNT };
  }

  private resources(type?: string): Array<{ stack: string; id: string; resource: any }> {
    return Object.entries(this.templates).flatMap(([stack, t]) => Object.entries<any>(t.Resources)
      .filter(([, r]) => !type || r.Type === type).map(([id, resource]) => ({ stack, id, resource })));
  }

  private resolve(stack: string, value: any): any {
    return resolveValue(this.deployed, stack, value);
  }

  private async deploy(): Promise<void> {
    const ec2 = new EC2Client(motoClientConfig());
    const autoScaling = new AutoScalingClient(motoClientConfig());
    const sqs = new SQSClient(motoClientConfig());
    for (const { stack, id, resource } of this.resources()) {
      const name = `${stack}-${id}`.slice(0, 60);
      this.physical.set(`${stack}/${id}`, name);
      // An ARN for what moto does not hold here (roles, log groups): only its shape matters.
      const service = String(resource.Type).split('::')[1].toLowerCase();
      this.attributes.set(`${stack}/${id}.Arn`, service === 'iam' ? `arn:aws:iam::${ACCOUNT}:role/${name}` : `arn:aws:${service}:${REGION}:${ACCOUNT}:${name}`);
    }
    for (const { stack, id, resource } of this.resources()) {
      const key = `${stack}/${id}`;
      const name = this.physical.get(key)!;
      switch (resource.Type) {
        case 'AWS::Scheduler::ScheduleGroup': {
          // aws-scheduler's ScheduleGroup names itself (its Name property), as CloudFormation then does.
          const group = resource.Properties?.Name ?? name;
          this.physical.set(key, group);
          await new SchedulerClient(motoClientConfig()).send(new CreateScheduleGroupCommand({ Name: group }));
          break;
        }
        case 'AWS::ECS::Cluster': {
          const created = await this.ecs.send(new CreateClusterCommand({ clusterName: name }));
          this.attributes.set(`${key}.Arn`, created.cluster!.clusterArn!);
          break;
        }
        case 'AWS::S3::Bucket': {
          const bucket = name.toLowerCase();
          this.physical.set(key, bucket);
          await this.s3.send(new CreateBucketCommand({ Bucket: bucket }));
          const rules = (resource.Properties?.LifecycleConfiguration?.Rules ?? [])
            .filter((r: any) => !(this.knobs.noRetentionRule && r.Id === 'reports-blog'));
          if (rules.length > 0) {
            // As CloudFormation puts them (AWS::S3::Bucket Rule → the API's LifecycleRule).
            await this.s3.send(new PutBucketLifecycleConfigurationCommand({
              Bucket: bucket,
              LifecycleConfiguration: {
                Rules: rules.map((r: any) => ({
                  ID: r.Id,
                  Status: r.Status,
                  Filter: { Prefix: r.Prefix ?? '' },
                  ...(r.ExpirationInDays ? { Expiration: { Days: r.ExpirationInDays } } : {}),
                  ...(r.ExpiredObjectDeleteMarker ? { Expiration: { ExpiredObjectDeleteMarker: true } } : {}),
                  ...(r.NoncurrentVersionExpiration ? { NoncurrentVersionExpiration: r.NoncurrentVersionExpiration } : {}),
                  ...(r.AbortIncompleteMultipartUpload ? { AbortIncompleteMultipartUpload: r.AbortIncompleteMultipartUpload } : {}),
                  ...(r.Transitions ? { Transitions: r.Transitions.map((t: any) => ({ StorageClass: t.StorageClass, Days: t.TransitionInDays })) }
                    : {}),
                })),
              },
            }));
          }
          this.attributes.set(`${key}.Arn`, `arn:aws:s3:::${bucket}`);
          this.attributes.set(`${key}.RegionalDomainName`, `${bucket}.s3.${REGION}.amazonaws.com`);
          break;
        }
        case 'AWS::SQS::Queue': {
          const created = await sqs.send(new CreateQueueCommand({ QueueName: name }));
          this.physical.set(key, created.QueueUrl!);
          this.attributes.set(`${key}.Arn`, `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`);
          break;
        }
        case 'AWS::Lambda::Function':
          this.attributes.set(`${key}.Arn`, `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`);
          break;
        case 'AWS::SecretsManager::Secret':
          this.physical.set(key, `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`);
          break;
        case 'AWS::SNS::Topic': {
          const created = await new SNSClient(motoClientConfig()).send(new CreateTopicCommand({ Name: name }));
          this.physical.set(key, created.TopicArn!);
          this.attributes.set(`${key}.TopicArn`, created.TopicArn!);
          break;
        }
        case 'AWS::CloudFront::Distribution':
          this.attributes.set(`${key}.DomainName`, 'd111111abcdef8.cloudfront.net');
          break;
      }
    }
    for (const { stack, id, resource } of this.resources('AWS::ECS::TaskDefinition')) {
      const containers = (resource.Properties.ContainerDefinitions ?? []).map((c: any) => ({ name: c.Name, image: 'sitespeedio/sitespeed.io', memory: 512 }));
      const registered = await this.ecs.send(new RegisterTaskDefinitionCommand({ family: `${stack}-${id}`.slice(0, 60), containerDefinitions: containers }));
      this.physical.set(`${stack}/${id}`, registered.taskDefinition!.taskDefinitionArn!);
    }

    // Each cluster's group with one instance, joined to its cluster with the attribute its boot sets.
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'lt', LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 'c5.large' } }));
    for (const { stack, id, resource } of this.resources('AWS::ECS::Cluster')) {
      const entry = metadataOf(this.synthesizedResource(stack, id));
      const groupKey = `${stack}/${entry.autoScalingGroup}`;
      const group = this.physical.get(groupKey)!;
      const metrics = entry.kind === 'metrics-cluster';
      const running = metrics ? this.knobs.metricsInstance ?? true : true;
      await autoScaling.send(new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: group,
        LaunchTemplate: { LaunchTemplateName: 'lt', Version: '$Latest' },
        MinSize: 0,
        MaxSize: 2,
        DesiredCapacity: running ? 1 : 0,
        AvailabilityZones: [`${REGION}a`],
      }));
      void resource;
      if (!running) continue;
      const described = await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }));
      const instanceId = described.AutoScalingGroups![0].Instances![0].InstanceId!;
      const attribute = metrics
        ? { name: VOLUME_ATTRIBUTE, value: this.knobs.volume ?? 'mounted' }
        : entry.shaping !== 'none' ? { name: SHAPING_ATTRIBUTE, value: this.knobs.shaping ?? 'ready' } : undefined;
      const registered = await this.ecs.send(new RegisterContainerInstanceCommand({
        cluster: this.physical.get(`${stack}/${id}`),
        instanceIdentityDocument: JSON.stringify({ instanceId, region: REGION }),
        totalResources: [{ name: 'CPU', type: 'INTEGER', integerValue: 2048 }, { name: 'MEMORY', type: 'INTEGER', integerValue: 3700 }],
      }));
      // moto keeps attributes given by PutAttributes (and finds the instance by its id, not its ARN).
      if (attribute?.value) {
        await this.ecs.send(new PutAttributesCommand({
          cluster: this.physical.get(`${stack}/${id}`),
          attributes: [{ ...attribute, targetType: 'container-instance', targetId: registered.containerInstance!.containerInstanceArn!.split('/').pop() }],
        }));
      }
      this.instanceOfCluster.set(`${stack}/${id}`, instanceId);
    }

    if (!this.knobs.noSubscriber) {
      for (const { stack, id, resource } of this.resources('AWS::SNS::Subscription')) {
        const p = this.resolve(stack, resource.Properties);
        const subscribe = new SubscribeCommand({ TopicArn: p.TopicArn, Protocol: p.Protocol, Endpoint: p.Endpoint });
        const subscribed = await new SNSClient(motoClientConfig()).send(subscribe);
        this.physical.set(`${stack}/${id}`, subscribed.SubscriptionArn!);
      }
    }
    await this.startStandIns();
    for (const { stack, id, resource } of this.resources('AWS::Scheduler::Schedule')) {
      const target = this.resolve(stack, resource.Properties.Target);
      await new SchedulerClient(motoClientConfig()).send(new CreateScheduleCommand({
        Name: this.physical.get(`${stack}/${id}`),
        ScheduleExpression: 'rate(1 hour)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: target.Arn, RoleArn: target.RoleArn, Input: target.Input },
      }));
    }
    if (this.knobs.scheduleDeleted) {
      const gone = this.resources('AWS::Scheduler::Schedule').find(x => metadataOf(this.synthesizedResource(x.stack, x.id)).site === this.knobs.scheduleDeleted)!;
      await new SchedulerClient(motoClientConfig()).send(new DeleteScheduleCommand({ Name: this.physical.get(`${gone.stack}/${gone.id}`) }));
    }
    if (this.knobs.markersFile !== undefined) {
      const fn = this.resources('AWS::Lambda::Function').find(f => metadataOf(this.synthesizedResource(f.stack, f.id))?.kind === 'deploy-markers')!;
      const bucket = this.resolve(fn.stack, fn.resource.Properties.Environment.Variables).REPORTS_BUCKET;
      await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: MARKERS_KEY, Body: this.knobs.markersFile }));
    }
    const [runner] = this.functionsOf('runTask');
    for (let i = 0; i < (this.knobs.deadLetters ?? 0); i++) {
      const queue = this.resources('AWS::SQS::Queue').find(q => metadataOf(q.resource)?.role === 'runs that could not start')!;
      await sqs.send(new SendMessageCommand({ QueueUrl: this.physical.get(`${queue.stack}/${queue.id}`), MessageBody: '{"site":"blog"}' }));
    }
    if (this.knobs.lambdaErrors) {
      await new CloudWatchClient(motoClientConfig()).send(new PutMetricDataCommand({
        Namespace: 'AWS/Lambda',
        MetricData: [{ MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: runner.name }], Value: this.knobs.lambdaErrors, Timestamp: new Date(Date.now() - 600_000) }],
      }));
    }
    autoScaling.destroy();
    ec2.destroy();
    sqs.destroy();
  }

  /**
   * DescribeAlarms (the template's actions, resolved), SetAlarmState (recorded) and
   * DescribeAlarmHistory: after an ALARM, one Action item per action as CloudWatch records them.
   * Success as quoted in aws/aws-sdk-java#1723 ("Successfully executed action <arn>", HistoryData
   * with error, actionState, notificationResource, stateUpdateTimestamp, publishedMessage); the
   * failures' summaries as quoted in aws-solutions/automated-security-response-on-aws#43 (no
   * resource-based policy) and ASFHyP3/hyp3#762 (KMS), their HistoryData with the success item's
   * fields, actionState Failed and the quoted error.
   */
  private cloudWatch(command: { name: string; input: any }): any {
    const alarmOf = (name: string) => this.resources('AWS::CloudWatch::Alarm').find(a => this.physical.get(`${a.stack}/${a.id}`) === name);
    if (command.name === 'DescribeAlarmsCommand') {
      const found = (command.input.AlarmNames ?? []).map(alarmOf).filter(Boolean);
      return { MetricAlarms: found.map((a: any) => ({ AlarmName: this.physical.get(`${a.stack}/${a.id}`), AlarmActions: this.resolve(a.stack, a.resource.Properties.AlarmActions) })) };
    }
    if (command.name === 'SetAlarmStateCommand') {
      this.alarmStates.push(`${command.input.AlarmName} ${command.input.StateValue}`);
      return {};
    }
    if (command.name === 'DescribeAlarmHistoryCommand') {
      const name = command.input.AlarmName;
      const alarm = alarmOf(name);
      if (!alarm || !this.alarmStates.includes(`${name} ALARM`) || this.knobs.alarmDelivery === 'silent') return { AlarmHistoryItems: [] };
      const at = Date.now();
      const items = (this.resolve(alarm.stack, alarm.resource.Properties.AlarmActions) as string[]).map(topic => {
        const error = this.knobs.alarmDelivery === 'no-policy'
          ? `Resource: arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name} is not authorized to perform: SNS:Publish on resource: ${topic} because no resource-based policy allows the SNS:Publish action`
          : this.knobs.alarmDelivery === 'kms-denied'
            ? 'null (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: 3cd919dd-06b1-4079-b38e-77dd6093875a; Proxy: null)'
            : null;
        return {
          AlarmName: name,
          AlarmType: 'MetricAlarm',
          Timestamp: new Date(at),
          HistoryItemType: 'Action',
          HistorySummary: error ? `Failed to execute action ${topic}. Received error: "${error}"` : `Successfully executed action ${topic}`,
          HistoryData: JSON.stringify({ error, actionState: error ? 'Failed' : 'Succeeded', notificationResource: topic, stateUpdateTimestamp: at, publishedMessage: error ? null : '{"default":"…"}' }),
        };
      });
      return { AlarmHistoryItems: items };
    }
    return undefined;
  }

  /** The synthesized resource (the metadata survives noMetadata here, for building the fixture itself). */
  private synthesizedResource(stack: string, id: string): any {
    return referenceTemplates()[stack].Resources[id];
  }

  /** The marked functions of a role: physical names and template resources. */
  private functionsOf(role: string): Array<{ stack: string; id: string; name: string; resource: any }> {
    return this.resources('AWS::Lambda::Function').filter(f => metadataOf(this.synthesizedResource(f.stack, f.id))?.role === role)
      .map(found => ({ ...found, name: this.physical.get(`${found.stack}/${found.id}`)! }));
  }

  private async startStandIns(): Promise<void> {
    // Graphite as the container serves it: nginx with shell/graphite-statsd.nginx.conf (basic auth
    // on every path; the real nginx proves that file in test/e2e/graphite-auth.e2e.ts) in front of
    // graphite-web's /render, /metrics/find and /events/get_data (graphite-project/graphite-web
    // webapp/graphite/{render,metrics,events}/views.py, JSON answers in the shapes the probe counts).
    // Grafana: only /api/health (grafana/grafana pkg/api/health.go: 200 with a JSON body).
    const authorized = (req: http.IncomingMessage) => this.knobs.graphiteAuth === false
      || req.headers.authorization === `Basic ${Buffer.from(`${GRAPHITE_USER}:${GRAPHITE_PASSWORD}`).toString('base64')}`;
    const graphite = await this.listen((req, res) => {
      if (!authorized(req)) return res.writeHead(401).end('401 Authorization Required');
      const url = new URL(req.url!, 'http://graphite');
      if (url.pathname === '/render') return res.writeHead(200).end('[]');
      if (url.pathname === '/metrics/find') {
        const prefix = url.searchParams.get('query')!.replace(/\*$/, '');
        const found = this.graphite.keys.filter(k => k.startsWith(prefix)).map(k => k.slice(prefix.length).split('.')[0]);
        return res.writeHead(200).end(JSON.stringify([...new Set(found)].map(text => ({ text, id: `${prefix}${text}`, leaf: 0 }))));
      }
      if (url.pathname === '/events/' && req.method === 'POST') {
        // post_event (webapp/graphite/events/views.py): a JSON body; tags a list or a space-separated string.
        let body = '';
        req.on('data', c => { body += c; });
        req.on('end', () => {
          const status = this.knobs.eventsStatus ?? 200;
          if (status === 200) this.postedEvents.push(JSON.parse(body));
          res.writeHead(status).end();
        });
        return;
      }
      if (url.pathname === '/events/get_data') {
        const tag = url.searchParams.get('tags');
        return res.writeHead(200).end(JSON.stringify(this.graphite.events.filter(t => t === tag).map(t => ({ what: 'Run', tags: [t] }))));
      }
      return res.writeHead(404).end();
    });
    this.graphiteUrl = `http://127.0.0.1:${graphite}`;
    this.grafanaPort = await this.listen((req, res) => res.writeHead(req.url === '/api/health' ? this.knobs.grafanaHealth ?? 200 : 404).end('{}'));
    // The viewer: CloudFront in front of the bucket (origin access control), a GET answered from the object, 403 when the
    // caller's address is not allowed (the ReportTree's CloudFront Function), 404 for a missing key.
    const viewer = await this.listen(async (req, res) => {
      if (this.knobs.viewerDenies) {
        res.writeHead(403).end();
        return;
      }
      try {
        await this.s3.send(new GetObjectCommand({ Bucket: this.reportsBucket, Key: decodeURIComponent(req.url!.slice(1)) }));
        res.writeHead(200).end();
      } catch {
        res.writeHead(404).end();
      }
    });
    this.viewerUrl = `http://127.0.0.1:${viewer}`;

    fs.writeFileSync(path.join(this.dir, 'aws'), [
      '#!/bin/bash',
      '# Stand-in for the AWS CLI v2 on an instance (awscli-2, as the boot steps install it): the two calls the probes make,',
      '# answered as `aws secretsmanager get-secret-value --query SecretString --output text` and `aws s3 sync --dryrun` print.',
      'case "$1 $2" in',
      '  "secretsmanager get-secret-value") [ "$STUB_SECRET_READABLE" = yes ] || { echo "AccessDeniedException" >&2; exit 254; }',
      `    echo '{"username":"${GRAPHITE_USER}","password":"${GRAPHITE_PASSWORD}"}' ;;`,
      '  "s3 sync") cat "$STUB_DRYRUN" ;;',
      '  *) echo "unexpected aws $*" >&2; exit 2 ;;',
      'esac',
    ].join('\n'), { mode: 0o755 });
    const configDir = path.join(this.dir, 'config');
    fs.mkdirSync(configDir);
    fs.writeFileSync(path.join(configDir, 'docs.txt'), 'https://docs.example.com/\n');
    fs.writeFileSync(path.join(this.dir, 'config-sync.env'), `CONFIG_BUCKET=config\nCONFIG_PREFIX=config/\nCONFIG_DIR=${configDir}\n`);
    fs.writeFileSync(path.join(this.dir, 'dryrun'), (this.knobs.configChanges ?? []).map(c => `(dryrun) ${c}\n`).join(''));
  }

  private async listen(handler: http.RequestListener): Promise<number> {
    const server = http.createServer(handler);
    this.servers.push(server);
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  /** The clients the check gets: moto where it serves, middleware where it cannot. */
  public clients(): Clients {
    const cfn = new CloudFormationClient(motoClientConfig());
    answer(cfn, command => this.cloudFormation(command));
    const lambda = new LambdaClient(motoClientConfig());
    answer(lambda, command => {
      if (command.name === 'InvokeCommand') return this.invoke(command.input);
      if (command.name === 'GetFunctionConfigurationCommand') return this.functionConfiguration(command.input.FunctionName);
      return undefined;
    });
    const ssm = new SSMClient(motoClientConfig());
    answer(ssm, command => this.ssm(command));
    const ecs = new ECSClient(motoClientConfig());
    ecs.middlewareStack.add((next, context) => async args => {
      const result: any = await next(args);
      if (context.commandName === 'DescribeTasksCommand') {
        for (const task of result.output.tasks ?? []) {
          // moto moves a task on to STOPPED by itself after a few calls; a run that never ends stays RUNNING.
          if (this.knobs.finishRun === false) task.lastStatus = 'RUNNING';
          for (const c of task.containers ?? []) c.exitCode = task.lastStatus === 'STOPPED' && !this.knobs.neverStarts ? this.knobs.exitCode ?? 0 : undefined;
          // moto leaves startedAt unset; ECS sets it when a task reaches RUNNING (ECS API reference, Task.startedAt).
          if (task.lastStatus !== 'PROVISIONING' && task.lastStatus !== 'PENDING' && !task.startedAt) task.startedAt = task.createdAt ?? new Date();
          if (this.knobs.neverStarts && task.lastStatus === 'STOPPED') {
            // As DescribeTasks shows a task stopped in PROVISIONING (ECS API reference, Task): no startedAt, its stop code and reason.
            delete task.startedAt;
            task.stopCode = 'UserInitiated';
            task.stoppedReason = 'cdk-sitespeed: waited over 30 min in PROVISIONING (no capacity); a new run of blog replaces it';
          }
        }
      }
      return result;
    }, { step: 'initialize', name: 'exitCodes' });
    // moto runs no alarm actions and keeps no action history: CloudWatch answers from here.
    const cloudWatch = new CloudWatchClient(motoClientConfig());
    answer(cloudWatch, command => this.cloudWatch(command));
    // IAM as it answers for this role (moto names it AWSServiceRoleForecs): GetRole, or NoSuchEntity
    // (IAM API reference, GetRole), as test/lambda/ecs-service-role.test.ts.
    const iam = new IAMClient(motoClientConfig());
    answer(iam, command => {
      if (command.name !== 'GetRoleCommand' || command.input.RoleName !== 'AWSServiceRoleForECS') return undefined;
      if (this.knobs.noEcsServiceRole) throw Object.assign(new Error('The role with name AWSServiceRoleForECS cannot be found.'), { name: 'NoSuchEntityException' });
      return { Role: { RoleName: 'AWSServiceRoleForECS', Path: '/aws-service-role/ecs.amazonaws.com/' } };
    });
    const clients = {
      cfn,
      iam,
      lambda,
      ssm,
      ecs,
      autoScaling: new AutoScalingClient(motoClientConfig()),
      s3: new S3Client(motoClientConfig()),
      sqs: new SQSClient(motoClientConfig()),
      sns: new SNSClient(motoClientConfig()),
      scheduler: new SchedulerClient(motoClientConfig()),
      cloudWatch,
    };
    this.clientsMade.push(...Object.values(clients));
    return {
      ...clients,
      httpStatus: async url => (await fetch(url.replace(/^https:\/\/d111111abcdef8\.cloudfront\.net/, this.viewerUrl))).status,
    };
  }

  /** Time passing: the instance works the running task (unless finishRun is false). */
  public clock(): Clock {
    return { now: () => Date.now(), sleep: () => this.instanceWorks(), pollMs: 0 };
  }

  private async instanceWorks(): Promise<void> {
    if (this.knobs.finishRun === false) return;
    for (const { stack, id } of this.resources('AWS::ECS::Cluster')) {
      const cluster = this.physical.get(`${stack}/${id}`)!;
      const listed = await this.ecs.send(new ListTasksCommand({ cluster, desiredStatus: 'RUNNING' }));
      if (!listed.taskArns?.length) continue;
      const tasks = (await this.ecs.send(new DescribeTasksCommand({ cluster, tasks: listed.taskArns }))).tasks ?? [];
      for (const task of tasks.filter(t => t.startedBy?.startsWith('sitespeed/'))) {
        const run = JSON.parse(this.scheduleInputOf(task.startedBy!.slice('sitespeed/'.length)));
        const arg = (flag: string) => run.args[run.args.indexOf(flag) + 1];
        const site = run.site;
        this.reportsBucket = arg('--s3.bucketname');
        const startedAt = task.startedAt ?? task.createdAt ?? new Date();
        const folder = folderOf(new Date());
        if (this.knobs.uploadReport ?? true) {
          await this.s3.send(new PutObjectCommand({ Bucket: arg('--s3.bucketname'), Key: `${site}/${folder}/index.html`, Body: '<html>report</html>' }));
          // The HAR sitespeed.io stores for each URL (browsertime 28.3.0's fields: test/lambda/fixtures/har.ts), which the run extract reads.
          if (!this.knobs.noHar) {
            await this.s3.send(new PutObjectCommand({
              Bucket: arg('--s3.bucketname'),
              Key: `${site}/${folder}/pages/${site}_example_com/data/browsertime.har`,
              Body: JSON.stringify(harOf(`https://${site}.example.com/`, [{ lcp: 900 }, { lcp: 950 }, { lcp: 1000 }])),
            }));
          }
        }
        if ((this.knobs.uploadReport ?? true) && this.knobs.exitCode === 1 && this.knobs.budgetFailures) {
          const failing = { metric: 'Total Requests', type: 'requests', value: 2, friendlyValue: 2, limit: 0, friendlyLimit: 0, limitType: 'max', status: 'failing' };
          await this.s3.send(new PutObjectCommand({
            Bucket: arg('--s3.bucketname'), Key: `${site}/${folder}/budgetResult.json`, Body: JSON.stringify({ working: {}, failing: { home: [failing] }, error: {} }),
          }));
        }
        if (this.knobs.sendMetrics ?? true) this.graphite.keys.push(`${arg('--graphite.namespace')}.${site}.pageSummary.blog_example_com._.firefox.native.x`);
        if (this.knobs.sendAnnotation ?? true) this.graphite.events.push(site);
        await this.ecs.send(new StopTaskCommand({ cluster, task: task.taskArn, reason: 'Essential container in task exited' }));
        if (this.knobs.indexTree ?? true) {
          // What reportIndex gets: the run outcome's "Sitespeed Run Finished" event.
          const exitCode = this.knobs.exitCode ?? 0;
          const uploaded = this.knobs.uploadReport ?? true;
          await updateRun(this.s3, { bucket: arg('--s3.bucketname'), retentionDays: 90 }, {
            'detail-type': 'Sitespeed Run Finished',
            'detail': {
              version: 1,
              cluster,
              site,
              run: uploaded ? folder : null,
              status: !uploaded ? 'no report' : exitCode === 0 ? 'ok' : 'failed',
              exitCode,
              reason: null,
              failedBudgetChecks: [],
              startedAt: startedAt.toISOString(),
              stoppedAt: new Date().toISOString(),
            },
          }, () => {});
          if (uploaded) await this.judge(arg('--s3.bucketname'), cluster, site, folder, task);
        }
      }
    }
  }

  /** What reportIndex does next: the run's extract through the site's regression file (the real detector). */
  private async judge(bucket: string, cluster: string, site: string, folder: string, task: { overrides?: any }): Promise<void> {
    const onDemand = (task.overrides?.containerOverrides ?? [])
      .some((o: any) => (o.environment ?? []).some((e: any) => e.name === ON_DEMAND_VARIABLE && e.value === 'true'));
    const events = new EventBridgeClient(motoClientConfig());
    let extract;
    if (this.knobs.regression) {
      const hoursAgo = (h: number) => folderOf(new Date(Date.now() - h * 3600_000));
      const history = Array.from({ length: 40 }, (_, i) => ({ ...syntheticExtract(i), site, run: hoursAgo(40 - i) }));
      let series = emptySeries(site);
      for (const run of history) series = advance(series, run, { cluster, viewerUrl: null }).series;
      await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: regressionsKey(site), Body: JSON.stringify({ ...series, pending: [] }) }));
      extract = { ...syntheticExtract(40, this.knobs.regression === 'slower' ? { lcp: 1.3, bytes: 200_000 } : {}), site, run: folder, ...(onDemand ? { onDemand } : {}) };
    } else {
      extract = (await writeExtract(this.s3, bucket, { site, run: folder, status: 'ok', rerun: false, onDemand }, () => {}))!;
    }
    await trackRegressions({ s3: this.s3, events }, bucket, extract, { cluster, viewerUrl: null }, () => {});
  }

  /** What the site's schedule does when it fires: its target (runTask) with its input. */
  public async fireSchedule(site: string): Promise<any> {
    const schedule = this.resources('AWS::Scheduler::Schedule').find(x => metadataOf(this.synthesizedResource(x.stack, x.id)).site === site)!;
    const arn = this.resolve(schedule.stack, schedule.resource.Properties.Target.Arn);
    const invoked = await this.invoke({ FunctionName: arn, Payload: new TextEncoder().encode(this.scheduleInputOf(site)) });
    return JSON.parse(new TextDecoder().decode(invoked.Payload));
  }

  private scheduleInputOf(site: string): string {
    const schedule = this.resources('AWS::Scheduler::Schedule').find(s => metadataOf(this.synthesizedResource(s.stack, s.id)).site === site)!;
    return this.resolve(schedule.stack, schedule.resource.Properties.Target.Input);
  }

  private cloudFormation(command: { name: string; input: any }): any {
    const known = (name: string) => {
      if (!this.templates[name]) throw Object.assign(new Error(`Stack with id ${name} does not exist`), { name: 'ValidationError' });
      return name;
    };
    switch (command.name) {
      case 'ListStacksCommand':
        return { StackSummaries: STACKS.map(StackName => ({ StackName, StackStatus: 'UPDATE_COMPLETE' })) };
      case 'DescribeStacksCommand':
        return { Stacks: [{ StackName: known(command.input.StackName), StackStatus: this.knobs.stackStatus ?? 'UPDATE_COMPLETE' }] };
      case 'GetTemplateCommand':
        return { TemplateBody: JSON.stringify(this.templates[known(command.input.StackName)]) };
      case 'ListStackResourcesCommand': {
        const stack = known(command.input.StackName);
        return {
          StackResourceSummaries: Object.entries<any>(this.templates[stack].Resources).map(([id, r]) => ({
            LogicalResourceId: id, PhysicalResourceId: this.physical.get(`${stack}/${id}`), ResourceType: r.Type, ResourceStatus: 'CREATE_COMPLETE',
          })),
        };
      }
    }
    throw new Error(`the fixture does not answer CloudFormation ${command.name}`);
  }

  /** Lambda Invoke of the runTask function: its real code, with its resolved environment, against moto's ECS. */
  private async invoke(input: any): Promise<any> {
    const markers = this.resources('AWS::Lambda::Function')
      .filter(f => metadataOf(this.synthesizedResource(f.stack, f.id))?.kind === 'deploy-markers')
      .find(f => this.physical.get(`${f.stack}/${f.id}`) === input.FunctionName);
    if (markers) return this.invokeMarkers(markers, input);
    const runner = this.functionsOf('runTask').find(f => String(input.FunctionName).endsWith(`:function:${f.name}`));
    if (!runner) throw new Error(`unexpected function ${input.FunctionName}`);
    const env = this.resolve(runner.stack, runner.resource.Properties.Environment.Variables);
    if (this.knobs.runTaskFails) env.TASK_DEFINITION_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/missing:1`;
    const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    try {
      const outcome = await runSite(this.ecs, parseRunRequest(JSON.parse(new TextDecoder().decode(input.Payload))), runnerConfigFromEnv(env));
      return { StatusCode: 200, Payload: encode(outcome) };
    } catch (e: any) {
      return { StatusCode: 200, FunctionError: 'Unhandled', Payload: encode({ errorType: e.name, errorMessage: e.message }) };
    }
  }

  /** Lambda Invoke of a DeployMarkers function: its real code, with its resolved environment, against moto's S3 and ECS and the fixture's SSM. */
  private async invokeMarkers(found: { stack: string; resource: any }, input: any): Promise<any> {
    const env = { ...this.resolve(found.stack, found.resource.Properties.Environment.Variables), AWS_REGION: REGION };
    const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    const clients = this.clients();
    try {
      const markerClients = { s3: clients.s3, ecs: clients.ecs, ssm: clients.ssm, scheduler: clients.scheduler };
      const outcome = await markDeploy(markerClients, JSON.parse(new TextDecoder().decode(input.Payload)),
        markerConfigFromEnv(env), new Date(), { now: () => Date.now(), sleep: async () => undefined, pollMs: 1, timeoutSeconds: 1 }, () => undefined);
      return { StatusCode: 200, Payload: encode(outcome) };
    } catch (e: any) {
      return { StatusCode: 200, FunctionError: 'Unhandled', Payload: encode({ errorType: e.name, errorMessage: e.message }) };
    }
  }

  /** GetFunctionConfiguration: the function's environment as CloudFormation resolves it. */
  private functionConfiguration(name: string): any {
    const found = this.resources('AWS::Lambda::Function').find(f => this.physical.get(`${f.stack}/${f.id}`) === name);
    if (!found) throw Object.assign(new Error(`Function not found: ${name}`), { name: 'ResourceNotFoundException' });
    return { FunctionName: name, Environment: { Variables: this.resolve(found.stack, found.resource.Properties.Environment?.Variables ?? {}) } };
  }

  /**
   * SSM Run Command (AWS-RunShellScript runs Parameters.commands with sh on the instance; GetCommandInvocation
   * returns Status, StandardOutputContent, StandardErrorContent: SSM API reference): the command string runs here
   * with bash, with the instance's network swapped for the stand-ins.
   */
  private async ssm(command: { name: string; input: any }): Promise<any> {
    if (command.name === 'SendCommandCommand') {
      const sent: string = command.input.Parameters.commands[0];
      this.ssmCommands.push(sent);
      const local = sent
        .replace(/GRAPHITE_URL='[^']*'/, `GRAPHITE_URL='${this.graphiteUrl}'`)
        .replace(/GRAFANA_PORT='[^']*'/, `GRAFANA_PORT='${this.grafanaPort}'`);
      const result = await new Promise<any>(resolve => execFile('bash', ['-c', local], {
        env: {
          ...process.env,
          PATH: `${this.dir}:${process.env.PATH}`,
          CONFIG_SYNC_ENV: path.join(this.dir, 'config-sync.env'),
          STUB_DRYRUN: path.join(this.dir, 'dryrun'),
          STUB_SECRET_READABLE: this.knobs.secretReadable === false ? 'no' : 'yes',
        },
      }, (error, stdout, stderr) => resolve({ code: error ? (error as any).code ?? 1 : 0, stdout, stderr })));
      const id = `command-${this.ssmResults.size + 1}`;
      const status = this.knobs.ssmStatus ?? (result.code === 0 ? 'Success' : 'Failed');
      this.ssmResults.set(id, {
        CommandId: id,
        InstanceId: command.input.InstanceIds[0],
        Status: status,
        ResponseCode: result.code,
        StandardOutputContent: result.stdout,
        StandardErrorContent: result.stderr,
      });
      return { Command: { CommandId: id } };
    }
    if (command.name === 'GetCommandInvocationCommand') return this.ssmResults.get(command.input.CommandId);
    return undefined;
  }

  public async close(): Promise<void> {
    await Promise.all(this.servers.map(s => new Promise(resolve => {
      s.close(resolve);
      s.closeAllConnections();
    })));
    fs.rmSync(this.dir, { recursive: true, force: true });
    this.ecs.destroy();
    this.s3.destroy();
    this.clientsMade.forEach(c => c.destroy());
  }
}

/** Answers a client's commands in the initialize step (before anything is sent) when `handler` returns a value. */
function answer(client: { middlewareStack: any }, handler: (command: { name: string; input: any }) => any): void {
  client.middlewareStack.add((next: any, context: any) => async (args: any) => {
    const output = await handler({ name: context.commandName, input: args.input });
    if (output === undefined) return next(args);
    return { output: { $metadata: {}, ...output }, response: {} };
  }, { step: 'initialize', name: 'fixtureAnswers' });
}
