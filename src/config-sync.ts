import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CLUSTER_TAG } from './contract/site-names';
import { markForCheck } from './private/check-metadata';
import { clusterOf } from './private/cluster-of';
import { placeKey, usersOfPlace } from './private/data-homes';
import { forCaller, spelledValidation, warn } from './private/for-caller';
import { functionRoleAndLogs } from './private/function-logging';
import { acknowledge, acknowledgeWildcardResource } from './private/nag';
import { SyncConfigFunction } from './private/sync-config-function';
import { requirePlain } from './private/tokens';
import type { ISitespeedCluster, SitespeedCluster } from './sitespeed-cluster';

/** Properties of a {@link ConfigSync}. */
export interface ConfigSyncProps {
  /** The cluster whose instances get the config folder. */
  readonly cluster: ISitespeedCluster;

  /**
   * The bucket that holds the config. A bucket you pass must have EventBridge notifications on
   * (`eventBridgeEnabled: true`), or changes reach the instances only when they boot.
   * @default - a new bucket: versioned, encrypted, SSL only, public access blocked, retained
   */
  readonly bucket?: s3.IBucket;

  /**
   * The key prefix of the config folder: empty (the whole bucket) or ending in `/`.
   * @default 'config/'
   */
  readonly prefix?: string;
}

/** The sync script's path on the instances; the boot runs it and the Lambda sends exactly this command. */
const SYNC_COMMAND = '/usr/local/bin/sitespeed-sync-config';
/** Where the instances keep the mirrored folder. */
const HOST_DIR = '/var/lib/sitespeed/config';

/**
 * URL files, scripts, budgets and config in S3, mirrored onto the cluster's instances: at boot,
 * before ECS places a task, and on every change under the prefix (EventBridge → the syncConfig
 * Lambda → SSM Run Command). The folder is mounted read-only into the sitespeed.io container
 * at the cluster's `configContainerPath`, so people who never touch CDK can change what is tested.
 */
export class ConfigSync extends Construct {
  /** The config bucket. */
  public readonly bucket: s3.IBucket;
  /** The config prefix (empty or ending in `/`). */
  public readonly prefix: string;
  /** The syncConfig Lambda. */
  public readonly function: lambda.IFunction;
  /** The EventBridge rule for object changes under the prefix. */
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: ConfigSyncProps) {
    super(scope, id);
    try {
      this.prefix = props.prefix ?? 'config/';
      requirePlain('prefix', this.prefix, 'the instances\' permissions and the sync are written for it at synth');
      if (this.prefix !== '' && (!this.prefix.endsWith('/') || this.prefix.startsWith('/') || this.prefix.includes('//'))) {
        throw new Error(`prefix '${this.prefix}' must be empty (the whole bucket) or a key prefix ending in '/', such as 'config/', without a leading '/'.`);
      }
      this.bucket = props.bucket ?? this.createBucket();
      // Every run's task may put any key in a reports bucket: config there could be overwritten by a run. Checked once every cluster exists.
      const bucketKey = placeKey(this.bucket.bucketName, this.bucket);
      this.node.addValidation(spelledValidation({
        validate: () => usersOfPlace(this, 'reports bucket', bucketKey).slice(0, 1)
          .map(owner => `bucket: ${this.bucket.node.path} is the reports bucket of ${owner.node.path}, where every run may write any key; keep the config in a bucket of its own (leave bucket out for a new one).`),
      }));
      if (props.bucket) {
        warn(this, 'cdk-sitespeed:configBucketEventBridge',
          'ConfigSync reacts to EventBridge notifications of the bucket you passed: make sure they are on (eventBridgeEnabled: true), or changes reach instances only when they boot.');
      }

      const cluster = clusterOf(props.cluster, this.node.path);
      this.wireInstances(cluster);

      const { role, logGroup } = functionRoleAndLogs(this, cluster._logRetention);
      this.function = new SyncConfigFunction(this, 'Function', {
        description: 'cdk-sitespeed: syncs the config prefix onto the running sitespeed.io instances',
        role,
        logGroup,
        timeout: Duration.minutes(1),
        memorySize: 256,
        environment: {
          CLUSTER_TAG_VALUE: cluster.instanceTagValue,
          CONFIG_BUCKET: this.bucket.bucketName,
          CONFIG_PREFIX: this.prefix,
          SYNC_COMMAND,
          NODE_OPTIONS: '--enable-source-maps',
        },
      });
      markForCheck(this.function, { kind: 'function', role: 'syncConfig' });
      this.grantSync(role, cluster.instanceTagValue);

      this.rule = new events.Rule(this, 'OnChange', {
        description: `cdk-sitespeed: config changes under ${this.prefix || '(the whole bucket)'}`,
        eventPattern: {
          source: ['aws.s3'],
          detailType: ['Object Created', 'Object Deleted'],
          detail: {
            bucket: { name: [this.bucket.bucketName] },
            ...(this.prefix ? { object: { key: [{ prefix: this.prefix }] } } : {}),
          },
        },
        targets: [new eventsTargets.LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
      });
      // Last: what watches the cluster's ConfigSync (SiteAlerts' alarm) gets a whole one.
      cluster._registerConfigSync(this);
    } catch (error) {
      throw forCaller(error);
    }
  }

  /**
   * Gives the instances the config folder: the sync script (the one command the boot and the
   * syncConfig Lambda both run), a sync at boot, read access to the prefix only, and a
   * read-only mount into the sitespeed.io container.
   */
  private wireInstances(cluster: SitespeedCluster): void {
    cluster._installHostScript('sitespeed-sync-config', SYNC_COMMAND);
    cluster._addBootScript('sitespeed-config-boot', {
      CONFIG_BUCKET: this.bucket.bucketName, CONFIG_PREFIX: this.prefix, CONFIG_DIR: HOST_DIR, AWS_REGION: Aws.REGION,
    });
    const role = cluster.instanceRole;
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${this.prefix}*`] } },
    }));
    const objects = this.bucket.arnForObjects(`${this.prefix}*`);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
    this.bucket.encryptionKey?.grantDecrypt(role);
    acknowledgeWildcardResource(role, objects,
      'The instances read the config folder (any key under the config prefix) and nothing else in the bucket.');
    cluster._mountHostPath('config', HOST_DIR, cluster.configContainerPath);
  }

  private createBucket(): s3.Bucket {
    const bucket = new s3.Bucket(this, 'Bucket', {
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      eventBridgeEnabled: true,
    });
    acknowledge(bucket, 'AwsSolutions-S1',
      'The config bucket is versioned, so every change is kept; pass your own bucket to add server access logging.');
    // aws-s3 turns EventBridge notifications on through its own singleton Lambda in the stack.
    const handler = Stack.of(this).node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (handler) {
      acknowledge(handler, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'aws-s3\'s own handler that switches the bucket\'s EventBridge notifications on at deploy time; its role is defined by aws-cdk-lib.');
    }
    return bucket;
  }

  private grantSync(role: iam.IRole, clusterTagValue: string): void {
    const stack = Stack.of(this);
    // The function targets the group's tag and lets Systems Manager find the instances, so it
    // needs no EC2 API. SendCommand is checked against the document and against each instance it
    // reaches: only instances of this cluster (ssm:resourceTag on the library's own CLUSTER_TAG).
    // https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-rc-setting-up-cmdsec.html
    const document = stack.formatArn({ service: 'ssm', account: '', resource: 'document', resourceName: 'AWS-RunShellScript' });
    const instances = stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: [document] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ssm:SendCommand'],
      resources: [instances],
      conditions: { StringEquals: { [`ssm:resourceTag/${CLUSTER_TAG}`]: clusterTagValue } },
    }));
    acknowledgeWildcardResource(role, instances,
      'SendCommand only on instances carrying this cluster\'s own tag (ssm:resourceTag condition); their ids change with every scale-out.');
  }
}
