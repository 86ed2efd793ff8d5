// No imports: the check command (cli-src/) bundles this file without aws-cdk-lib.

/**
 * The CloudFormation Metadata key under which each part of a deployment says what it is, for
 * `cdk-sitespeed check` (cli-src/check/deployment.ts): the command reads the deployed template
 * (GetTemplate) and the stack's resources, so it finds clusters, sites, queues and functions by
 * what they are, not by names or outputs a user's app may not have. Metadata changes nothing
 * that is deployed.
 */
export const CHECK_METADATA = 'cdk-sitespeed:check';

/** What the check command needs to know of one resource; logical ids name the related resources. */
export type CheckEntry =
  | { kind: 'sitespeed-cluster'; autoScalingGroup: string; shaping: string }
  | { kind: 'metrics-cluster'; autoScalingGroup: string; graphiteAuthSecret: string; graphiteUrl: string; grafanaPort: number }
  | { kind: 'site'; site: string; cluster: string; clusterStack: string }
  | { kind: 'function'; role: string }
  /** DeployMarkers' function: `cdk-sitespeed mark` invokes it for the sites of its cluster. */
  | { kind: 'deploy-markers'; cluster: string; clusterStack: string }
  | { kind: 'dead-letter-queue'; role: string }
  /** The alarm `check --test-alarm` sets off: one per SiteAlerts. */
  | { kind: 'alarm'; role: string };

/** The ECS attributes the boot scripts set, which placement constraints (and the check command) read. */
export const SHAPING_ATTRIBUTE = 'cdk-sitespeed.shaping';
export const VOLUME_ATTRIBUTE = 'cdk-sitespeed.metrics-volume';
