/** A deploy marker: in the markers file the viewer reads, then as Graphite annotations of its sites. */
import { ECSClient } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SSMClient } from '@aws-sdk/client-ssm';
import { annotate, annotationEvents, GraphiteTarget, MarkedSite, Waiting } from './annotate';
import { markerOf } from './marker';
import { noteAnnotated, recordMarker } from './record';
import { isRegressionEvent, markerOfRegressionEvent } from './regression-marker';
import { ScheduledRuns, scheduleRunsAfter } from './run-after';
import { RunAfterConfig } from '../../src/contract/deploy-markers';
import { MARKERS_KEY } from '../../src/contract/report-keys';
import { requiredEnv, retentionDaysOf } from '../shared/handler';

export interface MarkerConfig {
  readonly bucket: string;
  readonly retentionDays: number | null;
  /** Every site of the cluster, with its Graphite namespace when it sends to the cluster's GraphiteGrafana. */
  readonly sites: Array<{ site: string; namespace?: string }>;
  /** Absent: the cluster has no GraphiteGrafana (no annotations). */
  readonly graphite?: GraphiteTarget;
  /** Absent: no run after a deploy marker (DeployMarkers `runAfter`). */
  readonly runAfter?: RunAfterConfig;
}

export interface MarkOutcome {
  readonly id: string;
  readonly at: string;
  readonly message: string;
  readonly sites: string[];
  /** False when a marker with this id was already there (a retry, a copy of an event). */
  readonly added: boolean;
  /** Where the viewer reads it. */
  readonly markersFile: string;
  /** Sites whose Graphite annotation is in (now or before). */
  readonly annotated: string[];
  /** Sites that get no annotation, and why (no Graphite, or a namespace of their own). */
  readonly notAnnotated?: string[];
  /** The runs of the marked sites after the deploy (DeployMarkers `runAfter`). */
  readonly runs?: ScheduledRuns;
}

export interface MarkerClients {
  readonly s3: S3Client;
  readonly ecs: ECSClient;
  readonly ssm: SSMClient;
  readonly scheduler: SchedulerClient;
}

export class AnnotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnnotationError';
  }
}

/**
 * Records the marker (once per id), then posts the annotations it does not have yet. When Graphite
 * takes only some, the rest fail the call: the marker stays recorded, and the retry (EventBridge's,
 * or the same `mark --id`) posts only what is missing. A regression event of the cluster's
 * ReportTree becomes a marker of its own kind (regression-marker.ts), through the same path.
 */
export async function markDeploy(clients: MarkerClients, input: unknown, config: MarkerConfig, now: Date, waiting: Waiting,
  log: (line: object) => void): Promise<MarkOutcome> {
  const known = config.sites.map(s => s.site);
  const marker = isRegressionEvent(input) ? markerOfRegressionEvent(input, known) : markerOf(input, known, now);
  const { stored, added } = await recordMarker(clients.s3, config.bucket, marker, config.retentionDays, now, log);
  // Before the annotations (which may fail and be retried): idempotent by the schedules' names.
  const isDeploy = (stored.kind ?? 'deploy') === 'deploy';
  const runs = config.runAfter && isDeploy ? await scheduleRunsAfter(clients.scheduler, stored, config.runAfter, now, log) : undefined;
  const annotatable = stored.sites.flatMap(site => {
    const namespace = config.sites.find(s => s.site === site)?.namespace;
    return config.graphite && namespace ? [{ site, namespace } as MarkedSite] : [];
  });
  const notAnnotated = stored.sites.filter(site => !annotatable.some(a => a.site === site))
    .map(site => `${site}: ${config.graphite ? 'sends to a Graphite other than the cluster\'s GraphiteGrafana' : 'the cluster has no GraphiteGrafana'}`);
  const had = stored.annotated ?? [];
  const missing = annotatable.filter(a => !had.includes(a.site));
  let annotated = had;
  if (missing.length > 0) {
    const { accepted, problems } = await annotate(clients.ecs, clients.ssm, config.graphite!, annotationEvents(stored, missing), waiting);
    await noteAnnotated(clients.s3, config.bucket, stored.id, accepted, config.retentionDays, now, log);
    annotated = [...had, ...accepted].sort();
    if (problems.length) {
      throw new AnnotationError(`marker ${stored.id} is on the calendar; its Graphite annotation failed for ${problems.join('; ')}. ` +
        `A retry with the same id posts only what is missing (cdk-sitespeed mark --id ${stored.id}).`);
    }
  }
  return {
    id: stored.id,
    at: stored.at,
    message: stored.message,
    sites: stored.sites,
    added,
    markersFile: `s3://${config.bucket}/${MARKERS_KEY}`,
    annotated,
    ...(notAnnotated.length ? { notAnnotated } : {}),
    ...(runs ? { runs } : {}),
  };
}

export function markerConfigFromEnv(env: NodeJS.ProcessEnv): MarkerConfig {
  // Grouped by namespace to stay within Lambda's 4 KB of environment (src/deploy-markers.ts sitesEnv).
  const groups: Array<[string, string[]]> = JSON.parse(requiredEnv(env, 'SITES'));
  const sites = groups.flatMap(([namespace, slugs]) => slugs.map(site => (namespace ? { site, namespace } : { site })));
  const cluster = env.METRICS_CLUSTER;
  return {
    bucket: requiredEnv(env, 'REPORTS_BUCKET'),
    retentionDays: retentionDaysOf(env.RETENTION_DAYS),
    sites,
    ...(env.RUN_AFTER ? { runAfter: JSON.parse(env.RUN_AFTER) } : {}),
    ...(cluster ? {
      graphite: {
        cluster,
        url: requiredEnv(env, 'GRAPHITE_URL'),
        secretArn: requiredEnv(env, 'GRAPHITE_SECRET_ARN'),
        region: requiredEnv(env, 'AWS_REGION'),
        ...(env.METRICS_TAG_VALUE ? { tagValue: env.METRICS_TAG_VALUE } : {}),
      },
    } : {}),
  };
}
