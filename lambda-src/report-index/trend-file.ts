/**
 * A site's trend file (src/contract/trends.ts), updated from each run's extract right after it is
 * written: 1 GET and 1 PUT per run, a compare-and-swap so two runs filed at once both count. A
 * missing or corrupt file (the corrupt one kept aside first) is rebuilt from every extract of the
 * site; the same run twice changes nothing. Runs without measured pages (failed, no HAR) are not
 * charted.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { trendKey } from '../../src/contract/report-keys';
import { RunExtract } from '../../src/contract/run-extracts';
import { emptyTrend, parseTrendFile, TrendFile, withRun } from '../../src/contract/trends';
import { compareAndSwap } from '../shared/s3-swap';
import { siteExtracts } from '../shared/site-extracts';

type Log = (line: object) => void;

/**
 * Runs that measured something worth a point: ok or budget failed with pages, or 'unknown' (a
 * run whose event was lost, backfilled by the daily rebuild: it left a report and HARs).
 */
export function isCharted(extract: RunExtract): boolean {
  return ['ok', 'budget failed', 'unknown'].includes(extract.status) && extract.pages.length > 0;
}

export async function updateTrend(s3: S3Client, bucket: string, extract: RunExtract, retentionDays: number | null,
  log: Log): Promise<TrendFile | undefined> {
  if (!isCharted(extract)) return undefined;
  const site = extract.site;
  return compareAndSwap(s3, bucket, {
    key: trendKey(site),
    parse: text => parseTrendFile(text, site),
    fields: ['version', 'site', 'urls', 'runs', 'days'],
    rebuild: async () => {
      const extracts = (await siteExtracts(s3, bucket, site, { leaveOut: extract.run }, log)).filter(isCharted);
      log({ trendRebuilt: site, runs: extracts.length });
      return extracts.reduce((file, e) => withRun(file, e, retentionDays), emptyTrend(site));
    },
    change: current => withRun(current, extract, retentionDays),
  }, log);
}
