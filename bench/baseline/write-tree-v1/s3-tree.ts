import { CopyObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { durableStatuses, recordStatus, withStatuses } from './run-status';
import { emptyTree, folderOf, folderOfTask, mergeSite, parseTree, Run, RUN_FOLDER, runsOf, SITE_SLUG, Tree } from './tree';
import { StoppedTask } from '../../../lambda-src/shared/task-event';

export interface TreeLocation {
  readonly bucket: string;
  /** @default 'tree.json' */
  readonly key: string;
}

/** Conditional writes lost to another writer are retried this many times, then the update fails loudly. */
export const MAX_ATTEMPTS = 10;

type Current = { tree: Tree; etag: string; keepAside?: string } | { missing: true } | { corrupt: string; etag: string };

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

/** The run folders of one site: one listing of its prefix, whatever the number of sites. */
export async function runFolders(s3: S3Client, bucket: string, site: string): Promise<string[]> {
  return (await folders(s3, bucket, `${site}/`)).filter(f => RUN_FOLDER.test(f)).sort();
}

async function readTree(s3: S3Client, location: TreeLocation): Promise<Current> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
    const text = await object.Body!.transformToString();
    const tree = parseTree(text);
    if (!tree) return { corrupt: text, etag: object.ETag! };
    // Fields this version does not know (a newer writer's) would be dropped by the rewrite: keep
    // the object as it was first.
    const unknown = Object.keys(JSON.parse(text)).filter(k => k !== 'version' && k !== 'sites');
    return { tree, etag: object.ETag!, ...(unknown.length > 0 ? { keepAside: `unknown fields ${unknown.join(', ')}` } : {}) };
  } catch (error: any) {
    if (error?.name === 'NoSuchKey' || error?.$metadata?.httpStatusCode === 404) return { missing: true };
    throw error;
  }
}

/**
 * Another writer won: the ETag changed (412), a write was in flight (409), or the tree was
 * deleted since it was read (If-Match on a missing key: 404). Each is read again and retried.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
function isLostRace(error: any): boolean {
  const status = error?.$metadata?.httpStatusCode;
  return status === 412 || status === 409 || status === 404 ||
    ['PreconditionFailed', 'ConditionalRequestConflict', 'NoSuchKey'].includes(error?.name);
}

async function keepAside(s3: S3Client, location: TreeLocation, kind: string): Promise<string> {
  const copy = location.key.replace(/\.json$/, '') + `.${kind}-${folderOf(new Date())}.json`;
  await s3.send(new CopyObjectCommand({ Bucket: location.bucket, Key: copy, CopySource: `${location.bucket}/${encodeURIComponent(location.key)}` }));
  return copy;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/**
 * Read, change and write tree.json with a compare-and-swap: If-Match the ETag read, or
 * If-None-Match * when there is none. A lost race reads again; past MAX_ATTEMPTS it throws.
 * A missing or corrupt tree is rebuilt from the whole bucket, never blindly overwritten (a
 * corrupt one is kept as tree.corrupt-<time>.json first).
 */
async function compareAndSwap(s3: S3Client, location: TreeLocation, change: (tree: Tree) => Tree, log: (line: object) => void): Promise<Tree> {
  // A rebuild lists the whole bucket: once per invocation, however many races it loses.
  let rebuilt: Tree | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = await readTree(s3, location);
    let base: Tree;
    if ('tree' in current) {
      base = current.tree;
      if (current.keepAside) log({ treeKept: location.key, why: current.keepAside, keptAs: await keepAside(s3, location, 'kept') });
    } else {
      if ('corrupt' in current) {
        log({ treeCorrupt: location.key, keptAs: await keepAside(s3, location, 'corrupt') });
      } else {
        log({ treeMissing: location.key });
      }
      rebuilt ??= treeOfListing(await listSiteFolders(s3, location.bucket), withStatuses(emptyTree(), await durableStatuses(s3, location.bucket)));
      base = rebuilt;
    }
    const next = change(base);
    try {
      await s3.send(new PutObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        Body: JSON.stringify(next),
        ContentType: 'application/json',
        CacheControl: 'no-cache',
        ...('missing' in current ? { IfNoneMatch: '*' } : { IfMatch: current.etag }),
      }));
      return next;
    } catch (error) {
      if (!isLostRace(error)) throw error;
      const pause = Math.random() * Math.min(2000, 50 * 2 ** attempt);
      log({ lostRace: attempt, retryInMs: Math.round(pause) });
      await sleep(pause);
    }
  }
  throw new Error(`tree.json: gave up after ${MAX_ATTEMPTS} conditional writes lost to other writers`);
}

/** The run of a stopped task, matched to the folder it uploaded (if any). */
export function runOfTask(task: StoppedTask, siteFolders: string[]): Run {
  const status = task.exitCode === 0 ? 'ok' : 'failed';
  const folder = folderOfTask(siteFolders, task.startedAt, task.stoppedAt);
  const facts = {
    status,
    ...(task.exitCode !== undefined ? { exitCode: task.exitCode } : {}),
    ...(task.reason ? { reason: task.reason } : {}),
  } as const;
  return folder ? { run: folder, ...facts } : { run: folderOf(task.startedAt), ...facts, report: false };
}

/** Incremental: one site's listing, one read and one write of tree.json (more only on lost races). */
export async function updateSite(s3: S3Client, location: TreeLocation, task: StoppedTask, log: (line: object) => void): Promise<Run> {
  const siteFolders = await runFolders(s3, location.bucket, task.site);
  const run = runOfTask(task, siteFolders);
  // First the durable record, so a rebuild knows this run's status even if the tree write fails.
  await recordStatus(s3, location.bucket, task.site, run);
  await compareAndSwap(s3, location, tree => mergeSite(tree, task.site, siteFolders, run), log);
  return run;
}

/** Every site's run folders, from a full listing of the bucket. */
async function listSiteFolders(s3: S3Client, bucket: string): Promise<Map<string, string[]>> {
  const listing = new Map<string, string[]>();
  for (const site of (await folders(s3, bucket, '')).filter(s => SITE_SLUG.test(s)).sort()) {
    listing.set(site, await runFolders(s3, bucket, site));
  }
  return listing;
}

/**
 * The tree of a full listing, keeping what `known` says of each listed run. Sites whose only runs
 * failed before uploading have no folder, but stay.
 */
function treeOfListing(listing: Map<string, string[]>, known: Tree): Tree {
  const sites = new Set([...listing].filter(([, found]) => found.length > 0).map(([site]) => site));
  for (const [site, runs] of Object.entries(known.sites)) if (runs.some(r => r.report === false)) sites.add(site);
  let tree: Tree = { version: 1, sites: {} };
  for (const site of [...sites].sort()) {
    tree = mergeSite({ version: 1, sites: { ...tree.sites, [site]: runsOf(known, site) } }, site, listing.get(site) ?? []);
  }
  return tree;
}

/** Rebuild mode: the whole tree from a full listing, keeping what the current tree knows of each run. */
export async function rebuildTree(s3: S3Client, location: TreeLocation, log: (line: object) => void): Promise<Tree> {
  const listing = await listSiteFolders(s3, location.bucket);
  const statuses = await durableStatuses(s3, location.bucket);
  return compareAndSwap(s3, location, current => treeOfListing(listing, withStatuses(current, statuses)), log);
}
