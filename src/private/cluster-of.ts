import type { IConstruct } from 'constructs';
import type { ISitespeedCluster, SitespeedCluster } from '../sitespeed-cluster';
import { spelledValidation } from './for-caller';

/** The mark a SitespeedCluster carries: a registered symbol, so copies of the package recognise each other. */
const CLUSTER_SYMBOL = Symbol.for('cdk-sitespeed.SitespeedCluster');

/** Marks a SitespeedCluster as the library's (its constructor calls this). */
export function markSitespeedCluster(cluster: SitespeedCluster): void {
  Object.defineProperty(cluster, CLUSTER_SYMBOL, { value: true });
}

/** Whether `x` is a SitespeedCluster of this library (what `instanceof` cannot tell across copies of the package). */
export function isSitespeedCluster(x: unknown): x is SitespeedCluster {
  return x !== null && typeof x === 'object' && CLUSTER_SYMBOL in x;
}

/**
 * The SitespeedCluster behind a satellite's `cluster` prop. Satellites take the narrow
 * ISitespeedCluster; their wiring (boot scripts, the config mount, the runner) needs the cluster
 * this library built.
 */
export function clusterOf(cluster: ISitespeedCluster, where: string): SitespeedCluster {
  if (isSitespeedCluster(cluster)) return cluster;
  throw new Error(`${where}: cluster must be a SitespeedCluster of cdk-sitespeed (its boot scripts and runner are wired in), got ${String((cluster as any)?.node?.path ?? cluster)}.`);
}

/**
 * Refuses, at synth once every site exists (sites added later count), the slugs of `prop` that
 * name no site of the cluster.
 */
export function requireSitesOf(scope: IConstruct, cluster: SitespeedCluster, prop: string, slugs: readonly string[], consequence = ''): void {
  scope.node.addValidation(spelledValidation({
    validate: () => {
      const known = cluster._sites.map(site => site.slug);
      return slugs.filter(s => !known.includes(s))
        .map(s => `${prop}: '${s}' is not a site of ${cluster.node.path} (its sites: ${known.join(', ') || 'none'})${consequence}.`);
    },
  }));
}
