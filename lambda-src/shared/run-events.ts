import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { RUN_EVENTS, RUN_METRICS } from '../../src/contract/run-events';

/*
 * Putting the run events (names and schema: src/contract/run-events.ts) on the account's default
 * event bus, and logging the run metrics beside them (embedded metric format: no API call, no permission).
 */

export class PutEventsFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PutEventsFailedError';
  }
}

/**
 * EventBridge takes entries below 256 KB, counted as the UTF-8 bytes of Source, DetailType and
 * Detail (plus 14 for Time and each Resource's bytes, which these entries do not have)
 * ("Calculating Amazon EventBridge PutEvents event entry size", EventBridge User Guide).
 */
export const MAX_ENTRY_BYTES = 256 * 1024;

export function entryBytes(detailType: string, detail: object): number {
  return Buffer.byteLength(RUN_EVENTS.source) + Buffer.byteLength(detailType) + Buffer.byteLength(JSON.stringify(detail));
}

/** Puts one event on the default bus; a rejected entry is an error (the invoker retries). */
export async function putRunEvent(events: EventBridgeClient, detailType: string, detail: object): Promise<void> {
  const result = await events.send(new PutEventsCommand({
    Entries: [{ Source: RUN_EVENTS.source, DetailType: detailType, Detail: JSON.stringify(detail) }],
  }));
  if ((result.FailedEntryCount ?? 0) > 0) {
    const entry = result.Entries?.find(e => e.ErrorCode);
    throw new PutEventsFailedError(`PutEvents refused the ${detailType} event: ${entry?.ErrorCode} ${entry?.ErrorMessage ?? ''}`.trim());
  }
}

/**
 * One log line in CloudWatch's embedded metric format: the values become metrics in the
 * cdk-sitespeed namespace with the dimension Cluster, and also Cluster and Site for a site with
 * per-site metrics. Every dimension combination is a custom metric of its own, $0.30 a
 * metric-month prorated by the hours with data (Amazon CloudWatch pricing), so per-site metrics
 * are opt-in (`siteMetrics`): about nine a site. Site is always a field of the line, for Logs Insights.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
const CLUSTER = RUN_METRICS.clusterDimension;
const SITE = RUN_METRICS.siteDimension;

export function metricsLine(cluster: string, site: string, values: Record<string, number>, units: Record<string, string> = {},
  perSite = false): object {
  return {
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [{
        Namespace: RUN_METRICS.namespace,
        Dimensions: perSite ? [[CLUSTER, SITE], [CLUSTER]] : [[CLUSTER]],
        Metrics: Object.keys(values).map(Name => ({ Name, Unit: units[Name] ?? 'Count' })),
      }],
    },
    [CLUSTER]: cluster,
    [SITE]: site,
    ...values,
  };
}

/** The sites with per-site metrics: the function's SITE_METRICS, a JSON array of slugs set by the cluster. */
export function siteMetricsFromEnv(env: NodeJS.ProcessEnv): (site: string) => boolean {
  const text = env.SITE_METRICS ?? '[]';
  let sites: unknown;
  try {
    sites = JSON.parse(text);
  } catch {
    sites = undefined;
  }
  if (!Array.isArray(sites) || sites.some(s => typeof s !== 'string')) {
    throw new Error(`environment variable SITE_METRICS must be a JSON array of site slugs, got '${text}'`);
  }
  const set = new Set(sites as string[]);
  return site => set.has(site);
}
