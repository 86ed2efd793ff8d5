/**
 * A run's extract (src/contract/run-extracts.ts), written once its "Sitespeed Run Finished" event
 * arrives: every HAR the run uploaded is read and summarised, and the extract is put at
 * `.cdk-sitespeed/extracts/<site>/<run>.json`. The same event twice writes the same extract; a HAR
 * that cannot be read is named in `problems` and the others are kept; an S3 error fails the call,
 * so the event is retried.
 */
import { gunzipSync } from 'zlib';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { summariseHar } from './har-summary';
import { updateTrend } from './trend-file';
import { Run } from '../../src/contract/report-index';
import { extractKey, EXTRACTS_PREFIX } from '../../src/contract/report-keys';
import { PageExtract, RunExtract, RunSetup } from '../../src/contract/run-extracts';
import { timeOfFolder } from '../../src/contract/run-folders';
import { keysUnder } from '../shared/s3-keys';

type Log = (line: object) => void;
/** What sitespeed.io's harstorer names a URL's HAR: browsertime.har, or browsertime.har.gz with --gzipHAR. */
const HAR_KEY = /\/data\/browsertime\.har(\.gz)?$/;
/** HARs read at once: a run has one per URL, each up to a few MB. */
const CONCURRENCY = 4;

export interface FinishedRun {
  readonly site: string;
  readonly run: string | null;
  readonly status: string;
  readonly rerun: boolean;
  readonly onDemand?: boolean;
}

/** A stored HAR's JSON: gzipped or not (by its first bytes: an upload may or may not say Content-Encoding). */
async function readHar(s3: S3Client, bucket: string, key: string): Promise<unknown> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = Buffer.from(await object.Body!.transformToByteArray());
  const plain = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  return JSON.parse(plain.toString('utf8'));
}

/** The extract of a run with a report folder (undefined for one without), written to the bucket. */
export async function writeExtract(s3: S3Client, bucket: string, finished: FinishedRun, log: Log): Promise<RunExtract | undefined> {
  if (finished.run === null) return undefined;
  const keys = (await keysUnder(s3, bucket, `${finished.site}/${finished.run}/pages/`)).filter(k => HAR_KEY.test(k)).sort();
  const pages: PageExtract[] = [];
  const setups: RunSetup[] = [];
  const problems: string[] = keys.length === 0
    ? [`no HAR under ${finished.site}/${finished.run}/pages/ (a run with --browsertime.skipHar has none)`]
    : [];
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++];
      let har: unknown;
      try {
        har = await readHar(s3, bucket, key);
      } catch (error: any) {
        // A missing or unreadable object is a problem of this HAR; throttling and the like are retried with the event.
        if (error?.name !== 'SyntaxError' && error?.name !== 'NoSuchKey' && error?.code !== 'Z_DATA_ERROR') throw error;
        problems.push(`${key}: ${error.name === 'NoSuchKey' ? 'gone' : `unreadable (${error.message})`}`);
        continue;
      }
      try {
        const summary = summariseHar(har);
        pages.push(...summary.pages);
        setups.push(summary.setup);
      } catch (error: any) {
        problems.push(`${key}: ${error.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  pages.sort((a, b) => a.url.localeCompare(b.url));
  const extract: RunExtract = {
    version: 1,
    site: finished.site,
    run: finished.run,
    status: finished.status,
    rerun: finished.rerun,
    ...(finished.onDemand ? { onDemand: true } : {}),
    ...(setups.length > 0 ? { setup: { ...setups[0], iterations: Math.max(...setups.map(s => s.iterations)), urls: pages.map(p => p.url) } } : {}),
    pages,
    problems: problems.sort(),
  };
  const key = extractKey(finished.site, finished.run);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(extract), ContentType: 'application/json' }));
  log({ extract: `s3://${bucket}/${key}`, pages: pages.length, problems: problems.length });
  return extract;
}

/** A run whose event may still be on its way (EventBridge retries for up to 2 hours): its extract is not missing yet. */
const IN_FLIGHT_MS = 3 * 3600_000;
/** Extracts a rebuild writes per site at most (each reads the run's HARs), the newest first; the next day's rebuild goes on. */
export const BACKFILL_PER_SITE = 20;

/**
 * The daily rebuild's share of "nothing lost": the extracts of the index's runs with a report that
 * have none (their event was lost, or its retries ran out), at most BACKFILL_PER_SITE a site and
 * never a run younger than IN_FLIGHT_MS. Their status is what the index knows (a failed run with
 * failing budget checks is 'budget failed'; a run whose event was lost is 'unknown').
 */
export async function backfillExtracts(
  s3: S3Client, bucket: string, site: string, runs: readonly Run[], now: Date, log: Log, retentionDays: number | null = null,
): Promise<number> {
  const prefix = `${EXTRACTS_PREFIX}${site}/`;
  const have = new Set((await keysUnder(s3, bucket, prefix)).map(k => k.slice(prefix.length).replace(/\.json$/, '')));
  const due = runs
    .filter(r => r.report !== false && r.started !== false && !have.has(r.run))
    .filter(r => now.getTime() - timeOfFolder(r.run) > IN_FLIGHT_MS)
    .sort((a, b) => (a.run < b.run ? 1 : -1))
    .slice(0, BACKFILL_PER_SITE);
  for (const run of due) {
    // A run whose event was lost is 'unknown' in the index: its extract says so, and no baseline takes it.
    const status = run.status === 'failed' && run.budget !== undefined ? 'budget failed' : run.status;
    const extract = await writeExtract(s3, bucket, { site, run: run.run, status, rerun: run.rerun === true }, log);
    // Its point on the trend chart too (the regression detector takes it at its next rebuild of the site's file, if ever: a late run decides nothing).
    if (extract) await updateTrend(s3, bucket, extract, retentionDays, log);
  }
  if (due.length > 0) log({ backfilledExtracts: due.length, site });
  return due.length;
}

