import {
  CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, ListStackResourcesCommand, ListStacksCommand, StackResourceSummary, StackStatus,
} from '@aws-sdk/client-cloudformation';
import { CHECK_METADATA, CheckEntry } from '../../src/contract/check-entry';

/** One deployed stack as the check reads it: its template and its resources' physical ids. */
export interface DeployedStack {
  readonly name: string;
  readonly status: string;
  readonly template: any;
  readonly resources: StackResourceSummary[];
}

export interface Cluster {
  readonly stack: string;
  readonly logicalId: string;
  readonly name: string;
  readonly autoScalingGroup: string;
  readonly shaping: string;
}
export interface Metrics {
  readonly stack: string;
  readonly clusterName: string;
  readonly autoScalingGroup: string;
  readonly graphiteAuthSecretArn: string;
  readonly graphiteUrl: string;
  readonly grafanaPort: number;
}
export interface Site {
  readonly stack: string;
  readonly site: string;
  readonly scheduleName: string;
  readonly scheduleGroup: string;
  readonly cluster: Cluster;
}
export interface Named { readonly stack: string; readonly role: string; readonly id: string }
/** A DeployMarkers' function and the cluster whose sites it marks. */
export interface Markers { readonly stack: string; readonly functionName: string; readonly cluster: Cluster }

/** The parts of a cdk-sitespeed deployment, found through the Metadata each construct writes (src/private/check-metadata.ts). */
export interface Deployment {
  readonly stacks: DeployedStack[];
  readonly clusters: Cluster[];
  readonly metrics: Metrics[];
  readonly sites: Site[];
  /** Function names. */
  readonly functions: Named[];
  /** Queue URLs. */
  readonly queues: Named[];
  /** Alarm names (one per SiteAlerts, for --test-alarm). */
  readonly alarms: Named[];
  /** DeployMarkers' functions, for `cdk-sitespeed mark`. */
  readonly markers: Markers[];
  /** Sites whose cluster is in a stack that was not given. */
  readonly strays: Array<{ site: string; clusterStack: string }>;
}

/** Statuses of a stack that exists and is not being deleted. */
const LIVE: StackStatus[] = [
  'CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE',
  'CREATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_ROLLBACK_FAILED', 'CREATE_FAILED', 'ROLLBACK_FAILED', 'ROLLBACK_IN_PROGRESS',
];

/** Stack names matching the patterns (`*` matches any characters, as in `prod-*`). */
export async function stackNames(cfn: CloudFormationClient, patterns: string[]): Promise<string[]> {
  if (!patterns.some(p => p.includes('*'))) return patterns;
  const all: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cfn.send(new ListStacksCommand({ NextToken, StackStatusFilter: LIVE }));
    all.push(...(page.StackSummaries ?? []).map(s => s.StackName!));
    NextToken = page.NextToken;
  } while (NextToken);
  const names = patterns.flatMap(p => (p.includes('*') ? all.filter(n => globRegExp(p).test(n)) : [p]));
  return [...new Set(names)].sort();
}

/** A stack name pattern (`*` matches anything) as a regular expression. */
export function globRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map(part => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

export async function readStack(cfn: CloudFormationClient, name: string): Promise<DeployedStack> {
  const described = await cfn.send(new DescribeStacksCommand({ StackName: name }));
  const status = described.Stacks?.[0]?.StackStatus ?? 'UNKNOWN';
  const template = await cfn.send(new GetTemplateCommand({ StackName: name, TemplateStage: 'Original' }));
  const resources: StackResourceSummary[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cfn.send(new ListStackResourcesCommand({ StackName: name, NextToken }));
    resources.push(...(page.StackResourceSummaries ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return { name, status, template: parseTemplate(name, template.TemplateBody), resources };
}

function parseTemplate(stack: string, body: string | undefined): any {
  try {
    return JSON.parse(body ?? '');
  } catch {
    throw new Error(`the template of ${stack} is not JSON (CDK deploys JSON templates): is it a cdk-sitespeed stack?`);
  }
}

/** Finds the marked parts of the stacks; a marked resource without a physical id (not created) is left out. */
export function deploymentOf(stacks: DeployedStack[]): Deployment {
  const clusters: Cluster[] = [];
  const metrics: Metrics[] = [];
  const sites: Array<Omit<Site, 'cluster'> & { clusterId: string; clusterStack: string }> = [];
  const functions: Named[] = [];
  const queues: Named[] = [];
  const alarms: Named[] = [];
  const markers: Array<{ stack: string; functionName: string; clusterId: string; clusterStack: string }> = [];
  for (const stack of stacks) {
    const physical = new Map(stack.resources.filter(r => r.PhysicalResourceId).map(r => [r.LogicalResourceId!, r.PhysicalResourceId!]));
    for (const [logicalId, resource] of Object.entries<any>(stack.template?.Resources ?? {})) {
      const entry: CheckEntry | undefined = resource?.Metadata?.[CHECK_METADATA];
      const id = physical.get(logicalId);
      if (!entry || !id) continue;
      switch (entry.kind) {
        case 'sitespeed-cluster':
          clusters.push({ stack: stack.name, logicalId, name: id, autoScalingGroup: physical.get(entry.autoScalingGroup) ?? '', shaping: entry.shaping });
          break;
        case 'metrics-cluster':
          metrics.push({
            stack: stack.name,
            clusterName: id,
            autoScalingGroup: physical.get(entry.autoScalingGroup) ?? '',
            graphiteAuthSecretArn: physical.get(entry.graphiteAuthSecret) ?? '',
            graphiteUrl: entry.graphiteUrl,
            grafanaPort: entry.grafanaPort,
          });
          break;
        case 'site':
          sites.push({
            stack: stack.name,
            site: entry.site,
            scheduleName: id,
            scheduleGroup: scheduleGroupOf(resource, physical),
            clusterId: entry.cluster,
            clusterStack: entry.clusterStack ?? stack.name,
          });
          break;
        case 'function':
          functions.push({ stack: stack.name, role: entry.role, id });
          break;
        case 'dead-letter-queue':
          queues.push({ stack: stack.name, role: entry.role, id });
          break;
        case 'alarm':
          alarms.push({ stack: stack.name, role: entry.role, id });
          break;
        case 'deploy-markers':
          markers.push({ stack: stack.name, functionName: id, clusterId: entry.cluster, clusterStack: entry.clusterStack });
          break;
      }
    }
  }
  const resolved: Site[] = [];
  const strays: Deployment['strays'] = [];
  for (const { clusterId, clusterStack, ...site } of sites) {
    const cluster = clusters.find(c => c.stack === clusterStack && c.logicalId === clusterId);
    if (cluster) resolved.push({ ...site, cluster });
    else strays.push({ site: site.site, clusterStack });
  }
  const markersOf = markers.flatMap(({ clusterId, clusterStack, ...m }) => {
    const cluster = clusters.find(c => c.stack === clusterStack && c.logicalId === clusterId);
    return cluster ? [{ ...m, cluster }] : [];
  });
  return {
    stacks, clusters, metrics, sites: resolved.sort((a, b) => a.site.localeCompare(b.site)), functions, queues, alarms, markers: markersOf, strays,
  };
}

function scheduleGroupOf(resource: any, physical: Map<string, string>): string {
  const group = resource?.Properties?.GroupName;
  if (typeof group === 'string') return group;
  if (group?.Ref) return physical.get(group.Ref) ?? 'default';
  return 'default';
}
