import * as path from 'path';
import { Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RegressionSettingsEnv, SettingsOverride } from './contract/regression-settings';
import { EXTRACTS_PREFIX, INDEX_PREFIX, REGRESSIONS_PREFIX, STATUS_PREFIX } from './contract/report-keys';
import { RUN_EVENTS } from './contract/run-events';
import { allowListCode, familyCoveredWhole, isCidr, isIpv6Cidr } from './private/allow-list';
import { markForCheck } from './private/check-metadata';
import { clusterOf } from './private/cluster-of';
import { placeKey, usePlace, usersOfPlace } from './private/data-homes';
import { failedEventsQueue } from './private/failed-events';
import { forCaller, spelledForCaller } from './private/for-caller';
import { functionRoleAndLogs } from './private/function-logging';
import { acknowledge, acknowledgeWildcardResource, acknowledgeWildcardsOf } from './private/nag';
import { regressionSettingsOf } from './private/regression-settings';
import { ReportIndexFunction } from './private/report-index-function';
import { defaultEventBusArn } from './private/run-outcomes';
import { requirePlain } from './private/tokens';
import type { RegressionOptions } from './regression-options';
import { ReportRetention } from './report-retention';
import type { ISitespeedCluster, SitespeedCluster } from './sitespeed-cluster';

/** Properties of a {@link ReportTree}. */
export interface ReportTreeProps {
  /**
   * The cluster whose runs are indexed; its reports bucket holds the index and the viewer. More
   * clusters that write to the same bucket join with `addCluster`.
   */
  readonly cluster: ISitespeedCluster;

  /**
   * How long reports are kept: an S3 lifecycle rule per site deletes a run's report at this age,
   * and the index drops the run at the same age. Needs a reports bucket this app creates (the
   * cluster's own, or an `s3.Bucket` you pass as its `reportsBucket`).
   * @default ReportRetention.expireAfter(Duration.days(90)) - see ReportRetention.DEFAULT_DAYS
   */
  readonly reportRetention?: ReportRetention;

  /**
   * Only these IPv4 or IPv6 addresses and CIDRs may open the viewer and the reports (checked by
   * a CloudFront Function). With IPv4 ranges only, the distribution serves IPv4 only: a
   * dual-stack viewer then connects over IPv4 instead of being refused over IPv6.
   * @default - anyone with the URL
   */
  readonly allowedCidrs?: string[];

  /**
   * How each run is compared with its site's own recent past (docs/regressions.md): the report
   * index keeps a small file per site and puts "Sitespeed Regression Detected", "Sitespeed
   * Regression Recovered" and "Sitespeed Baseline Reset" events (`cluster.onRegressionDetected()`);
   * SiteAlerts sends them with `alertOnRegressions`. A site's own `regressions` override these.
   * On by default: 2 S3 requests a run, and nobody is alerted until you subscribe.
   * @default - on, with RegressionOptions' defaults
   */
  readonly regressions?: RegressionOptions;

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

/** S3's limit, less the bucket's own rules and the status records' rule. */
const MAX_LIFECYCLE_RULES = 1000;
/** The largest CloudFront Function CloudFront accepts. */
const MAX_FUNCTION_BYTES = 10240;

/**
 * An index of every run (a summary of every site and one file of runs per site, under
 * `.cdk-sitespeed/index/`), kept current by the reportIndex Lambda on every "Sitespeed Run
 * Finished" event of its clusters, rebuilt daily from the bucket; a calendar viewer served by
 * CloudFront from the private reports bucket; and the reports' retention. `viewerUrl` feeds
 * sitespeed.io's `--resultBaseURL`, so Grafana annotations link to the reports.
 */
export class ReportTree extends Construct {
  /** The reportIndex Lambda (invoke it with `{"rebuild": true}` to rebuild the whole index). */
  public readonly function: lambda.IFunction;
  /** Runs reportIndex could not file after Lambda's retries (the event as `requestPayload`: replay it, docs/run-events.md). */
  public readonly failedEvents: sqs.IQueue;
  /** The CloudFront distribution of the viewer and the reports. */
  public readonly distribution: cloudfront.Distribution;
  /** The viewer's URL, e.g. `https://d111111abcdef8.cloudfront.net`. */
  public readonly viewerUrl: string;
  /** The EventBridge rule for the "Sitespeed Run Finished" events of the clusters. */
  public readonly rule: events.Rule;
  /** The daily rebuild of the index from the bucket (runs whose events were lost, expired runs of sites that stopped). */
  public readonly rebuildRule: events.Rule;
  /** How long reports are kept. */
  public readonly reportRetention: ReportRetention;
  /** The reports bucket: the index, the viewer, and every indexed cluster's reports. */
  public readonly bucket: s3.IBucket;
  /** Whether runs are compared with their site's recent past (the regression events). */
  public readonly regressionDetection: boolean;

  private readonly clusterList: SitespeedCluster[] = [];
  private readonly treeRegressionSettings: SettingsOverride;
  private readonly retainedSlugs = new Set<string>();

  constructor(scope: Construct, id: string, props: ReportTreeProps) {
    super(scope, id);
    try {
      const cluster = clusterOf(props.cluster, this.node.path);
      // Two indexes of one bucket would overwrite each other's summary and lifecycle rules.
      const bucketKey = placeKey(cluster.reportsBucket.bucketName, cluster.reportsBucket);
      const indexed = usersOfPlace(this, 'report index', bucketKey);
      if (indexed.length > 0) {
        throw new Error(`the reports bucket of ${cluster.node.path} is already indexed by ${indexed[0].node.path}: one ReportTree per bucket; ` +
          `add this cluster to it with ${indexed[0].node.id}.addCluster(...) instead.`);
      }
      usePlace(this, 'report index', bucketKey);
      const bucket = cluster.reportsBucket;
      this.bucket = bucket;
      this.reportRetention = props.reportRetention ?? ReportRetention.expireAfter(Duration.days(ReportRetention.DEFAULT_DAYS));
      if (this.reportRetention.expiryDays !== undefined && !(bucket instanceof s3.Bucket)) {
        throw new Error(
          `reportRetention: the reports bucket of ${cluster.node.path} is not created in this app, so no lifecycle rule can be added to it. ` +
          'Pass an s3.Bucket of this app as the cluster\'s reportsBucket, or give ReportRetention.forever() and expire reports with rules of your own.',
        );
      }
      for (const [i, cidr] of (props.allowedCidrs ?? []).entries()) {
        requirePlain(`allowedCidrs[${i}]`, cidr, 'the allow-list function is written from it at synth');
        if (!isCidr(cidr)) throw new Error(`allowedCidrs[${i}] '${cidr}' is not an IPv4 or IPv6 address or CIDR (e.g. '203.0.113.0/24', '2001:db8::/32').`);
      }
      if (props.allowedCidrs && props.allowedCidrs.length === 0) {
        throw new Error('allowedCidrs is empty, which would lock everyone out; leave it out to allow anyone with the URL.');
      }
      const whole = props.allowedCidrs && familyCoveredWhole(props.allowedCidrs);
      if (whole) {
        throw new Error(`allowedCidrs together cover every ${whole} address, so the allow-list lets anyone in while it reads as a restriction: ` +
          'list only your ranges, or leave allowedCidrs out to allow anyone with the URL.');
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
      if (props.domainName !== undefined && props.certificate !== undefined) checkCustomDomain(props.domainName, props.certificate);
      if (props.accessLogsBucket) checkAccessLogsBucket(props.accessLogsBucket);

      const { role, logGroup } = functionRoleAndLogs(this, cluster._logRetention);
      this.function = new ReportIndexFunction(this, 'Function', {
        description: 'cdk-sitespeed: files each finished run in the report index for the calendar viewer',
        role,
        logGroup,
        // An update takes 5 S3 calls; the daily rebuild lists the whole bucket (about a minute for 200 sites with a year of runs).
        timeout: Duration.minutes(15),
        memorySize: 512,
        environment: {
          REPORTS_BUCKET: bucket.bucketName,
          RETENTION_DAYS: String(this.reportRetention.expiryDays ?? ''),
          // Every site of the clusters, also those added after this construct: known at synth.
          REGRESSION_SETTINGS: Lazy.string({ produce: () => JSON.stringify(this.regressionSettings()) }),
          NODE_OPTIONS: '--enable-source-maps',
        },
      });
      markForCheck(this.function, { kind: 'function', role: 'reportIndex' });
      this.failedEvents = failedEventsQueue(this, this.function, 'runs that could not be filed in the index');
      this.treeRegressionSettings = regressionSettingsOf('regressions', props.regressions);
      this.regressionDetection = this.treeRegressionSettings.enabled ?? true;
      this.grantIndexAccess(role, bucket);
      if (this.regressionDetection) role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [defaultEventBusArn(this)] }));

      // The run outcomes (every cluster has them) find the run's folder and budget: the index takes them from there.
      this.rule = new events.Rule(this, 'OnRunFinished', {
        description: 'cdk-sitespeed: finished runs of the clusters that write to this reports bucket',
        eventPattern: { source: [RUN_EVENTS.source], detailType: [RUN_EVENTS.finished], detail: { cluster: [cluster.cluster.clusterName] } },
        targets: [new eventsTargets.LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.hours(2) })],
      });
      this.rebuildRule = new events.Rule(this, 'DailyRebuild', {
        description: 'cdk-sitespeed: rebuilds the report index from the bucket (lost events, expired runs)',
        schedule: events.Schedule.cron({ minute: '17', hour: '3' }),
        targets: [new eventsTargets.LambdaFunction(this.function, { event: events.RuleTargetInput.fromObject({ rebuild: true }), retryAttempts: 2 })],
      });
      if (bucket instanceof s3.Bucket && this.reportRetention.expiryDays !== undefined) {
        bucket.addLifecycleRule({ id: 'run-statuses', prefix: STATUS_PREFIX, expiration: Duration.days(this.reportRetention.expiryDays) });
        // An extract is what its run measured: kept as long as the run's report.
        bucket.addLifecycleRule({ id: 'run-extracts', prefix: EXTRACTS_PREFIX, expiration: Duration.days(this.reportRetention.expiryDays) });
      }

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

      this.addCluster(cluster);
      this.acknowledgeNagFindings(props);
    } catch (error) {
      throw forCaller(error);
    }
  }

  /** The clusters whose runs are indexed. */
  public get clusters(): ISitespeedCluster[] {
    return [...this.clusterList];
  }

  /**
   * Indexes the runs of another cluster that writes to this reports bucket (create it with
   * `reportsBucket: <first cluster>.reportsBucket`): one calendar for both. Slugs stay unique
   * across the clusters of one bucket.
   */
  public addCluster(other: ISitespeedCluster): void {
    spelledForCaller(() => this.attachCluster(other));
  }

  private attachCluster(other: ISitespeedCluster): void {
    const cluster = clusterOf(other, `${this.node.path} addCluster`);
    if (this.clusterList.includes(cluster)) return;
    if (cluster.reportsBucket !== this.bucket) {
      throw new Error(
        `addCluster: ${cluster.node.path} writes its reports to another bucket than ${this.node.path} indexes; ` +
        `create it with reportsBucket: ${this.clusterList[0]?.node.path ?? 'the first cluster'}.reportsBucket to share one calendar.`,
      );
    }
    cluster._attachReportTree(this);
    this.clusterList.push(cluster);
    if (this.clusterList.length > 1) this.rule.addEventPattern({ detail: { cluster: [cluster.cluster.clusterName] } });
    for (const site of cluster._sites) this._retainReportsOf(site.slug);
  }

  /**
   * Adds the lifecycle rule that expires a site's reports (S3 filters by prefix; reports have no
   * common one, and a rule without a prefix would expire the viewer and the index). The index
   * drops runs at the same age (lambda-src/report-index/index-files.ts retentionCutoff says why
   * never after S3 deletes them); `cdk-sitespeed check` reads the rule back. @internal
   */
  public _retainReportsOf(slug: string): void {
    const { expiryDays, infrequentAccessDays } = this.reportRetention;
    // ReportRetention moves to Standard-IA only with an expiry: no expiry, no rule.
    if (!(this.bucket instanceof s3.Bucket) || this.retainedSlugs.has(slug) || expiryDays === undefined) return;
    this.retainedSlugs.add(slug);
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html (up to 1,000 rules per bucket)
    // The bucket's own six: the cluster's old versions, old index versions, delete markers and
    // outcome markers (SitespeedCluster's createReportsBucket), run-statuses and run-extracts.
    if (this.retainedSlugs.size > MAX_LIFECYCLE_RULES - 6) {
      throw new Error(`${this.node.path}: ${this.retainedSlugs.size} sites in one reports bucket; S3 allows 1000 lifecycle rules, one per site: use another bucket for more sites.`);
    }
    this.bucket.addLifecycleRule({
      id: `reports-${slug}`,
      prefix: `${slug}/`,
      expiration: Duration.days(expiryDays),
      transitions: infrequentAccessDays !== undefined
        ? [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(infrequentAccessDays) }]
        : undefined,
    });
  }

  /** What the function reads: the tree's settings and each site's own. */
  private regressionSettings(): RegressionSettingsEnv {
    const sites: Record<string, SettingsOverride> = {};
    for (const site of this.clusterList.flatMap(c => c._sites)) {
      if (Object.keys(site._regressionSettings).length === 0) continue;
      if (!this.regressionDetection) {
        throw new Error(`${site.node.path}: regressions are set for the site, but ${this.node.path} has regressions.enabled false, which turns them off for every site.`);
      }
      sites[site.slug] = site._regressionSettings;
    }
    const { enabled, ...defaults } = this.treeRegressionSettings;
    return { enabled: this.regressionDetection, defaults, sites };
  }

  private grantIndexAccess(role: iam.IRole, bucket: s3.IBucket): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    const index = bucket.arnForObjects(`${INDEX_PREFIX}*`);
    const statuses = bucket.arnForObjects(`${STATUS_PREFIX}*`);
    const extracts = bucket.arnForObjects(`${EXTRACTS_PREFIX}*`);
    const regressions = bucket.arnForObjects(`${REGRESSIONS_PREFIX}*`);
    // The HARs sitespeed.io stores per URL (<site>/<run>/pages/…/data/browsertime.har[.gz]), which the run extracts read.
    const hars = bucket.arnForObjects('*/data/browsertime.har*');
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [index, statuses, extracts, regressions, hars] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [index, statuses, extracts, regressions] }));
    bucket.encryptionKey?.grantEncryptDecrypt(role);
    acknowledgeWildcardResource(role, index,
      'The index: a summary and one file per site (named by its slug, known at run time), and copies of unreadable ones under kept/.');
    acknowledgeWildcardResource(role, statuses,
      `Each run's status is kept as a small object of its own under ${STATUS_PREFIX}, so a rebuild of the index restores it.`);
    acknowledgeWildcardResource(role, extracts, `One extract per run (what each URL measured) under ${EXTRACTS_PREFIX}<site>/<run>.json, named at run time.`);
    acknowledgeWildcardResource(role, regressions, `One file per site of regression detection under ${REGRESSIONS_PREFIX}<site>.json, named at run time.`);
    acknowledgeWildcardResource(role, hars, 'Read only: the HAR sitespeed.io stores for each URL of a run, under a run folder named at run time.');
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

/** A host name, as CloudFront's alternate domain names take it (labels of letters, digits and '-'). */
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/**
 * The domain is a host name and the certificate can serve it: CloudFront takes certificates from
 * us-east-1 only ("Requirements for using SSL/TLS certificates with CloudFront", CloudFront
 * Developer Guide), and one created in this app must name the domain (or a wildcard over it).
 */
function checkCustomDomain(domainName: string, certificate: acm.ICertificate): void {
  if (!Token.isUnresolved(domainName)) {
    if (domainName.trim() === '' || domainName.includes('://') || domainName.includes('/') || !HOST_NAME.test(domainName)) {
      const host = domainName.replace(/^\w+:\/\//, '').split('/')[0];
      throw new Error(`domainName '${domainName}' must be a host name such as 'reports.example.com'${host && host !== domainName ? ` (here '${host}')` : ''}, not a URL or an empty string.`);
    }
  }
  // An imported certificate's ARN says its region (its env is the importing stack's); a created one's is its stack's.
  const arn = certificate.certificateArn;
  const region = Token.isUnresolved(arn) ? certificate.env.region : arn.split(':')[3];
  if (!Token.isUnresolved(region) && region !== 'us-east-1') {
    throw new Error(`certificate ${certificate.node.path} is in ${region}; CloudFront takes certificates from us-east-1 only. ` +
      'Create it in a us-east-1 stack (crossRegionReferences: true) or import one from there with acm.Certificate.fromCertificateArn.');
  }
  const cfn = certificate.node.defaultChild;
  if (!Token.isUnresolved(domainName) && cfn instanceof acm.CfnCertificate) {
    const names = [cfn.domainName, ...(cfn.subjectAlternativeNames ?? [])];
    if (names.every(n => !Token.isUnresolved(n)) && !names.some(n => coversName(n, domainName))) {
      throw new Error(`certificate ${certificate.node.path} names ${names.join(', ')}, none of which covers domainName '${domainName}': ` +
        'add the domain (or a wildcard over it) to the certificate, or use another one.');
    }
  }
}

/** Whether a certificate name (`example.com`, `*.example.com`) covers a host name: a wildcard covers one label. */
function coversName(name: string, host: string): boolean {
  const [n, h] = [name.toLowerCase(), host.toLowerCase()];
  if (n === h) return true;
  return n.startsWith('*.') && h.endsWith(n.slice(1)) && !h.slice(0, h.length - n.length + 1).includes('.');
}

/**
 * CloudFront's standard logs are written with an ACL, so the bucket needs ACLs enabled ("Standard
 * logging (legacy)", CloudFront Developer Guide: since April 2023 new buckets have them disabled,
 * and CloudFormation then fails with "does not enable ACL access"). Known for a bucket of this app.
 */
function checkAccessLogsBucket(bucket: s3.IBucket): void {
  const cfn = bucket.node.defaultChild;
  if (!(cfn instanceof s3.CfnBucket)) return;
  const controls = Stack.of(bucket).resolve(cfn.ownershipControls) as { rules?: { objectOwnership?: string }[] } | undefined;
  const ownership = controls?.rules?.[0]?.objectOwnership ?? 'BucketOwnerEnforced';
  if (ownership === 'BucketOwnerEnforced') {
    throw new Error(`accessLogsBucket ${bucket.node.path} has ACLs disabled (object ownership ${ownership}, S3's default for new buckets), ` +
      'and CloudFront writes its standard logs with an ACL: create it with objectOwnership: s3.ObjectOwnership.OBJECT_WRITER (or BUCKET_OWNER_PREFERRED).');
  }
}
