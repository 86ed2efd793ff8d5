import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { allowListCode, isCidr, isIpv6Cidr } from './private/allow-list';
import { markForCheck } from './private/check-metadata';
import { functionRoleAndLogs } from './private/function-logging';
import { acknowledge, acknowledgeWildcardResource, acknowledgeWildcardsOf } from './private/nag';
import { stoppedTasksPattern } from './private/stopped-tasks';
import { requirePlain } from './private/tokens';
import { WriteTreeFunction } from './private/write-tree-function';
import type { SitespeedCluster } from './sitespeed-cluster';

/** Properties of a {@link ReportTree}. */
export interface ReportTreeProps {
  /** The cluster whose runs are indexed; its reports bucket holds the tree and the viewer. */
  readonly cluster: SitespeedCluster;

  /**
   * Only these IPv4 or IPv6 addresses and CIDRs may open the viewer and the reports (checked by
   * a CloudFront Function). With IPv4 ranges only, the distribution serves IPv4 only: a
   * dual-stack viewer then connects over IPv4 instead of being refused over IPv6.
   * @default - anyone with the URL
   */
  readonly allowedCidrs?: string[];

  /**
   * A bucket for CloudFront's access logs.
   * @default - no access logs
   */
  readonly accessLogsBucket?: s3.IBucket;

  /**
   * Your own domain for the viewer and the reports, e.g. `reports.example.com` (give
   * `certificate` with it, and point a DNS record at `distribution.distributionDomainName`).
   * It becomes `viewerUrl`, so report links in Grafana use it, and lets the distribution refuse
   * TLS older than 1.2, which the default `*.cloudfront.net` certificate cannot.
   * @default - the distribution's own `*.cloudfront.net` name
   */
  readonly domainName?: string;

  /**
   * The ACM certificate for `domainName`, in us-east-1 (CloudFront's requirement).
   * @default - none; required with `domainName`
   */
  readonly certificate?: acm.ICertificate;
}

const TREE_KEY = 'tree.json';
/** The largest CloudFront Function CloudFront accepts. */
const MAX_FUNCTION_BYTES = 10240;

/**
 * An index of every run (`tree.json`: site → runs with their status), kept current by the
 * writeTree Lambda on every stopped task of the cluster, and a calendar viewer served by
 * CloudFront from the private reports bucket. `viewerUrl` feeds sitespeed.io's
 * `--resultBaseURL`, so Grafana annotations link to the reports.
 */
export class ReportTree extends Construct {
  /** The writeTree Lambda (invoke it with `{"rebuild": true}` to rebuild the whole tree). */
  public readonly function: lambda.IFunction;
  /** The CloudFront distribution of the viewer and the reports. */
  public readonly distribution: cloudfront.Distribution;
  /** The viewer's URL, e.g. `https://d111111abcdef8.cloudfront.net`. */
  public readonly viewerUrl: string;
  /** The EventBridge rule for the cluster's stopped tasks. */
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: ReportTreeProps) {
    super(scope, id);
    const cluster = props.cluster;
    const bucket = cluster.reportsBucket;
    for (const [i, cidr] of (props.allowedCidrs ?? []).entries()) {
      requirePlain(`allowedCidrs[${i}]`, cidr, 'the allow-list function is written from it at synth');
      if (!isCidr(cidr)) throw new Error(`allowedCidrs[${i}] '${cidr}' is not an IPv4 or IPv6 address or CIDR (e.g. '203.0.113.0/24', '2001:db8::/32').`);
    }
    if (props.allowedCidrs && props.allowedCidrs.length === 0) {
      throw new Error('allowedCidrs is empty, which would lock everyone out; leave it out to allow anyone with the URL.');
    }
    const allowList = props.allowedCidrs && allowListCode(props.allowedCidrs);
    // https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html (CloudFront Functions: 10 KB)
    if (allowList && Buffer.byteLength(allowList) > MAX_FUNCTION_BYTES) {
      throw new Error(
        `allowedCidrs: ${props.allowedCidrs!.length} ranges make a CloudFront Function of ${Buffer.byteLength(allowList)} bytes; ` +
        `CloudFront allows ${MAX_FUNCTION_BYTES}. Merge them into fewer, wider ranges (about 500 IPv4 ranges fit).`,
      );
    }
    if ((props.domainName === undefined) !== (props.certificate === undefined)) {
      throw new Error(
        `${props.domainName ? 'domainName' : 'certificate'} is given without ${props.domainName ? 'certificate' : 'domainName'}: ` +
        'CloudFront serves a domain of your own only with its certificate (ACM, us-east-1); give both or neither.',
      );
    }

    const { role, logGroup } = functionRoleAndLogs(this, cluster._logRetention);
    this.function = new WriteTreeFunction(this, 'Function', {
      description: 'cdk-sitespeed: indexes a stopped run in tree.json for the report viewer',
      role,
      logGroup,
      timeout: Duration.minutes(5),
      memorySize: 512,
      environment: {
        REPORTS_BUCKET: bucket.bucketName,
        TREE_KEY,
        CLUSTER_ARN: cluster.cluster.clusterArn,
        TASK_FAMILY: cluster.taskDefinition.family,
        CONTAINER_NAME: cluster.container.containerName,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    markForCheck(this.function, { kind: 'function', role: 'writeTree' });
    this.grantTreeAccess(role, bucket);

    this.rule = new events.Rule(this, 'OnTaskStopped', {
      description: 'cdk-sitespeed: sitespeed.io tasks of this cluster that stopped',
      eventPattern: stoppedTasksPattern(this, cluster.cluster.clusterArn, cluster.taskDefinition.family),
      targets: [new eventsTargets.LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.hours(2) })],
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'cdk-sitespeed report viewer',
      defaultRootObject: 'index.html',
      // An IPv4-only allow-list would refuse every viewer who connects over IPv6.
      enableIpv6: props.allowedCidrs ? props.allowedCidrs.some(isIpv6Cidr) : true,
      // Only with a certificate of your own: the default *.cloudfront.net one always allows TLS 1.0
      // (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-viewer-protocols-ciphers.html).
      domainNames: props.domainName ? [props.domainName] : undefined,
      certificate: props.certificate,
      minimumProtocolVersion: props.certificate ? cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 : undefined,
      enableLogging: props.accessLogsBucket !== undefined,
      logBucket: props.accessLogsBucket,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        functionAssociations: props.allowedCidrs ? [{
          eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
          function: new cloudfront.Function(this, 'AllowList', {
            comment: 'cdk-sitespeed: only the allowed CIDRs may open the reports',
            runtime: cloudfront.FunctionRuntime.JS_2_0,
            code: cloudfront.FunctionCode.fromInline(allowList!),
          }),
        }] : undefined,
      },
    });
    this.viewerUrl = `https://${props.domainName ?? this.distribution.distributionDomainName}`;

    // prune: false — the bucket holds every report; deploying the viewer must never delete them.
    new s3deploy.BucketDeployment(this, 'Viewer', {
      destinationBucket: bucket,
      sources: [s3deploy.Source.asset(path.join(__dirname, '..', 'assets', 'viewer'))],
      prune: false,
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/.viewer/*'],
      cacheControl: [s3deploy.CacheControl.noCache()],
    });

    cluster._attachReportTree(this);
    this.acknowledgeNagFindings(props);
  }

  private grantTreeAccess(role: iam.IRole, bucket: s3.IBucket): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    // The durable run statuses (lambda-src/write-tree/run-status.ts): one small object per run.
    const statuses = bucket.arnForObjects('.cdk-sitespeed/runs/*');
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(TREE_KEY), statuses] }));
    const corruptCopies = bucket.arnForObjects('tree.corrupt-*.json');
    const keptCopies = bucket.arnForObjects('tree.kept-*.json');
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects(TREE_KEY), corruptCopies, keptCopies, statuses],
    }));
    acknowledgeWildcardResource(role, corruptCopies,
      'A corrupt tree.json is copied aside under a timestamped name before it is rebuilt.');
    acknowledgeWildcardResource(role, keptCopies,
      'A tree.json with fields this version does not know is copied aside under a timestamped name before it is rewritten.');
    acknowledgeWildcardResource(role, statuses,
      'Each run\'s status is kept as a small object of its own under .cdk-sitespeed/runs/, so a rebuild of tree.json restores it; the Lambda writes nothing else.');
  }

  private acknowledgeNagFindings(props: ReportTreeProps): void {
    acknowledge(this.distribution, 'AwsSolutions-CFR1', 'Reports are for a team, not a country; restrict by network with allowedCidrs instead.');
    acknowledge(this.distribution, 'AwsSolutions-CFR2',
      'AWS WAF costs a web ACL in us-east-1 for a read-only report site; the IP allow-list is a CloudFront Function (allowedCidrs).');
    if (!props.accessLogsBucket) {
      acknowledge(this.distribution, 'AwsSolutions-CFR3', 'Access logs are opt-in through accessLogsBucket: a log bucket per report site is a cost most teams skip.');
    }
    if (!props.certificate) {
      acknowledge(this.distribution, 'AwsSolutions-CFR4',
        'The default *.cloudfront.net certificate cannot refuse TLS before 1.2; with domainName and certificate the distribution requires TLSv1.2_2021.');
    }
    const stack = Stack.of(this);
    for (const child of stack.node.children) {
      if (child.node.id.startsWith('Custom::CDKBucketDeployment')) {
        const why = 'aws-s3-deployment\'s own handler that copies the viewer into the reports bucket at deploy time; its role and runtime are aws-cdk-lib\'s.';
        acknowledge(child, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', why);
        acknowledge(child, 'AwsSolutions-L1', why);
        const policy = child.node.tryFindChild('ServiceRole')?.node.tryFindChild('DefaultPolicy');
        if (policy instanceof iam.Policy) acknowledgeWildcardsOf(policy, why);
      }
    }
  }
}
