/**
 * `cdk-sitespeed cost`: templates whose cost is known by hand, the reference stages, and the
 * command's face (usage errors, --json, --prices).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { main } from '../../cli-src/cdk-sitespeed';
import { SynthesizedStack } from '../../cli-src/cost/assembly';
import { DEFAULT_ASSUMPTIONS } from '../../cli-src/cost/assumptions';
import { costOf } from '../../cli-src/cost/model';
import { US_EAST_1 } from '../../cli-src/cost/prices';
import { buildReferenceApp } from '../../examples/app';

const MONTH = 730 / 168;
const launchTemplate = (type: string, publicIp = true) => ({
  Type: 'AWS::EC2::LaunchTemplate',
  Properties: {
    LaunchTemplateData: {
      InstanceType: type,
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 30, VolumeType: 'gp3' } }],
      NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: publicIp }],
    },
  },
});
const group = (min: string, max: string) => ({
  Type: 'AWS::AutoScaling::AutoScalingGroup',
  Properties: { MinSize: min, MaxSize: max, LaunchTemplate: { LaunchTemplateId: { Ref: 'Template' } } },
});
const action = (recurrence: string, min: number, timeZone?: string) => ({
  Type: 'AWS::AutoScaling::ScheduledAction',
  Properties: { AutoScalingGroupName: { Ref: 'Group' }, MinSize: min, MaxSize: 2, Recurrence: recurrence, TimeZone: timeZone },
});
const cluster = {
  Type: 'AWS::ECS::Cluster',
  Properties: {},
  Metadata: { 'cdk-sitespeed:check': { kind: 'sitespeed-cluster', autoScalingGroup: 'Group', shaping: 'throttle' } },
};
const site = (name: string, expression: string, args: string[], timeZone = 'UTC') => ({
  Type: 'AWS::Scheduler::Schedule',
  Properties: {
    ScheduleExpression: expression,
    ScheduleExpressionTimezone: timeZone,
    State: 'ENABLED',
    // As the construct writes it: the arguments end with a token (the reports bucket).
    Target: { Input: { 'Fn::Join': ['', [`${JSON.stringify({ site: name, args }).slice(0, -2)},"`, { Ref: 'Bucket' }, '"]}']] } },
  },
  Metadata: { 'cdk-sitespeed:check': { kind: 'site', site: name, cluster: 'Cluster', clusterStack: 'S' } },
});
const stack = (resources: Record<string, unknown>): SynthesizedStack[] => [{ name: 'S', template: { Resources: resources as any } }];
const cost = (resources: Record<string, unknown>) => costOf(stack(resources), US_EAST_1, DEFAULT_ASSUMPTIONS);
const lineOf = (report: ReturnType<typeof cost>, item: RegExp) => {
  const found = report.fixed.filter(l => item.test(l.item));
  expect(found).toHaveLength(1);
  return found[0].monthly;
};

describe('fixed costs known by hand', () => {
  test('an Auto Scaling group on 07:00-20:00 weekdays: instance, root volume and public IPv4 for 65 hours a week and the scale-ins', () => {
    const report = cost({
      Template: launchTemplate('t3.small'),
      Group: group('0', '2'),
      On: action('0 7 * * MON-FRI', 1),
      Off: action('0 20 * * MON-FRI', 0),
    });
    // Off lowers the floor; managed scaling lets the instance go 15 minutes later.
    const hours = (65 + 5 * 0.25) * MONTH;
    expect(lineOf(report, /^t3\.small/)).toBeCloseTo(hours * 0.0208, 6);
    expect(lineOf(report, /root volume/)).toBeCloseTo(30 * 0.08 * hours / 730, 6);
    expect(lineOf(report, /public IPv4/)).toBeCloseTo(hours * 0.005, 6);
  });

  test('a schedule on a zone\'s clock: on at 07:00 Stockholm is 06:00 UTC in January, and the hours are the same', () => {
    const report = cost({
      Template: launchTemplate('c5.large', false),
      Group: group('0', '1'),
      On: action('0 7 * * MON-FRI', 1, 'Europe/Stockholm'),
      Off: action('0 20 * * MON-FRI', 0, 'Europe/Stockholm'),
      Cluster: cluster,
      Early: site('early', 'cron(30 6 ? * MON-FRI *)', ['https://a.example/', '--browsertime.iterations', '1']),
      Late: site('late', 'cron(30 19 ? * MON-FRI *)', ['https://a.example/', '--browsertime.iterations', '1']),
    });
    expect(lineOf(report, /^c5\.large/)).toBeCloseTo((65 + 5 * 0.25) * MONTH * 0.085, 6);
    expect(report.fixed.some(l => /public IPv4/.test(l.item))).toBe(false);
    // 06:30 UTC is 07:30 in Stockholm (warm); 19:30 UTC is 20:30 there (off).
    expect(report.sites.map(s => [s.site, s.warmShare])).toEqual([['early', 1], ['late', 0]]);
  });

  test('an always-on group of one, and a group at zero, and a group the schedule turns off over the weekend', () => {
    expect(lineOf(cost({ Template: launchTemplate('t3.medium'), Group: group('1', '1') }), /^t3\.medium/)).toBeCloseTo(730 * 0.0416, 6);
    expect(cost({ Template: launchTemplate('t3.medium'), Group: group('0', '2') }).fixed).toEqual([]);
    const weekdays = cost({ Template: launchTemplate('t3.medium'), Group: group('1', '1'), Off: action('0 0 * * SAT', 0), On: action('0 0 * * MON', 1) });
    expect(lineOf(weekdays, /^t3\.medium/)).toBeCloseTo((5 * 24 + 0.25) * MONTH * 0.0416, 6);
    // A maximum of 0 stops the instance at once (the metrics instance's off).
    const hard = cost({
      Template: launchTemplate('t3.medium'),
      Group: group('1', '1'),
      Off: { ...action('0 0 * * SAT', 0), Properties: { ...action('0 0 * * SAT', 0).Properties, MaxSize: 0 } },
      On: action('0 0 * * MON', 1),
    });
    expect(lineOf(hard, /^t3\.medium/)).toBeCloseTo(5 * 24 * MONTH * 0.0416, 6);
  });

  test('a gp3 volume with IOPS and throughput above the baseline, a gp2 volume', () => {
    const report = cost({
      Fast: { Type: 'AWS::EC2::Volume', Properties: { Size: 50, VolumeType: 'gp3', Iops: 4000, Throughput: 250 } },
      Old: { Type: 'AWS::EC2::Volume', Properties: { Size: 10 } },
    });
    expect(report.fixed.map(l => l.monthly)).toEqual([50 * 0.08 + 1000 * 0.005 + 125 * 0.04, 10 * 0.1].map(n => expect.closeTo(n, 6)));
  });

  test('secrets, keys, hosted zones, alarms per metric, NAT gateways and interface endpoints', () => {
    const report = cost({
      Secret: { Type: 'AWS::SecretsManager::Secret' },
      Key: { Type: 'AWS::KMS::Key' },
      Zone: { Type: 'AWS::ServiceDiscovery::PrivateDnsNamespace' },
      Plain: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'Errors' } },
      Math: { Type: 'AWS::CloudWatch::Alarm', Properties: { Metrics: [{ Id: 'a', MetricStat: {} }, { Id: 'b', MetricStat: {} }, { Id: 'e', Expression: 'a+b' }] } },
      Nat: { Type: 'AWS::EC2::NatGateway' },
      Endpoint: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Interface', SubnetIds: ['a', 'b'] } },
      Gateway: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Gateway' } },
      Role: { Type: 'AWS::IAM::Role' },
    });
    expect(Object.fromEntries(report.fixed.map(l => [l.resource, Number(l.monthly.toFixed(4))]))).toEqual({
      Secret: 0.4, Key: 1, Zone: 0.5, Plain: 0.1, Math: 0.2, Nat: 32.85, Endpoint: 14.6,
    });
    expect(report.uncounted).toEqual({ 'AWS::EC2::VPCEndpoint': 1, 'AWS::IAM::Role': 1 });
  });

  test('Container Insights is priced per metric for the hours with tasks; off costs nothing', () => {
    const metricsCluster = (value: string) => ({
      Template: launchTemplate('t3.small'),
      Group: group('1', '1'),
      Cluster: {
        Type: 'AWS::ECS::Cluster',
        Properties: { ClusterSettings: [{ Name: 'containerInsights', Value: value }] },
        Metadata: { 'cdk-sitespeed:check': { kind: 'metrics-cluster', autoScalingGroup: 'Group' } },
      },
      Graphite: { Type: 'AWS::ECS::Service', Properties: { Cluster: { Ref: 'Cluster' } } },
    });
    // 12 cluster metrics, 13 for the service, 9 for its task family, all month.
    expect(lineOf(cost(metricsCluster('enabled')), /Container Insights/)).toBeCloseTo((12 + 13 + 9) * 0.3, 6);
    expect(cost(metricsCluster('disabled')).fixed.some(l => /Container Insights/.test(l.item))).toBe(false);
  });
});

describe('runs', () => {
  const resources = {
    Template: launchTemplate('c5.large'),
    Group: group('0', '2'),
    Cluster: cluster,
    Shop: site('shop', 'cron(0 9 ? * MON-FRI *)', ['https://shop.example/', 'https://shop.example/cart', '--browsertime.iterations', '5', '--s3.bucketname']),
    Docs: site('docs', 'rate(6 hours)', ['/config/urls/docs.txt', '--browsertime.iterations', '2']),
    Reports: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { RETENTION_DAYS: '90' } } } },
  };

  test('a weekday site on a cluster at zero: each run starts an instance; pages and iterations from its arguments', () => {
    const report = cost(resources);
    const shop = report.sites.find(s => s.site === 'shop')!;
    expect(shop).toMatchObject({ pages: 2, pagesAssumed: false, iterations: 5, warmShare: 0, instanceType: 'c5.large' });
    expect(shop.runsPerMonth).toBeCloseTo(5 * MONTH, 6);
    const runMinutes = (60 + 2 * 5 * 30) / 60;
    expect(shop.runMinutes).toBeCloseTo(runMinutes, 6);
    const hourly = 0.085 + 30 * 0.08 / 730 + 0.005;
    const instance = (5 + runMinutes + 15) / 60 * hourly;
    const s3 = (10 * 25 + 15) * 0.005 / 1000 + 10 * 2 / 1024 * 0.023 * 90 / 30;
    const lambda = 4 * (0.2 / 1e6 + 0.5 * 0.0000166667);
    expect(shop.perRun).toBeCloseTo(instance + s3 + lambda, 6);
    expect(shop.perMonth).toBeCloseTo(shop.runsPerMonth * shop.perRun, 6);
    expect(shop.instanceTimePerRun).toBeCloseTo(runMinutes / 60 * 0.085, 6);
  });

  test('a URL file counts as pagesPerFile pages (said so); a rate runs 730 h / interval times a month', () => {
    const docs = cost(resources).sites.find(s => s.site === 'docs')!;
    expect(docs).toMatchObject({ pages: 1, pagesAssumed: true, iterations: 2 });
    expect(docs.runsPerMonth).toBeCloseTo(730 / 6, 6);
    const three = costOf(stack(resources), US_EAST_1, { ...DEFAULT_ASSUMPTIONS, pagesPerFile: 3 }).sites.find(s => s.site === 'docs')!;
    expect(three.pages).toBe(3);
  });

  test('a disabled site runs nothing; the run metrics are priced for the hours with runs', () => {
    const report = cost({ ...resources, Shop: { ...resources.Shop, Properties: { ...resources.Shop.Properties, State: 'DISABLED' } } });
    expect(report.sites.find(s => s.site === 'shop')!.perMonth).toBe(0);
    const runHours = 730 / 6;
    expect(lineOf(report, /run metrics/)).toBeCloseTo(9 * 0.3 * runHours / 730, 6);
  });
});

describe('the reference deployment', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cost-'));
    const app = new App({ outdir: dir });
    buildReferenceApp(app, { nag: false });
    app.synth();
  });

  const run = async (args: string[]) => {
    let out = '';
    let err = '';
    const code = await main(['cost', ...args], { out: t => (out += `${t}\n`), err: t => (err += t), tty: false });
    return { code, out, err };
  };

  test('prod: at most $40 a month fixed, every site priced; dev and staging (switched off) cost only what stays', async () => {
    const { code, out } = await run([dir, '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    const fixedOf = (prefix: string) => report.fixed.filter((l: any) => l.stack.startsWith(prefix)).reduce((n: number, l: any) => n + l.monthly, 0);
    expect(fixedOf('prod-')).toBeLessThanOrEqual(40);
    expect(report.sites.filter((s: any) => s.stack.startsWith('prod-')).map((s: any) => s.site).sort())
      .toEqual(['blog', 'checkout', 'docs', 'landing', 'shop']);
    expect(report.sites.every((s: any) => s.perRun > 0)).toBe(true);
    for (const stage of ['dev-', 'staging-']) {
      expect(report.fixed.filter((l: any) => l.stack.startsWith(stage) && /instance-hours/.test(l.item))).toEqual([]);
      expect(report.sites.filter((s: any) => s.stack.startsWith(stage)).every((s: any) => s.perMonth === 0)).toBe(true);
    }
  });

  test('docs/costs.md shows the figures the command computes for the reference prod stage', async () => {
    const report = JSON.parse((await run([dir, '--stack', 'prod-*', '--json'])).out);
    const page = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'costs.md'), 'utf8');
    const shown = (label: string) => Number(new RegExp(`\\*\\*${label}\\*\\* \\| \\*\\*\\$([\\d.]+)\\*\\*`).exec(page)?.[1]);
    expect({ fixed: shown('Fixed'), total: shown('Total') })
      .toEqual({ fixed: Number(report.fixedMonthly.toFixed(2)), total: Number(report.totalMonthly.toFixed(2)) });
  });

  test('the text report names every stack, the prices it used and its assumptions', async () => {
    const { code, out } = await run([dir, '--stack', 'prod-*']);
    expect(code).toBe(0);
    expect(out).toMatch(/^prod-Metrics: \$\d+\.\d\d a month fixed$/m);
    expect(out).toMatch(/^prod-Sitespeed: \$\d+\.\d\d a month fixed$/m);
    expect(out).not.toMatch(/^dev-/m);
    expect(out).toMatch(/^Prices: us-east-1, \d{4}-\d\d-\d\d; aws\.amazon\.com/m);
    expect(out).toMatch(/^Assumptions:\n {2}30 s per page iteration/m);
    expect(out).toMatch(/^Total: \$[\d.]+ a month fixed \+ \$[\d.]+ a month for the runs = \$[\d.]+$/m);
  });

  test('--prices replaces figures (and says where they come from); a type it lacks is an error that says how to add it', async () => {
    const prices = path.join(dir, 'prices.json');
    fs.writeFileSync(prices, JSON.stringify({ region: 'us-east-1', date: '2026-12-01', source: 'my quote', publicIpv4Hour: 0 }));
    const { out } = await run([dir, '--stack', 'prod-Metrics', '--prices', prices]);
    expect(out).toMatch(/^Prices: us-east-1, 2026-12-01; my quote$/m);
    expect(out).toMatch(/\$0\.00  its public IPv4 address/);
    fs.writeFileSync(prices, JSON.stringify({ region: 'eu-north-1', date: '2026-12-01', source: 'my quote' }));
    expect(await run([dir, '--stack', 'prod-Metrics', '--prices', prices])).toMatchObject({
      code: 2, err: expect.stringMatching(/no price for instance type 't4g\.small': add it with --prices/),
    });
  });

  test('usage errors exit 2 and name the option', async () => {
    expect(await run([dir, '--seconds-per-iteration', 'fast'])).toMatchObject({ code: 2, err: expect.stringMatching(/--seconds-per-iteration must be a number/) });
    expect(await run([path.join(dir, 'nothing')])).toMatchObject({ code: 2, err: expect.stringMatching(/has no manifest\.json/) });
    expect(await run([dir, '--stack', 'nope-*'])).toMatchObject({ code: 2, err: expect.stringMatching(/no stack .* matches 'nope-\*'/) });
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ region: 'x', date: 'y', source: 'z', secretMonth: -1 }));
    expect(await run([dir, '--prices', path.join(dir, 'bad.json')])).toMatchObject({ code: 2, err: expect.stringMatching(/'secretMonth' must be a price of 0 or more/) });
    expect(await run(['--help'])).toMatchObject({ code: 0, out: expect.stringMatching(/^Usage: cdk-sitespeed cost/) });
  });
});
