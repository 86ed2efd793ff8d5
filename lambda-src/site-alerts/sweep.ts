import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { AlertClients, AlertConfig, loadState, publishAlert, saveState } from './alerts';
import { staleMessage, strayInstanceMessage } from './message';
import { containerInstances } from '../shared/container-instances';

/** What the hourly sweep needs besides the run alerts' configuration. */
export interface SweepConfig extends AlertConfig {
  /** Site slug → minutes without a finished run after which it is stale. */
  readonly staleAfter: Record<string, number>;
  readonly autoScalingGroup: string;
}

/** The key of the item that remembers instances seen in service but not joined ('#' is never in a slug). */
const INSTANCES = '#instances';
/** An instance still not joined at the next sweep, this long after it was first seen, is alerted. */
const JOIN_GRACE_MS = 50 * 60_000;

/**
 * Hourly: sites that have not finished a run for longer than their schedule allows (once, until
 * they run again), and instances in service in the cluster's group that never joined the cluster
 * (once each). The run alerts cannot see either: both are about runs that never happen.
 */
export async function sweep(clients: AlertClients, config: SweepConfig, now: Date,
  log: (line: object) => void): Promise<{ stale: string[]; strays: string[] }> {
  const stale: string[] = [];
  for (const [site, minutes] of Object.entries(config.staleAfter)) {
    const { state, version } = await loadState(clients.dynamodb, config.table, site);
    // A site that never finished a run has nothing to measure from yet.
    if (!state?.lastFinishedAt || state.stale) continue;
    if (now.getTime() - new Date(state.lastFinishedAt).getTime() <= minutes * 60_000) continue;
    await publishAlert(clients.sns, config, staleMessage(site, state, minutes, config.clusterArn.split('/').pop()!));
    if (await saveState(clients.dynamodb, config.table, { ...state, stale: true }, version)) stale.push(site);
    else log({ site, race: 'a run finished during the sweep; not marked stale' });
  }
  return { stale, strays: await strayInstances(clients, config, now) };
}

async function strayInstances(clients: AlertClients, config: SweepConfig, now: Date): Promise<string[]> {
  const described = await clients.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [config.autoScalingGroup] }));
  const group = described.AutoScalingGroups?.[0];
  const inService = (group?.Instances ?? []).filter(i => i.LifecycleState === 'InService').map(i => i.InstanceId!);
  const registered = await containerInstances(clients.ecs, config.clusterArn);
  const joined = new Set(registered.map(c => c.ec2InstanceId));
  const { state, version } = await loadState(clients.dynamodb, config.table, INSTANCES);
  const memory = (state as any) ?? { site: INSTANCES, seen: {}, alerted: [] };
  const seen: Record<string, string> = {};
  const alerted: string[] = [];
  const strays: string[] = [];
  for (const id of inService.filter(i => !joined.has(i))) {
    seen[id] = memory.seen?.[id] ?? now.toISOString();
    const already = (memory.alerted ?? []).includes(id);
    if (already) {alerted.push(id);} else if (now.getTime() - new Date(seen[id]).getTime() >= JOIN_GRACE_MS) {
      await publishAlert(clients.sns, config, strayInstanceMessage(id, config.clusterArn.split('/').pop()!, seen[id]));
      alerted.push(id);
      strays.push(id);
    }
  }
  await saveState(clients.dynamodb, config.table, { ...memory, seen, alerted }, version);
  return strays;
}
