import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  mergeRuns, nextRevision, reconcile, retentionCutoff, runOfOutcome, summaryOf, withKnown, withSiteSummaries,
} from './index-files';
import { backfillExtracts } from './run-extract';
import { durableStatuses, recordStatus } from './run-status';
import { parseSiteIndex, parseSummary, Run, SiteIndex, SiteSummary, Summary } from '../../src/contract/report-index';
import { INDEX_PREFIX, siteIndexKey, STATUS_PREFIX, SUMMARY_KEY } from '../../src/contract/report-keys';
import { runFinishedOf } from '../../src/contract/run-events';
import { folderOf, isRunFolder } from '../../src/contract/run-folders';
import { SITE_SLUG } from '../../src/contract/site-names';
import { claimObject, isLostRace } from '../shared/s3-claim';
import { compareAndSwap, readJson, sleep, Swap } from '../shared/s3-swap';

export { compareAndSwap, MAX_ATTEMPTS, readJson } from '../shared/s3-swap';
export type { Swap } from '../shared/s3-swap';

export interface IndexLocation {
  readonly bucket: string;
  /** Runs older than this many days are dropped from the index; null: kept for ever. */
  readonly retentionDays: number | null;
  /** @default the clock */
  readonly now?: () => Date;
}

type Log = (line: object) => void;

/** Sites rebuilt at once: enough to hide S3's latency, few enough for a 512 MB function. */
const REBUILD_CONCURRENCY = 8;

/** The names of the folders directly under `prefix` (all pages). */
async function folders(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken }));
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) names.push(p.Prefix.slice(prefix.length, -1));
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return names;
}

/** The run folders of one site (all pages). */
export async function runFolders(s3: S3Client, bucket: string, site: string, now: Date = new Date()): Promise<string[]> {
  return (await folders(s3, bucket, `${site}/`)).filter(f => isRunFolder(f, now)).sort();
}

const SITE_FIELDS = ['version', 'site', 'revision', 'runs'];
const SUMMARY_FIELDS = ['version', 'retentionDays', 'sites'];

function siteSwap(site: string, now: () => Date, rebuild: () => Promise<Run[]>, change: (runs: Run[]) => Run[]): Swap<SiteIndex> {
  return {
    key: siteIndexKey(site),
    parse: text => parseSiteIndex(text, site),
    fields: SITE_FIELDS,
    rebuild: async () => ({ version: 2, site, revision: 0, runs: await rebuild() }),
    change: current => ({ version: 2, site, revision: nextRevision(current.revision, now()), runs: change(current.runs) }),
  };
}

/** What the bucket says of one site: its run folders and its status records (durableStatuses reads bodies `known` lacks). */
async function siteFacts(s3: S3Client, bucket: string, site: string, known: Run[], now: Date): Promise<{ folders: string[]; statuses: Run[] }> {
  return { statuses: await durableStatuses(s3, bucket, site, known, now), folders: await runFolders(s3, bucket, site, now) };
}

/** One site's runs from its folders and its status records, keeping what `known` says of them. */
async function listedRuns(s3: S3Client, location: IndexLocation, site: string, known: Run[]): Promise<Run[]> {
  const { folders: siteFolders, statuses } = await siteFacts(s3, location.bucket, site, known, nowOf(location)());
  return reconcile(siteFolders, withKnown(known, statuses), cutoffOf(location));
}

function nowOf(location: IndexLocation): () => Date {
  return location.now ?? (() => new Date());
}

function cutoffOf(location: IndexLocation): string | undefined {
  return retentionCutoff(location.retentionDays, nowOf(location)());
}

/**
 * One stopped run, from its "Sitespeed Run Finished" event: its status record, then its site's
 * file and the summary, each read once and written once with a compare-and-swap (5 S3 calls;
 * more only on lost races, or once when a file is missing). Nothing here lists the bucket, so
 * the cost does not grow with the number of sites or runs.
 */
export async function updateRun(s3: S3Client, location: IndexLocation, event: unknown, log: Log): Promise<Run & { site: string }> {
  const detail = runFinishedOf(event);
  const run = runOfOutcome(detail);
  const site = detail.site;
  // First the durable record, so a rebuild knows this run's status even if an index write fails.
  await recordStatus(s3, location.bucket, site, run);
  const index = await compareAndSwap(s3, location.bucket,
    siteSwap(site, nowOf(location), () => listedRuns(s3, location, site, [run]), runs => mergeRuns(runs, [run], cutoffOf(location))), log);
  await compareAndSwap(s3, location.bucket, {
    key: SUMMARY_KEY,
    parse: parseSummary,
    fields: SUMMARY_FIELDS,
    rebuild: () => rebuildOnce(s3, location, log),
    change: current => withSiteSummaries(current, new Map([[site, summaryOf(index)]]), location.retentionDays),
  }, log);
  return { site, ...run };
}

/** Who rebuilds a missing index: one writer at a time (rebuildOnce). */
const REBUILD_LOCK_KEY = `${INDEX_PREFIX}rebuilding.json`;
/** reportIndex's timeout is 15 minutes (src/report-tree.ts): a claim older than that was abandoned. */
const REBUILD_LOCK_MS = 16 * 60_000;
/** How long an update waits for another writer's rebuild, and how often it looks. */
const REBUILD_WAIT_MS = 10 * 60_000;
const REBUILD_POLL_MS = 2_000;

/**
 * The summary when there is none: one writer rebuilds the whole index, the others wait for it.
 * Before, thirty first updates at once each rebuilt everything and fought over every site's file
 * (most gave up after ten lost writes). The writer that creates the claim (If-None-Match) rebuilds
 * and writes the summary, then marks the claim done; the others read the summary until it exists
 * and go on with their own update against it. A claim older than reportIndex can run is taken over.
 */
async function rebuildOnce(s3: S3Client, location: IndexLocation, log: Log): Promise<Summary> {
  const now = nowOf(location);
  if (await claimRebuild(s3, location.bucket, now())) {
    const summary = withSiteSummaries(undefined, await rebuildSites(s3, location, log), location.retentionDays, true);
    try {
      await s3.send(new PutObjectCommand({
        Bucket: location.bucket, Key: SUMMARY_KEY, Body: JSON.stringify(summary), ContentType: 'application/json', CacheControl: 'no-cache', IfNoneMatch: '*',
      }));
    } catch (error) {
      if (!isLostRace(error)) throw error;
    }
    await s3.send(new PutObjectCommand({
      Bucket: location.bucket, Key: REBUILD_LOCK_KEY, Body: JSON.stringify({ state: 'done', at: now().toISOString() }), ContentType: 'application/json',
    }));
    return summary;
  }
  log({ indexMissing: SUMMARY_KEY, waiting: 'for another writer\'s rebuild' });
  for (let waited = 0; waited < REBUILD_WAIT_MS; waited += REBUILD_POLL_MS) {
    await sleep(REBUILD_POLL_MS);
    const current = await readJson(s3, location.bucket, SUMMARY_KEY, parseSummary, SUMMARY_FIELDS);
    if ('value' in current) return current.value;
  }
  throw new Error(`${SUMMARY_KEY}: another writer's rebuild did not finish in ${REBUILD_WAIT_MS / 60_000} minutes`);
}

/** Creates the rebuild claim, or takes over one that is done or abandoned; false when another writer holds it. */
async function claimRebuild(s3: S3Client, bucket: string, now: Date): Promise<boolean> {
  const outcome = await claimObject(s3, bucket, REBUILD_LOCK_KEY, { state: 'rebuilding', at: now.toISOString() },
    claim => (claim?.state === 'rebuilding' && now.getTime() - Date.parse(claim.at ?? '') <= REBUILD_LOCK_MS ? 'another writer is rebuilding' : undefined),
    'another writer took the rebuild over');
  return outcome.claimed;
}

/** Every site the bucket knows of: run folders, status records and the summary. */
async function sitesOfBucket(s3: S3Client, bucket: string, summary: Summary | undefined): Promise<string[]> {
  const sites = new Set([...await folders(s3, bucket, ''), ...await folders(s3, bucket, STATUS_PREFIX)]);
  if (summary) for (const site of Object.keys(summary.sites)) sites.add(site);
  return [...sites].filter(s => SITE_SLUG.test(s)).sort();
}

/** How long a run may take from its start to its upload: a rebuild keeps runs this recent that its listing missed. */
const IN_FLIGHT_MS = 6 * 3600_000;

/**
 * Every site's file rebuilt from a full listing of the bucket (each with a compare-and-swap of
 * its own, so updates may run meanwhile), keeping what the site's file and its status records
 * know of each run. Returns the sites' summaries.
 */
async function rebuildSites(s3: S3Client, location: IndexLocation, log: Log): Promise<Map<string, SiteSummary>> {
  const summary = await readJson(s3, location.bucket, SUMMARY_KEY, parseSummary, SUMMARY_FIELDS);
  const sites = await sitesOfBucket(s3, location.bucket, 'value' in summary ? summary.value : undefined);
  const entries = new Map<string, SiteSummary>();
  let next = 0;
  const worker = async () => {
    while (next < sites.length) {
      const site = sites[next++];
      const listedAt = nowOf(location)();
      const existing = await readJson(s3, location.bucket, siteIndexKey(site), text => parseSiteIndex(text, site), SITE_FIELDS);
      const { folders: siteFolders, statuses } = await siteFacts(s3, location.bucket, site, 'value' in existing ? existing.value.runs : [], listedAt);
      const recent = folderOf(new Date(listedAt.getTime() - IN_FLIGHT_MS));
      const index = await compareAndSwap(s3, location.bucket, siteSwap(site, nowOf(location), async () => [], current => {
        const rebuilt = reconcile(siteFolders, withKnown(current, statuses), cutoffOf(location));
        // Runs written by updates since the listing (their folders may be newer than it).
        const inFlight = current.filter(r => r.run >= recent && !rebuilt.some(b => b.run === r.run));
        return mergeRuns(rebuilt, inFlight, cutoffOf(location));
      }), log);
      entries.set(site, summaryOf(index));
      // The index comes first: a backfill that fails (a throttled read) is logged and retried by tomorrow's rebuild.
      await backfillExtracts(s3, location.bucket, site, index.runs, nowOf(location)(), log, location.retentionDays)
        .catch((error: any) => log({ backfillFailed: site, error: `${error?.name}: ${error?.message}` }));
    }
  };
  await Promise.all(Array.from({ length: REBUILD_CONCURRENCY }, worker));
  log({ rebuiltSites: sites.length });
  return entries;
}

/** Rebuild mode: every site's file and the summary, from a full listing of the bucket. */
export async function rebuildIndex(s3: S3Client, location: IndexLocation, log: Log): Promise<Summary> {
  const entries = await rebuildSites(s3, location, log);
  return compareAndSwap(s3, location.bucket, {
    key: SUMMARY_KEY,
    parse: parseSummary,
    fields: SUMMARY_FIELDS,
    rebuild: async () => withSiteSummaries(undefined, entries, location.retentionDays, true),
    change: current => withSiteSummaries(current, entries, location.retentionDays, true),
  }, log);
}

