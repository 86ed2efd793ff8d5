import * as vm from 'vm';
import { TimeZone } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { runNag } from './harness/nag';
import { flatten, onlyLogicalId, policyStatementsOfRole, stackWithVpc } from './helpers';
import { ReportTree, ReportTreeProps, SitespeedCluster } from '../src';
import { allowListCode } from '../src/private/allow-list';

const daily = ScheduleExpression.cron({ minute: '0', hour: '9', timeZone: TimeZone.of('Europe/Stockholm') });

function withTree(props: Partial<ReportTreeProps> = {}) {
  const { stack, vpc } = stackWithVpc();
  const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc });
  const tree = new ReportTree(stack, 'Reports', { cluster, ...props });
  return { stack, cluster, tree, get template() { return Template.fromStack(stack); } };
}

test('writeTree runs on this cluster\'s stopped tasks of its family only', () => {
  const { template } = withTree();
  template.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: {
      'source': ['aws.ecs'],
      'detail-type': ['ECS Task State Change'],
      'detail': {
        clusterArn: [{ 'Fn::GetAtt': [onlyLogicalId(template, 'AWS::ECS::Cluster'), 'Arn'] }],
        lastStatus: ['STOPPED'],
        taskDefinitionArn: [{ prefix: Match.anyValue() }],
      },
    },
  });
  const rule = Object.values(template.findResources('AWS::Events::Rule'))[0];
  expect(flatten(rule.Properties.EventPattern.detail.taskDefinitionArn[0].prefix)).toMatch(/:task-definition\/TestSitespeedTaskDefinition[0-9A-F]+:$/);
});

test('writeTree may list the bucket and read and write tree.json, its kept copies and the run statuses only', () => {
  const { template } = withTree();
  const bucket = onlyLogicalId(template, 'AWS::S3::Bucket');
  const arn = { 'Fn::GetAtt': [bucket, 'Arn'] };
  const statements = policyStatementsOfRole(template, 'ReportsRole').filter(s => [s.Action].flat().some((a: string) => a.startsWith('s3:')));
  expect(statements).toEqual([
    { Action: 's3:ListBucket', Effect: 'Allow', Resource: arn },
    { Action: 's3:GetObject', Effect: 'Allow', Resource: [{ 'Fn::Join': ['', [arn, '/tree.json']] }, { 'Fn::Join': ['', [arn, '/.cdk-sitespeed/runs/*']] }] },
    {
      Action: 's3:PutObject',
      Effect: 'Allow',
      Resource: ['/tree.json', '/tree.corrupt-*.json', '/tree.kept-*.json', '/.cdk-sitespeed/runs/*'].map(key => ({ 'Fn::Join': ['', [arn, key]] })),
    },
  ]);
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
  ])('refuses %j', (allowedCidrs, message) => {
    expect(() => withTree({ allowedCidrs })).toThrow(message);
  });
});

test('cdk-nag: the report tree and the viewer add no unacknowledged finding', () => {
  const { stack } = withTree();
  const nag = runNag(stack);
  expect(nag.errors.filter(e => !e.path.startsWith('Test/Vpc'))).toEqual([]);
});
