import type { ISitespeedCluster, SitespeedCluster } from '../sitespeed-cluster';

/**
 * The SitespeedCluster behind a satellite's `cluster` prop. Satellites take the narrow
 * ISitespeedCluster; their wiring (boot scripts, the config mount, the runner) needs the cluster
 * this library built, which marks itself (SitespeedCluster.isSitespeedCluster).
 */
export function clusterOf(cluster: ISitespeedCluster, where: string): SitespeedCluster {
  if (cluster !== null && typeof cluster === 'object' && Symbol.for('cdk-sitespeed.SitespeedCluster') in cluster) return cluster as SitespeedCluster;
  throw new Error(`${where}: cluster must be a SitespeedCluster of cdk-sitespeed (its boot scripts and runner are wired in), got ${String((cluster as any)?.node?.path ?? cluster)}.`);
}
