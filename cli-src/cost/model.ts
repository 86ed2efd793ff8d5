/**
 * The monthly cost of synthesized stacks, resource by resource, and the cost of one run of each
 * site: read from the templates alone (instance types, schedules, volumes, sites' arguments),
 * priced with a PriceTable, with the assumptions (assumptions.ts) for what a template cannot say.
 */
import { literal, numberOf, refOf, Resource, SynthesizedStack } from './assembly';
import { Assumptions } from './assumptions';
import { firings, perMonth, rateMinutes, REFERENCE_MINUTES, schedulerCron, unixCron } from './clock';
import { HOURS_PER_MONTH, PriceTable } from './prices';
import { CHECK_METADATA } from '../../src/contract/check-entry';
import { argValue } from '../../src/contract/sitespeed-args';

/** One resource's share of the fixed monthly cost. */
export interface CostLine {
  readonly stack: string;
  readonly resource: string;
  readonly item: string;
  readonly monthly: number;
  /** How the figure was computed, in words a reader can check. */
  readonly basis: string;
}

export interface SiteCost {
  readonly stack: string;
  readonly site: string;
  /** `<stack>/<logical id>` of the site's cluster. */
  readonly cluster: string;
  readonly schedule: string;
  readonly runsPerMonth: number;
  readonly pages: number;
  /** True when the page count is the pagesPerFile assumption. */
  readonly pagesAssumed: boolean;
  readonly iterations: number;
  readonly instanceType: string;
  readonly runMinutes: number;
  /** Share of the runs that find a warm instance (paid for in the fixed cost). */
  readonly warmShare: number;
  /** What one run adds: instance time of a cold start (when it finds none warm), S3, Lambda. */
  readonly perRun: number;
  /** What one run's instance time costs, warm or not: the figure to compare with hosted tools. */
  readonly instanceTimePerRun: number;
  readonly perMonth: number;
  readonly basis: string;
}

export interface CostReport {
  readonly prices: PriceTable;
  readonly fixed: CostLine[];
  readonly sites: SiteCost[];
  /** Resource types found that cost nothing by themselves or only by usage this model does not count. */
  readonly uncounted: Record<string, number>;
  readonly notes: string[];
}

/** Container Insights (standard) metrics on EC2, per the metric list of the CloudWatch user guide, "Amazon ECS Container Insights metrics". */
const INSIGHTS_METRICS = { cluster: 12, service: 13, taskFamily: 9 };
/** RUN_METRICS: the run outcome function's metrics, per dimension set (lambda-src/shared/run-events.ts). */
const RUN_METRIC_COUNT = 9;

interface Group {
  readonly stack: SynthesizedStack;
  readonly id: string;
  readonly instanceType: string;
  /** Per reference minute: the instances the schedule keeps (the group's floor). */
  readonly floor: Uint8Array;
  /** Per reference minute: whether an instance is up, for the schedule or a run (filled in run by run). */
  readonly occupied: Uint8Array;
  readonly hourly: number;
  readonly rootGb: number;
  readonly rootType: string;
  readonly publicIp: boolean;
  readonly scheduleText: string;
}

/** A unit price: as many decimals as it has (up to six), so $0.0416/h reads as itself. */
const rate = (n: number) => `$${Number(n.toFixed(6))}`;

export function costOf(stacks: SynthesizedStack[], prices: PriceTable, a: Assumptions): CostReport {
  const fixed: CostLine[] = [];
  const uncounted: Record<string, number> = {};
  const notes: string[] = [];
  const groups = new Map<string, Group>();
  const line = (stack: SynthesizedStack, resource: string, item: string, monthly: number, basis: string) =>
    fixed.push({ stack: stack.name, resource, item, monthly, basis });
  const instancePrice = (type: string) => {
    const price = prices.instanceHour[type];
    if (price === undefined) {
      throw new Error(`the price table (${prices.region}, ${prices.date}) has no price for instance type '${type}': ` +
        'add it with --prices <file> ({"instanceHour": {"<type>": <USD per hour>}, …}; docs/costs.md)');
    }
    return price;
  };

  for (const stack of stacks) {
    for (const [id, r] of Object.entries(stack.template.Resources ?? {})) {
      if (r.Type === 'AWS::AutoScaling::AutoScalingGroup') groups.set(`${stack.name}/${id}`, groupOf(stack, id, r, instancePrice, a.scaleInMinutes));
    }
  }
  const sites = siteCosts(stacks, groups, prices, a, notes);
  const runHours = new Map<string, number>();
  for (const s of sites) {
    runHours.set(s.cluster, (runHours.get(s.cluster) ?? 0) + s.runsPerMonth * Math.ceil(s.runMinutes / 60));
  }
  const pages = sites.reduce((n, s) => n + s.pages, 0);

  for (const stack of stacks) {
    const resources = Object.entries(stack.template.Resources ?? {});
    for (const [id, r] of resources) {
      const p = r.Properties ?? {};
      switch (r.Type) {
        case 'AWS::AutoScaling::AutoScalingGroup': {
          const g = groups.get(`${stack.name}/${id}`)!;
          const hours = perMonth(g.floor.reduce((n, v) => n + v, 0)) / 60;
          if (hours === 0) break;
          line(stack, id, `${g.instanceType}, ${hours.toFixed(1)} instance-hours a month`, hours * g.hourly,
            `${rate(g.hourly)}/h × ${hours.toFixed(1)} h (${g.scheduleText})`);
          const rootPrice = prices.ebsGbMonth[g.rootType] ?? prices.ebsGbMonth.gp3;
          line(stack, id, `its root volume, ${g.rootGb} GiB ${g.rootType}`, g.rootGb * rootPrice * hours / HOURS_PER_MONTH,
            `${g.rootGb} GiB × ${rate(rootPrice)}/GB-month × ${hours.toFixed(1)}/${HOURS_PER_MONTH} h`);
          if (g.publicIp) {
            line(stack, id, 'its public IPv4 address', hours * prices.publicIpv4Hour, `${rate(prices.publicIpv4Hour)}/h × ${hours.toFixed(1)} h`);
          }
          if (/^t\d/.test(g.instanceType)) {
            notes.push(`${stack.name}/${id}: ${g.instanceType} runs in unlimited mode (the launch template's default): surplus CPU credits ` +
              'cost $0.05 per vCPU-hour when its average CPU stays above the baseline; not counted.');
          }
          break;
        }
        case 'AWS::EC2::Volume': {
          const size = numberOf(p.Size) ?? 0;
          const type = String(p.VolumeType ?? 'gp2');
          let monthly = size * (prices.ebsGbMonth[type] ?? prices.ebsGbMonth.gp3);
          let basis = `${size} GiB × ${rate(prices.ebsGbMonth[type] ?? 0)}/GB-month`;
          if (type === 'gp3') {
            const iops = Math.max(0, (numberOf(p.Iops) ?? 3000) - 3000);
            const mbps = Math.max(0, (numberOf(p.Throughput) ?? 125) - 125);
            monthly += iops * prices.gp3IopsMonth + mbps * prices.gp3ThroughputMbpsMonth;
            if (iops || mbps) basis += ` + ${iops} IOPS and ${mbps} MB/s above gp3's baseline`;
          }
          line(stack, id, `EBS volume, ${size} GiB ${type}`, monthly, basis);
          break;
        }
        case 'AWS::Backup::BackupPlan': {
          for (const rule of p.BackupPlan?.BackupPlanRule ?? []) {
            const days = numberOf(rule.Lifecycle?.DeleteAfterDays) ?? 35;
            const every = backupIntervalDays(String(rule.ScheduleExpression ?? ''));
            const kept = Math.max(1, Math.ceil(days / every));
            const usedGb = (pages * a.whisperMbPerPage + 100) / 1024;
            line(stack, id, `backups, ${kept} kept (rule ${rule.RuleName})`, kept * usedGb * prices.snapshotGbMonth,
              `${kept} snapshots × ${usedGb.toFixed(2)} GB used (${pages} pages × ${a.whisperMbPerPage} MB + 100 MB; ` +
              `every snapshot counted whole, as whisper rewrites its files) × ${rate(prices.snapshotGbMonth)}/GB-month`);
          }
          break;
        }
        case 'AWS::SecretsManager::Secret':
          line(stack, id, 'secret', prices.secretMonth, `${rate(prices.secretMonth)}/secret-month`);
          break;
        case 'AWS::KMS::Key':
          line(stack, id, 'KMS key', prices.kmsKeyMonth, `${rate(prices.kmsKeyMonth)}/key-month`);
          break;
        case 'AWS::ServiceDiscovery::PrivateDnsNamespace':
        case 'AWS::Route53::HostedZone':
          line(stack, id, 'hosted zone', prices.hostedZoneMonth,
            `${rate(prices.hostedZoneMonth)}/zone-month${r.Type.includes('ServiceDiscovery') ? ' (Cloud Map makes a private hosted zone)' : ''}`);
          break;
        case 'AWS::CloudWatch::Alarm': {
          const metrics = Array.isArray(p.Metrics) ? p.Metrics.filter((m: any) => m.MetricStat).length : 1;
          line(stack, id, `alarm (${metrics} metric${metrics > 1 ? 's' : ''})`, metrics * prices.alarmMetricMonth,
            `${metrics} × ${rate(prices.alarmMetricMonth)}/alarm metric-month`);
          break;
        }
        case 'AWS::ECS::Cluster': {
          const insights = (p.ClusterSettings ?? []).find((s: any) => s.Name === 'containerInsights')?.Value;
          if (insights !== 'enabled' && insights !== 'enhanced') break;
          const services = resources.filter(([, s]) => s.Type === 'AWS::ECS::Service' && refOf(s.Properties?.Cluster) === id).length;
          const entry = r.Metadata?.[CHECK_METADATA];
          const families = services + (entry?.kind === 'sitespeed-cluster' ? 1 : 0);
          const metrics = INSIGHTS_METRICS.cluster + services * INSIGHTS_METRICS.service + families * INSIGHTS_METRICS.taskFamily;
          const group = entry?.autoScalingGroup ? groups.get(`${stack.name}/${entry.autoScalingGroup}`) : undefined;
          const hours = Math.min(HOURS_PER_MONTH, services > 0 && group
            ? perMonth(group.floor.reduce((n, v) => n + (v > 0 ? 1 : 0), 0)) / 60
            : runHours.get(`${stack.name}/${id}`) ?? 0);
          line(stack, id, `Container Insights${insights === 'enhanced' ? ' (enhanced: billed per observation, not counted)' : ''}, ~${metrics} metrics`,
            metrics * prices.customMetricMonth * hours / HOURS_PER_MONTH,
            `${metrics} metrics (${INSIGHTS_METRICS.cluster} cluster, ${INSIGHTS_METRICS.service} × ${services} services, ` +
            `${INSIGHTS_METRICS.taskFamily} × ${families} task families) × ${rate(prices.customMetricMonth)}/metric-month × ` +
            `${hours.toFixed(0)}/${HOURS_PER_MONTH} h with tasks`);
          break;
        }
        case 'AWS::EC2::FlowLog':
          line(stack, id, `flow log (${p.TrafficType ?? 'ALL'} traffic, assumed ${a.flowLogGbMonth} GB/month)`, a.flowLogGbMonth * prices.logsIngestGb,
            `${a.flowLogGbMonth} GB × ${rate(prices.logsIngestGb)}/GB ingested (--flow-log-gb)`);
          break;
        case 'AWS::EC2::NatGateway':
          line(stack, id, 'NAT gateway (data processed not counted)', HOURS_PER_MONTH * prices.natGatewayHour, `${rate(prices.natGatewayHour)}/h × ${HOURS_PER_MONTH} h`);
          break;
        case 'AWS::EC2::EIP':
          line(stack, id, 'Elastic IP address', HOURS_PER_MONTH * prices.publicIpv4Hour, `${rate(prices.publicIpv4Hour)}/h × ${HOURS_PER_MONTH} h`);
          break;
        case 'AWS::EC2::VPCEndpoint': {
          if ((p.VpcEndpointType ?? 'Gateway') !== 'Interface') {
            uncounted[r.Type] = (uncounted[r.Type] ?? 0) + 1;
            break;
          }
          const azs = Array.isArray(p.SubnetIds) ? p.SubnetIds.length : 1;
          line(stack, id, `interface endpoint in ${azs} AZ(s)`, azs * HOURS_PER_MONTH * prices.interfaceEndpointHour,
            `${azs} × ${rate(prices.interfaceEndpointHour)}/h × ${HOURS_PER_MONTH} h`);
          break;
        }
        case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
          line(stack, id, 'load balancer (LCUs not counted)', HOURS_PER_MONTH * prices.loadBalancerHour, `${rate(prices.loadBalancerHour)}/h × ${HOURS_PER_MONTH} h`);
          break;
        default:
          uncounted[r.Type] = (uncounted[r.Type] ?? 0) + 1;
      }
    }
  }
  // The run metrics: the cluster's nine, and nine per site that has its own (SITE_METRICS).
  for (const stack of stacks) {
    for (const [id, r] of Object.entries(stack.template.Resources ?? {})) {
      if (r.Metadata?.[CHECK_METADATA]?.kind !== 'sitespeed-cluster') continue;
      const hours = Math.min(HOURS_PER_MONTH, runHours.get(`${stack.name}/${id}`) ?? 0);
      const perSite = siteMetricsOf(stack, id);
      const metrics = RUN_METRIC_COUNT * (1 + perSite);
      if (hours > 0) {
        line(stack, id, `run metrics (${metrics}: the cluster's${perSite ? ` and ${perSite} site(s)'` : ''})`, metrics * prices.customMetricMonth * hours / HOURS_PER_MONTH,
          `${metrics} custom metrics × ${rate(prices.customMetricMonth)}/metric-month × ${hours.toFixed(0)}/${HOURS_PER_MONTH} h with runs`);
      }
    }
  }
  return { prices, fixed, sites, uncounted, notes };
}

function groupOf(stack: SynthesizedStack, id: string, r: Resource, instancePrice: (type: string) => number, scaleInMinutes: number): Group {
  const p = r.Properties ?? {};
  const resources = stack.template.Resources ?? {};
  const template = resources[refOf(p.LaunchTemplate?.LaunchTemplateId) ?? '']?.Properties?.LaunchTemplateData ?? {};
  const instanceType = String(template.InstanceType ?? 'unknown');
  const root = (template.BlockDeviceMappings ?? [])[0]?.Ebs ?? {};
  const floor = new Uint8Array(REFERENCE_MINUTES);
  const actions = Object.values(resources).filter(s => s.Type === 'AWS::AutoScaling::ScheduledAction' && refOf(s.Properties?.AutoScalingGroupName) === id);
  const at = new Map<number, Array<Record<string, any>>>();
  for (const action of actions) {
    const ap = action.Properties!;
    for (const minute of firings(unixCron(String(ap.Recurrence)), String(ap.TimeZone ?? 'UTC'))) {
      at.set(minute, [...(at.get(minute) ?? []), ap]);
    }
  }
  const floorOf = (min: unknown, desired: unknown) => Math.max(numberOf(min) ?? 0, numberOf(desired) ?? 0);
  let current = floorOf(p.MinSize, p.DesiredCapacity);
  // A lower floor with room above it (MaxSize > 0) lets instances go only when managed scaling
  // scales in, scaleInMinutes later; a maximum of 0 stops them at once.
  let lingering = 0;
  let lingerUntil = -1;
  // Twice round: the first pass settles the state the period ends in, which is where it begins.
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < REFERENCE_MINUTES; i++) {
      for (const ap of at.get(i) ?? []) {
        const next = floorOf(ap.MinSize ?? current, ap.DesiredCapacity);
        const soft = (numberOf(ap.MaxSize) ?? numberOf(p.MaxSize) ?? 1) > 0;
        if (next < current && soft) {
          lingering = current;
          lingerUntil = pass * REFERENCE_MINUTES + i + scaleInMinutes;
        } else if (!soft) {
          lingerUntil = -1;
        }
        current = next;
      }
      const held = pass * REFERENCE_MINUTES + i < lingerUntil ? Math.max(current, lingering) : current;
      if (pass === 1) floor[i] = held;
    }
  }
  const scheduleText = actions.length === 0
    ? `min ${floorOf(p.MinSize, p.DesiredCapacity)}, always`
    : actions.length > 4
      ? `${actions.length} scheduled actions`
      : actions.map(s => `${s.Properties!.Recurrence} → min ${s.Properties!.MinSize}`).join(', ') + ` (${actions[0].Properties!.TimeZone ?? 'UTC'})`;
  const hourly = floor.some(v => v > 0) || (numberOf(p.MaxSize) ?? 1) > 0 ? instancePrice(instanceType) : 0;
  return {
    stack,
    id,
    instanceType,
    floor,
    occupied: floor.map(v => (v > 0 ? 1 : 0)),
    hourly,
    scheduleText,
    rootGb: numberOf(root.VolumeSize) ?? 30,
    rootType: String(root.VolumeType ?? 'gp3'),
    publicIp: (template.NetworkInterfaces ?? []).some((n: any) => n.AssociatePublicIpAddress === true || n.AssociatePublicIpAddress === 'true'),
  };
}

interface ParsedSite {
  readonly stack: string;
  readonly site: string;
  readonly cluster: string;
  readonly group: Group;
  readonly expression: string;
  readonly zone: string;
  readonly rate: boolean;
  readonly enabled: boolean;
  readonly fires: number[];
  readonly pages: number;
  readonly pagesAssumed: boolean;
  readonly iterations: number;
  readonly runMinutes: number;
  readonly retentionDays: number;
  warmRuns: number;
  addedMinutes: number;
}

function siteCosts(stacks: SynthesizedStack[], groups: Map<string, Group>, prices: PriceTable, a: Assumptions, notes: string[]): SiteCost[] {
  const sites = parseSites(stacks, groups, a, notes);
  // Runs in time order across the sites of a cluster: each holds an instance from its start (or,
  // finding none, from the scale-out) until scaleInMinutes after it ends, and is charged only the
  // instance-minutes neither the schedule nor an earlier run held.
  for (const group of new Set(sites.map(x => x.group))) {
    const runs = sites.filter(x => x.group === group && x.enabled).flatMap(x => x.fires.map(t => ({ t, site: x }))).sort((p, q) => p.t - q.t);
    for (const { t, site } of runs) {
      const warm = group.occupied[t] > 0;
      if (warm) site.warmRuns++;
      const held = Math.ceil((warm ? 0 : a.coldStartMinutes) + site.runMinutes + a.scaleInMinutes);
      for (let i = t; i < t + held; i++) {
        const m = i % REFERENCE_MINUTES;
        if (!group.occupied[m]) {
          group.occupied[m] = 1;
          site.addedMinutes++;
        }
      }
    }
  }
  const lambda = a.lambdaInvocationsPerRun * (prices.lambdaRequestPerMillion / 1e6 + a.lambdaGbSecondsPerInvocation * prices.lambdaGbSecond);
  return sites.map(x => {
    const { group } = x;
    const runsPerMonth = x.enabled ? perMonth(x.fires.length) : 0;
    const warmShare = x.enabled && x.fires.length > 0 ? x.warmRuns / x.fires.length : 0;
    const addedPerRun = x.enabled && x.fires.length > 0 ? x.addedMinutes / x.fires.length : 0;
    const rootPrice = prices.ebsGbMonth[group.rootType] ?? prices.ebsGbMonth.gp3;
    const instanceHour = group.hourly + group.rootGb * rootPrice / HOURS_PER_MONTH + (group.publicIp ? prices.publicIpv4Hour : 0);
    const pageIterations = x.pages * x.iterations;
    const s3 = (pageIterations * a.reportObjectsPerPageIteration + a.reportObjectsPerRun) * prices.s3PutPer1000 / 1000 +
      pageIterations * a.reportMbPerPageIteration / 1024 * prices.s3GbMonth * x.retentionDays / 30;
    const perRun = addedPerRun / 60 * instanceHour + s3 + lambda;
    return {
      stack: x.stack,
      site: x.site,
      cluster: x.cluster,
      schedule: `${x.expression}${x.rate ? '' : ` ${x.zone}`}${x.enabled ? '' : ' (disabled)'}`,
      runsPerMonth,
      pages: x.pages,
      pagesAssumed: x.pagesAssumed,
      iterations: x.iterations,
      instanceType: group.instanceType,
      runMinutes: x.runMinutes,
      warmShare,
      perRun,
      instanceTimePerRun: x.runMinutes / 60 * group.hourly,
      perMonth: runsPerMonth * perRun,
      basis: `${x.pages}${x.pagesAssumed ? ' (assumed)' : ''} page(s) × ${x.iterations} iterations ≈ ${x.runMinutes.toFixed(1)} min on ${group.instanceType}; ` +
        `${(warmShare * 100).toFixed(0)} % of runs find an instance up; each adds ${addedPerRun.toFixed(1)} instance-minutes beyond the schedule's ` +
        `and earlier runs' (start-up, run, ${a.scaleInMinutes} min until scale-in) × ${rate(Number(instanceHour.toFixed(4)))}/h; ` +
        `S3 $${s3.toFixed(4)} (kept ${x.retentionDays} days), Lambda $${lambda.toFixed(5)}`,
    };
  });
}

/** The sites of the stacks: their schedule's firings in the reference period, pages, iterations and run time. */
function parseSites(stacks: SynthesizedStack[], groups: Map<string, Group>, a: Assumptions, notes: string[]): ParsedSite[] {
  const retention = new Map<string, number>();
  for (const stack of stacks) {
    for (const r of Object.values(stack.template.Resources ?? {})) {
      const days = numberOf(r.Properties?.Environment?.Variables?.RETENTION_DAYS);
      if (days !== undefined) retention.set(stack.name, days);
    }
  }
  const out: ParsedSite[] = [];
  for (const stack of stacks) {
    for (const [id, r] of Object.entries(stack.template.Resources ?? {})) {
      const entry = r.Metadata?.[CHECK_METADATA];
      if (entry?.kind !== 'site') continue;
      const p = r.Properties ?? {};
      const clusterStack = stacks.find(s => s.name === entry.clusterStack) ?? stack;
      const groupId = clusterStack.template.Resources?.[entry.cluster]?.Metadata?.[CHECK_METADATA]?.autoScalingGroup;
      const group = groups.get(`${clusterStack.name}/${groupId}`);
      if (!group) {
        notes.push(`${stack.name}/${id}: site ${entry.site}'s cluster ${entry.cluster} is not in the stacks given; its runs are not counted.`);
        continue;
      }
      const input = literal(p.Target?.Input);
      const args: string[] = typeof input === 'string' ? JSON.parse(input.replace(/<token>/g, 'token')).args ?? [] : [];
      const firstOption = args.findIndex(x => x.startsWith('-'));
      const inputs = args.slice(0, firstOption < 0 ? args.length : firstOption);
      const urls = inputs.filter(x => /^https?:\/\//.test(x)).length;
      const pagesAssumed = urls < inputs.length;
      const pages = urls + (pagesAssumed ? a.pagesPerFile * (inputs.length - urls) : 0);
      const iterations = numberOf(argValue(args, '--browsertime.iterations') ?? argValue(args, '-n')) ?? 3;
      const expression = String(p.ScheduleExpression ?? '');
      const zone = String(p.ScheduleExpressionTimezone ?? 'UTC');
      const every = rateMinutes(expression);
      out.push({
        stack: stack.name,
        site: entry.site,
        cluster: `${clusterStack.name}/${entry.cluster}`,
        group,
        expression,
        zone,
        rate: every !== undefined,
        enabled: (p.State ?? 'ENABLED') === 'ENABLED',
        // A rate's first run is when the schedule is created: the period's start stands for it.
        fires: every !== undefined
          ? Array.from({ length: Math.floor(REFERENCE_MINUTES / every) }, (_, i) => i * every)
          : firings(schedulerCron(expression), zone),
        pages,
        pagesAssumed,
        iterations,
        runMinutes: (a.runOverheadSeconds + pages * iterations * a.secondsPerIteration) / 60,
        retentionDays: retention.get(stack.name) ?? retention.get(clusterStack.name) ?? 30,
        warmRuns: 0,
        addedMinutes: 0,
      });
    }
  }
  return out;
}

function siteMetricsOf(stack: SynthesizedStack, clusterId: string): number {
  for (const r of Object.values(stack.template.Resources ?? {})) {
    const vars = r.Properties?.Environment?.Variables;
    if (r.Type === 'AWS::Lambda::Function' && refOf(vars?.CLUSTER_NAME) === clusterId && typeof vars?.SITE_METRICS === 'string') {
      return (JSON.parse(vars.SITE_METRICS) as unknown[]).length;
    }
  }
  return 0;
}

/** Days between backups of a rule's cron (daily unless it names week days or days of the month). */
function backupIntervalDays(expression: string): number {
  const f = /^cron\((.*)\)$/.exec(expression)?.[1].split(/\s+/);
  if (!f) return 1;
  if (f[4] && f[4] !== '?' && f[4] !== '*') return 7 / f[4].split(',').length;
  if (f[2] && f[2] !== '?' && f[2] !== '*') return 30 / f[2].split(',').length;
  return 1;
}
