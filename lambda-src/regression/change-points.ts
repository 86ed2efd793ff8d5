/**
 * A site's deploy markers as change points for its regression detection (decide.ts): read from
 * the markers file DeployMarkers keeps beside the report index (src/contract/deploy-markers.ts).
 * 1 GET per run. No file (no DeployMarkers) is no markers; a corrupt one is logged and read as
 * none: the detector then works as without markers, it never stops for them.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { ChangePoint } from './decide';
import { changePointsOf, parseMarkerFile } from '../../src/contract/deploy-markers';
import { MARKERS_KEY } from '../../src/contract/report-keys';
import { readJson } from '../shared/s3-swap';

export async function siteChangePoints(s3: S3Client, bucket: string, site: string, log: (line: object) => void): Promise<ChangePoint[]> {
  const file = await readJson(s3, bucket, MARKERS_KEY, parseMarkerFile, ['version', 'markers']);
  if ('corrupt' in file) log({ markersUnreadable: MARKERS_KEY, site, effect: 'judged without deploy markers' });
  return 'value' in file ? changePointsOf(file.value, site) : [];
}
