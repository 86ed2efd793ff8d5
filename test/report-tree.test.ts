import * as vm from 'vm';
import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { runNag } from './harness/nag';
import { flatten, onlyLogicalId, policyStatementsOfRole, stackWithVpc } from './helpers';
import { ReportRetention, ReportTree, ReportTreeProps, SitespeedCluster } from '../src';
import { allowListCode } from '../src/private/allow-list';

const daily = ScheduleExpression.cron({ minute: '0', hour: '9', timeZone: TimeZone.of('Europe/Stockholm') });

function withTree(props: Partial<ReportTreeProps> = {}) {
  const { stack, vpc } = stackWithVpc();
  const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc });
  const tree = new ReportTree(stack, 'Reports', { cluster, ...props });
  return { stack, cluster, tree, get template() { return Template.fromStack(stack); } };
}

test('reportIndex files the "Sitespeed Run Finished" events of its cluster, and rebuilds the index daily', () => {
  const { template } = withTree();
  template.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: { 'source': ['cdk-sitespeed'], 'detail-type': ['Sitespeed Run Finished'], 'detail': { cluster: [{ Ref: onlyLogicalId(template, 'AWS::ECS::Cluster') }] } },
  });
  template.hasResourceProperties('AWS::Events::Rule', {
    ScheduleExpression: 'cron(17 3 * * ? *)',
    Targets: [Match.objectLike({ Input: '{"rebuild":true}' })],
  });
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ REPORTS_BUCKET: { Ref: onlyLogicalId(template, 'AWS::S3::Bucket') }, RETENTION_DAYS: '90' }) },
    Timeout: 900,
  });
});

test('reportIndex may list the bucket, read and write the index, the run statuses, the run extracts and the regression files, read the runs\' HARs, and nothing else', () => {
  const { template } = withTree();
  const bucket = onlyLogicalId(template, 'AWS::S3::Bucket');
  const arn = { 'Fn::GetAtt': [bucket, 'Arn'] };
  const key = (k: string) => ({ 'Fn::Join': ['', [arn, k]] });
  const statements = policyStatementsOfRole(template, 'ReportsRole').filter(s => [s.Action].flat().some((a: string) => a.startsWith('s3:')));
  expect(statements).toEqual([
    { Action: 's3:ListBucket', Effect: 'Allow', Resource: arn },
    {
      Action: 's3:GetObject',
      Effect: 'Allow',
      Resource: [key('/.cdk-sitespeed/index/*'), key('/.cdk-sitespeed/runs/*'), key('/.cdk-sitespeed/extracts/*'), key('/.cdk-sitespeed/regressions/*'),
        key('/*/data/browsertime.har*')],
    },
    {
      Action: 's3:PutObject',
      Effect: 'Allow',
      Resource: [key('/.cdk-sitespeed/index/*'), key('/.cdk-sitespeed/runs/*'), key('/.cdk-sitespeed/extracts/*'),
        key('/.cdk-sitespeed/regressions/*')],
    },
  ]);
  // The regression events, on the account's default bus only.
  const put = policyStatementsOfRole(template, 'ReportsRole').filter(s => s.Action === 'events:PutEvents');
  expect(put).toHaveLength(1);
  expect(JSON.stringify(put[0].Resource)).toContain(':event-bus/default');
});

test('regressions: { enabled: false }: no PutEvents, and the function is told', () => {
  const { stack, vpc } = stackWithVpc();
  const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc });
  new ReportTree(stack, 'Reports', { cluster, regressions: { enabled: false } });
  const template = Template.fromStack(stack);
  expect(policyStatementsOfRole(template, 'ReportsRole').filter(s => s.Action === 'events:PutEvents')).toEqual([]);
  const variables = Object.values(template.findResources('AWS::Lambda::Function')).map(f => f.Properties.Environment?.Variables ?? {})
    .find(v => v.REGRESSION_SETTINGS);
  expect(JSON.parse(variables.REGRESSION_SETTINGS)).toEqual({ enabled: false, defaults: {}, sites: {} });
});

test('regressions: the tree\'s settings and each site\'s own, in the props\' units, reach the function; a value out of range names the prop', () => {
  const { stack, vpc } = stackWithVpc();
  const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc });
  new ReportTree(stack, 'Reports', { cluster, regressions: { minSlowdownPercent: 5, minSlowdown: Duration.millis(100), maxBaselineAge: Duration.days(14) } });
  // A site added after the tree counts.
  cluster.addSite('Blog', { schedule: ScheduleExpression.rate(Duration.hours(1)), urls: [{ url: 'https://blog.example.com/' }], regressions: { enabled: false } });
  cluster.addSite('Shop', { schedule: ScheduleExpression.rate(Duration.hours(1)), urls: [{ url: 'https://shop.example.com/' }], regressions: { significance: 0.001, recentRuns: 3, confirmRuns: 4 } });
  const variables = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).map(f => f.Properties.Environment?.Variables ?? {})
    .find(v => v.REGRESSION_SETTINGS);
  expect(JSON.parse(variables.REGRESSION_SETTINGS)).toEqual({
    enabled: true,
    defaults: { floorPercent: 5, floorMs: 100, maxBaselineAgeDays: 14 },
    sites: { blog: { enabled: false }, shop: { alpha: 0.001, recentRuns: 3, confirmRuns: 4 } },
  });
  const other = stackWithVpc();
  const otherCluster = new SitespeedCluster(other.stack, 'Sitespeed', { vpc: other.vpc });
  expect(() => new ReportTree(other.stack, 'Reports', { cluster: otherCluster, regressions: { significance: 0.5 } }))
    .toThrow('regressions.significance is 0.5; it must be a number from 0.000001 to 0.2.');
  expect(() => otherCluster.addSite('Docs', { schedule: ScheduleExpression.rate(Duration.hours(1)), urls: [{ url: 'https://docs.example.com/' }], regressions: { minBaselineRuns: 3 } }))
    .toThrow('regressions.minBaselineRuns is 3; it must be a whole number from 5 to 168.');
  expect(() => otherCluster.addSite('Api', { schedule: ScheduleExpression.rate(Duration.hours(1)), urls: [{ url: 'https://api.example.com/' }], regressions: { confirmRuns: 1.5 } }))
    .toThrow('regressions.confirmRuns is 1.5; it must be a whole number from 2 to 48.');
});

describe('report retention', () => {
  const rulesOf = (template: Template) => Object.values(template.findResources('AWS::S3::Bucket'))[0].Properties.LifecycleConfiguration.Rules;

  test('by default each site\'s reports, the run statuses and the run extracts expire after 90 days, sites added before or after the ReportTree alike', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc });
    cluster.addSite('Shop', { schedule: daily, urls: [{ url: 'https://shop.example.com/' }] });
    new ReportTree(stack, 'Reports', { cluster });
    cluster.addSite('Blog', { schedule: daily, urls: [{ url: 'https://blog.example.com/' }], slug: 'the-blog' });
    const rules = rulesOf(Template.fromStack(stack));
    expect(rules.filter((r: any) => r.ExpirationInDays && r.Id !== 'outcome-markers-7-days')).toEqual([
      { Id: 'run-statuses', Status: 'Enabled', Prefix: '.cdk-sitespeed/runs/', ExpirationInDays: 90 },
      { Id: 'run-extracts', Status: 'Enabled', Prefix: '.cdk-sitespeed/extracts/', ExpirationInDays: 90 },
      { Id: 'reports-shop', Status: 'Enabled', Prefix: 'shop/', ExpirationInDays: 90 },
      { Id: 'reports-the-blog', Status: 'Enabled', Prefix: 'the-blog/', ExpirationInDays: 90 },
    ]);
    // Nothing expires the viewer (index.html, .viewer/) or the index.
    expect(rules.filter((r: any) => r.ExpirationInDays && !r.Prefix)).toEqual([]);
  });

  test('a retention of your own, with a move to Standard-IA', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc });
    new ReportTree(stack, 'Reports', { cluster, reportRetention: ReportRetention.expireAfter(Duration.days(400), { infrequentAccessAfter: Duration.days(60) }) });
    cluster.addSite('Shop', { schedule: daily, urls: [{ url: 'https://shop.example.com/' }] });
    const template = Template.fromStack(stack);
    expect(rulesOf(template).find((r: any) => r.Id === 'reports-shop')).toEqual({
      Id: 'reports-shop',
      Status: 'Enabled',
      Prefix: 'shop/',
      ExpirationInDays: 400,
      Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 60 }],
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ RETENTION_DAYS: '400' }) } });
  });

  test('forever: no expiry rule, and the index keeps every run', () => {
    const { template } = withTree({ reportRetention: ReportRetention.forever() });
    // The cluster's own rule for its outcome markers aside: no report expires.
    expect(rulesOf(template).filter((r: any) => (r.ExpirationInDays || r.Transitions) && r.Id !== 'outcome-markers-7-days')).toEqual([]);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ RETENTION_DAYS: '' }) } });
  });

  test.each([
    ['a partial day', () => ReportRetention.expireAfter(Duration.hours(36)), /expireAfter is 1 day 12 hours; S3 lifecycle rules count whole days/],
    ['a move before 30 days', () => ReportRetention.expireAfter(Duration.days(90), { infrequentAccessAfter: Duration.days(7) }), /infrequentAccessAfter is 7 days; S3 moves objects to Standard-IA after 30 days at the earliest/],
    ['a move after the expiry', () => ReportRetention.expireAfter(Duration.days(60), { infrequentAccessAfter: Duration.days(60) }), /infrequentAccessAfter \(60 days\) must be shorter than expireAfter \(60 days\)/],
  ])('%s is refused, saying what is allowed', (_name, make, message) => {
    expect(make).toThrow(message);
  });

  test('S3\'s 1,000 lifecycle rules per bucket: the site after the 994th is refused, saying what to do', () => {
    const { tree } = withTree();
    for (let i = 0; i < 994; i++) tree._retainReportsOf(`site-${i}`);
    expect(() => tree._retainReportsOf('one-more')).toThrow(/995 sites in one reports bucket; S3 allows 1000 lifecycle rules, one per site: use another bucket/);
  });

  test('a bucket not created in this app cannot get the rules: an error says what to do; forever is accepted', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc, reportsBucket: s3.Bucket.fromBucketName(stack, 'Given', 'my-reports') });
    expect(() => new ReportTree(stack, 'Reports', { cluster })).toThrow(/reportRetention: the reports bucket of Test\/Sitespeed is not created in this app.*ReportRetention\.forever\(\)/);
    const forever = new ReportTree(stack, 'Forever', {
      cluster: new SitespeedCluster(stack, 'Other', { vpc, reportsBucket: s3.Bucket.fromBucketName(stack, 'Given2', 'other-reports') }),
      reportRetention: ReportRetention.forever(),
    });
    expect(forever.reportRetention.expiryDays).toBeUndefined();
  });
});

describe('one calendar, several clusters', () => {
  function twoClusters() {
    const { stack, vpc } = stackWithVpc();
    const first = new SitespeedCluster(stack, 'Sitespeed', { vpc });
    const second = new SitespeedCluster(stack, 'HostTc', { vpc, reportsBucket: first.reportsBucket });
    const tree = new ReportTree(stack, 'Reports', { cluster: first });
    tree.addCluster(second);
    return { stack, vpc, first, second, tree };
  }

  test('a cluster that shares the bucket joins: its runs are filed, its sites link to the one viewer and get their lifecycle rule', () => {
    const { stack, first, second, tree } = twoClusters();
    second.addSite('Landing', { schedule: daily, urls: [{ url: 'https://www.example.com/' }] });
    const template = Template.fromStack(stack);
    const clusters = Object.entries(template.findResources('AWS::ECS::Cluster')).map(([id]) => ({ Ref: id }));
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { 'source': ['cdk-sitespeed'], 'detail-type': ['Sitespeed Run Finished'], 'detail': { cluster: clusters } } });
    expect(tree.clusters).toEqual([first, second]);
    expect(second.reportTree).toBe(tree);
    expect(JSON.stringify(Object.values(template.findResources('AWS::Scheduler::Schedule'))[0].Properties.Target.Input)).toContain('--resultBaseURL');
    expect(template.findResources('AWS::S3::Bucket')).toEqual({ [onlyLogicalId(template, 'AWS::S3::Bucket')]: expect.anything() });
    expect(Object.values(template.findResources('AWS::S3::Bucket'))[0].Properties.LifecycleConfiguration.Rules.map((r: any) => r.Id)).toContain('reports-landing');
  });

  test('a slug is unique across the clusters of one bucket', () => {
    const { first, second } = twoClusters();
    first.addSite('Shop', { schedule: daily, urls: [{ url: 'https://shop.example.com/' }] });
    expect(() => second.addSite('Shop', { schedule: daily, urls: [{ url: 'https://shop.example.com/' }] }))
      .toThrow(/slug 'shop' of site Test\/HostTc\/Shop is already used by site Test\/Sitespeed\/Shop, and both send to the reports bucket/);
  });

  test('a cluster with a bucket of its own cannot join', () => {
    const { stack, vpc, tree } = twoClusters();
    const other = new SitespeedCluster(stack, 'Other', { vpc });
    expect(() => tree.addCluster(other)).toThrow(/addCluster: Test\/Other writes its reports to another bucket than Test\/Reports indexes; create it with reportsBucket: Test\/Sitespeed\.reportsBucket/);
  });
});

test('the viewer is served by CloudFront from the private bucket over HTTPS with security headers', () => {
  const { template } = withTree();
  template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
  template.hasResourceProperties('AWS::CloudFront::Distribution', {
    DistributionConfig: Match.objectLike({
      DefaultRootObject: 'index.html',
      DefaultCacheBehavior: Match.objectLike({
        ViewerProtocolPolicy: 'redirect-to-https',
        ResponseHeadersPolicyId: '67f7725c-6f97-4210-82d7-5512b31e9d03', // Managed-SecurityHeadersPolicy
        FunctionAssociations: Match.absent(),
      }),
    }),
  });
  template.hasResourceProperties('AWS::S3::BucketPolicy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' })]) },
  });
  template.hasResourceProperties('AWS::S3::Bucket', { PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicPolicy: true, RestrictPublicBuckets: true }) });
});

test('deploying the viewer never deletes reports (no prune)', () => {
  const { template } = withTree();
  template.hasResourceProperties('Custom::CDKBucketDeployment', { Prune: false, DestinationBucketKeyPrefix: Match.absent() });
});

test('sites link Grafana annotations to the viewer', () => {
  const { cluster, tree, stack } = withTree();
  const site = cluster.addSite('Shop', { schedule: daily, urls: [{ url: 'https://a.example/' }] });
  const args = site.sitespeedArgs;
  expect(args[args.indexOf('--resultBaseURL') + 1]).toBe(tree.viewerUrl);
  expect(flatten(stack.resolve(tree.viewerUrl))).toMatch(/^https:\/\/\{"Fn::GetAtt":\["ReportsDistribution[0-9A-F]+","DomainName"\]\}$/);
});

test('a ReportTree created after the sites still reaches their schedules: order does not matter', () => {
  const render = (treeFirst: boolean) => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc });
    const addTree = () => new ReportTree(stack, 'Reports', { cluster });
    if (treeFirst) addTree();
    const site = cluster.addSite('Shop', { schedule: daily, urls: [{ url: 'https://a.example/' }] });
    if (!treeFirst) addTree();
    const schedule = Template.fromStack(stack).findResources('AWS::Scheduler::Schedule');
    return { site, stack, input: JSON.stringify(Object.values(schedule)[0].Properties.Target.Input) };
  };
  const before = render(true);
  const after = render(false);
  expect(after.input).toContain('--resultBaseURL');
  expect(after.input).toBe(before.input);
  expect(after.site.sitespeedArgs).toContain('--resultBaseURL');
  expect(after.stack.resolve(after.site.runRequest)).toEqual(before.stack.resolve(before.site.runRequest));
});

test('an allow-list too long for a CloudFront Function (10 KB) is refused at synth; 500 IPv4 ranges fit', () => {
  const ranges = (n: number) => Array.from({ length: n }, (_, i) => `10.${Math.floor(i / 256)}.${i % 256}.0/24`);
  expect(() => withTree({ allowedCidrs: ranges(500) }).template).not.toThrow();
  expect(() => withTree({ allowedCidrs: ranges(600) })).toThrow(/allowedCidrs: 600 ranges make a CloudFront Function of 11\d{3} bytes; CloudFront allows 10240\. Merge them/);
});

describe('TLS and a domain of your own', () => {
  test('with the default *.cloudfront.net certificate the library asks for no TLS minimum it cannot have (no CDK warning)', () => {
    const { stack } = withTree();
    // Before the template: both synthesize, and a second synthesis of one stack is not supported.
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(w => String(w.entry.data));
    expect(warnings.filter(w => /minimumProtocolVersion|certificate/.test(w))).toEqual([]);
    const template = Template.fromStack(stack);
    const config = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0].Properties.DistributionConfig;
    expect(config.ViewerCertificate).toBeUndefined();
    expect(config.Aliases).toBeUndefined();
  });

  test('domainName and certificate: the domain is served with TLS 1.2 at least, and it is the viewer URL (report links)', () => {
    const { stack } = stackWithVpc();
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc: stack.node.findChild('Vpc') as any });
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/abc');
    const tree = new ReportTree(stack, 'Reports', { cluster, domainName: 'reports.example.com', certificate });
    const site = cluster.addSite('Shop', { schedule: daily, urls: [{ url: 'https://shop.example.com/' }] });
    expect(tree.viewerUrl).toBe('https://reports.example.com');
    expect(stack.resolve(site.sitespeedArgs)).toEqual(expect.arrayContaining(['--resultBaseURL', 'https://reports.example.com']));
    Template.fromStack(stack).hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['reports.example.com'],
        ViewerCertificate: { AcmCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc', MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
      }),
    });
  });

  test.each([
    [{ domainName: 'reports.example.com' }, /domainName is given without certificate: .*give both or neither/],
    [{ certificate: 'cert' }, /certificate is given without domainName/],
  ])('%j alone is refused', (props, message) => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc });
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/abc');
    expect(() => new ReportTree(stack, 'Reports', { cluster, ...props, certificate: 'certificate' in props ? certificate : undefined }))
      .toThrow(message);
  });
});

describe('custom domain and access logs: refused at synth when CloudFront would refuse them at deploy', () => {
  const build = (propsOf: (stack: Stack) => Partial<ReportTreeProps>, region = 'eu-north-1') => () => {
    const { stack, vpc } = stackWithVpc();
    const props = propsOf(region === 'eu-north-1' ? stack : new Stack(stack.node.root as any, 'UsEast1', { env: { account: '123456789012', region } }));
    new ReportTree(stack, 'Reports', { cluster: new SitespeedCluster(stack, 'Sitespeed', { vpc }), ...props });
  };
  const usEast1 = (stack: Stack) => acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/abc');

  test.each<[string, (stack: Stack) => Partial<ReportTreeProps>, RegExp]>([
    ['a URL for the domain', s => ({ domainName: 'https://reports.example.com/', certificate: usEast1(s) }),
      /domainName 'https:\/\/reports.example.com\/' must be a host name such as 'reports.example.com' \(here 'reports.example.com'\), not a URL or an empty string/],
    ['an empty domain', s => ({ domainName: '', certificate: usEast1(s) }), /domainName '' must be a host name/],
    ['an imported certificate from another region', s => ({
      domainName: 'reports.example.com',
      certificate: acm.Certificate.fromCertificateArn(s, 'Cert', 'arn:aws:acm:eu-north-1:123456789012:certificate/abc'),
    }),
    /certificate Test\/Cert is in eu-north-1; CloudFront takes certificates from us-east-1 only/],
    ['a certificate created in this eu-north-1 stack', s => ({ domainName: 'reports.example.com', certificate: new acm.Certificate(s, 'Cert', { domainName: 'reports.example.com' }) }),
      /certificate Test\/Cert is in eu-north-1; CloudFront takes certificates from us-east-1 only/],
    ['an ACL-less log bucket', s => ({ accessLogsBucket: new s3.Bucket(s, 'Logs') }),
      /accessLogsBucket Test\/Logs has ACLs disabled \(object ownership BucketOwnerEnforced, S3's default for new buckets\).*objectOwnership: s3.ObjectOwnership.OBJECT_WRITER/],
  ])('%s is refused', (_name, props, message) => {
    expect(build(props)).toThrow(message);
  });

  test('a us-east-1 certificate created in the app must name the domain (a wildcard covers one label)', () => {
    const cert = (names: string[]) => (s: Stack) => ({
      domainName: 'reports.example.com',
      certificate: new acm.Certificate(s, 'Cert', { domainName: names[0], subjectAlternativeNames: names.slice(1) }),
    });
    expect(build(cert(['www.example.com', 'example.com']), 'us-east-1'))
      .toThrow(/certificate UsEast1\/Cert names www.example.com, example.com, none of which covers domainName 'reports.example.com'/);
    expect(build(cert(['*.eu.example.com']), 'us-east-1')).toThrow(/none of which covers/);
    expect(build(cert(['example.com', '*.example.com']), 'us-east-1')).not.toThrow();
  });

  test('a log bucket with ACLs enabled is taken', () => {
    expect(build(s => ({ accessLogsBucket: new s3.Bucket(s, 'Logs', { objectOwnership: s3.ObjectOwnership.OBJECT_WRITER }) }))).not.toThrow();
  });
});

describe('IP allow-list (CloudFront Function)', () => {
  test('is attached to viewer requests when allowedCidrs is given', () => {
    const { template } = withTree({ allowedCidrs: ['203.0.113.0/24'] });
    template.hasResourceProperties('AWS::CloudFront::Function', { FunctionConfig: Match.objectLike({ Runtime: 'cloudfront-js-2.0' }) });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ DefaultCacheBehavior: Match.objectLike({ FunctionAssociations: [Match.objectLike({ EventType: 'viewer-request' })] }) }),
    });
  });

  test('lets the allowed addresses through and answers 403 to the others', () => {
    const context = vm.createContext({});
    vm.runInContext(allowListCode(['203.0.113.0/24', '198.51.100.7', '10.0.0.0/8']), context);
    const decide = (ip: string) => context.handler({ viewer: { ip }, request: { uri: '/' } });
    for (const ip of ['203.0.113.0', '203.0.113.255', '198.51.100.7', '10.255.255.255']) expect(decide(ip)).toEqual({ uri: '/' });
    for (const ip of ['203.0.114.0', '198.51.100.8', '11.0.0.0', '0.0.0.0']) expect(decide(ip)).toEqual({ statusCode: 403, statusDescription: 'Forbidden' });
    vm.runInContext(allowListCode(['0.0.0.0/0']), context);
    expect(decide('255.255.255.255')).toEqual({ uri: '/' });
  });

  test('IPv6 viewers inside IPv6 ranges pass; outside, and IPv4 against IPv6-only lists, they do not', () => {
    const context = vm.createContext({});
    vm.runInContext(allowListCode(['2001:db8:1234::/48', '2a00:1450::1', '203.0.113.0/24']), context);
    const decide = (ip: string) => context.handler({ viewer: { ip }, request: { uri: '/' } });
    const pass = { uri: '/' };
    const forbidden = { statusCode: 403, statusDescription: 'Forbidden' };
    for (const ip of ['2001:db8:1234::1', '2001:db8:1234:ffff:ffff:ffff:ffff:ffff', '2001:DB8:1234:0:0:0:0:5', '2a00:1450:0:0::1', '203.0.113.9']) {
      expect([ip, decide(ip)]).toEqual([ip, pass]);
    }
    for (const ip of ['2001:db8:1235::1', '2001:db8::1', '2a00:1450::2', '::1', '::ffff:203.0.113.9', '198.51.100.1']) {
      expect([ip, decide(ip)]).toEqual([ip, forbidden]);
    }
    vm.runInContext(allowListCode(['::ffff:0:0/96', '::/128']), context);
    expect(decide('::ffff:203.0.113.9')).toEqual(pass);
    expect(decide('::')).toEqual(pass);
    vm.runInContext(allowListCode(['::/0']), context);
    expect(decide('fe80::1')).toEqual(pass);
  });

  test('IPv4-only lists serve the viewer over IPv4 only; with an IPv6 range, or no list, IPv6 stays on', () => {
    const ipv6 = (allowedCidrs?: string[]) => Object.values(withTree(allowedCidrs ? { allowedCidrs } : {}).template.findResources('AWS::CloudFront::Distribution'))[0]
      .Properties.DistributionConfig.IPV6Enabled;
    expect(ipv6(['203.0.113.0/24'])).toBe(false);
    expect(ipv6(['203.0.113.0/24', '2001:db8::/32'])).toBe(true);
    expect(ipv6()).toBe(true);
  });

  test.each([
    [['203.0.113.0/33'], /allowedCidrs\[0\] '203.0.113.0\/33' is not an IPv4 or IPv6 address or CIDR/],
    [['2001:db8::/129'], /'2001:db8::\/129' is not an IPv4 or IPv6 address or CIDR/],
    [['2001:db8:::1'], /'2001:db8:::1' is not an IPv4 or IPv6/],
    [[], /allowedCidrs is empty, which would lock everyone out/],
    [['0.0.0.0/0'], /allowedCidrs together cover every IPv4 address, so the allow-list lets anyone in/],
    [['0.0.0.0/1', '128.0.0.0/2', '192.0.0.0/2', '203.0.113.0/24'], /allowedCidrs together cover every IPv4 address/],
    [['203.0.113.0/24', '::/1', '8000::/1'], /allowedCidrs together cover every IPv6 address/],
  ])('refuses %j', (allowedCidrs, message) => {
    expect(() => withTree({ allowedCidrs })).toThrow(message);
  });
});

test('ranges that leave a gap are an allow-list: accepted', () => {
  expect(() => withTree({ allowedCidrs: ['0.0.0.0/1', '128.0.0.0/2', '192.0.0.0/3', '2001:db8::/32'] })).not.toThrow();
});

test('cdk-nag: the report tree and the viewer add no unacknowledged finding', () => {
  const { stack } = withTree();
  const nag = runNag(stack);
  expect(nag.errors.filter(e => !e.path.startsWith('Test/Vpc'))).toEqual([]);
});
