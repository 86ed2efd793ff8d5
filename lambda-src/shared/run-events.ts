import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

/**
 * The run events cdk-sitespeed puts on the account's default event bus, and the per-site
 * CloudWatch metrics logged beside them (embedded metric format: no API call, no permission).
 * The README's "Run events" section documents both; change them together.
 */
export const EVENT_SOURCE = 'cdk-sitespeed';
export const RUN_FINISHED = 'Sitespeed Run Finished';
export const RUN_SKIPPED = 'Sitespeed Run Skipped';
export const RUN_NOT_STARTED = 'Sitespeed Run Not Started';
export const METRICS_NAMESPACE = 'cdk-sitespeed';

export class PutEventsFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PutEventsFailedError';
  }
}

/** Puts one event on the default bus; a rejected entry is an error (the invoker retries). */
export async function putRunEvent(events: EventBridgeClient, detailType: string, detail: object): Promise<void> {
  const result = await events.send(new PutEventsCommand({
    Entries: [{ Source: EVENT_SOURCE, DetailType: detailType, Detail: JSON.stringify(detail) }],
  }));
  if ((result.FailedEntryCount ?? 0) > 0) {
    const entry = result.Entries?.find(e => e.ErrorCode);
    throw new PutEventsFailedError(`PutEvents refused the ${detailType} event: ${entry?.ErrorCode} ${entry?.ErrorMessage ?? ''}`.trim());
  }
}

/**
 * One log line in CloudWatch's embedded metric format: the values become metrics in the
 * cdk-sitespeed namespace with the dimensions Cluster and Site (and Cluster alone).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export function metricsLine(cluster: string, site: string, values: Record<string, number>, units: Record<string, string> = {}): object {
  return {
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [{
        Namespace: METRICS_NAMESPACE,
        Dimensions: [['Cluster', 'Site'], ['Cluster']],
        Metrics: Object.keys(values).map(Name => ({ Name, Unit: units[Name] ?? 'Count' })),
      }],
    },
    Cluster: cluster,
    Site: site,
    ...values,
  };
}
