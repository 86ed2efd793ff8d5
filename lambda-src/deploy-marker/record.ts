/** The markers file beside the report index: a marker added once, whatever the retries and the writers at once. */
import { S3Client } from '@aws-sdk/client-s3';
import { DeployMarker, MarkerFile, MAX_MARKERS, parseMarkerFile } from '../../src/contract/deploy-markers';
import { MARKERS_KEY } from '../../src/contract/report-keys';
import { compareAndSwap, Swap } from '../shared/s3-swap';

type Log = (line: object) => void;

/**
 * Markers older than the reports' retention are dropped (they would mark a calendar with no runs),
 * and at most MAX_MARKERS are kept, the newest: the viewer downloads the whole file.
 */
export function keptMarkers(markers: DeployMarker[], retentionDays: number | null, now: Date): DeployMarker[] {
  const cutoff = retentionDays === null ? undefined : new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  return markers.filter(m => cutoff === undefined || m.at >= cutoff)
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(-MAX_MARKERS);
}

function markersSwap(change: (markers: DeployMarker[]) => DeployMarker[]): Swap<MarkerFile> {
  return {
    key: MARKERS_KEY,
    parse: parseMarkerFile,
    fields: ['version', 'markers'],
    // A missing or corrupt file (the corrupt one is kept aside first) starts again empty: markers
    // have no other record to rebuild them from; their Graphite annotations stay.
    rebuild: async () => ({ version: 1, markers: [] }),
    change: current => ({ version: 1, markers: change(current.markers) }),
  };
}

/** Adds the marker unless a marker with its id is there: the stored one, and whether this call added it. */
export async function recordMarker(s3: S3Client, bucket: string, marker: DeployMarker, retentionDays: number | null, now: Date,
  log: Log): Promise<{ stored: DeployMarker; added: boolean }> {
  let stored = marker;
  let added = false;
  await compareAndSwap(s3, bucket, markersSwap(markers => {
    const had = markers.find(m => m.id === marker.id);
    stored = had ?? marker;
    added = !had;
    return keptMarkers(had ? markers : [...markers, marker], retentionDays, now);
  }), log);
  return { stored, added };
}

/** Notes the sites whose annotation Graphite accepted, so a retry sends only the others. */
export async function noteAnnotated(s3: S3Client, bucket: string, id: string, sites: string[], retentionDays: number | null, now: Date,
  log: Log): Promise<void> {
  if (sites.length === 0) return;
  await compareAndSwap(s3, bucket, markersSwap(markers => keptMarkers(markers.map(m => (m.id === id
    ? { ...m, annotated: [...new Set([...(m.annotated ?? []), ...sites])].sort() } : m)), retentionDays, now)), log);
}
