/**
 * One JSON object in S3 read, changed and written with a compare-and-swap: the report index
 * (lambda-src/report-index) and the deploy markers (lambda-src/deploy-marker) share it.
 */
import { CopyObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { isLostRace } from './s3-claim';
import { INDEX_PREFIX, KEPT_PREFIX } from '../../src/contract/report-keys';
import { folderOf } from '../../src/contract/run-folders';

type Log = (line: object) => void;

/** Conditional writes lost to another writer are retried this many times, then the update fails loudly. */
export const MAX_ATTEMPTS = 10;

type Current<T> = { value: T; etag: string; unknown?: string[] } | { missing: true } | { corrupt: true; etag: string };

export async function readJson<T>(s3: S3Client, bucket: string, key: string, parse: (text: string) => T | undefined,
  fields: string[]): Promise<Current<T>> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = await object.Body!.transformToString();
    const value = parse(text);
    if (value === undefined) return { corrupt: true, etag: object.ETag! };
    // Fields this version does not know (a newer writer's) would be dropped by the rewrite: keep the object as it was first.
    const unknown = Object.keys(value as object).filter(k => !fields.includes(k));
    return { value, etag: object.ETag!, ...(unknown.length > 0 ? { unknown } : {}) };
  } catch (error: any) {
    if (error?.name === 'NoSuchKey' || error?.$metadata?.httpStatusCode === 404) return { missing: true };
    throw error;
  }
}

/** Copies a file this version cannot rewrite without loss to .cdk-sitespeed/index/kept/. */
async function keepAside(s3: S3Client, bucket: string, key: string, kind: string): Promise<string> {
  // Index files keep their path under the index (kept/sites/shop…); other files theirs under .cdk-sitespeed/ (kept/regressions/shop…).
  const path = key.startsWith(INDEX_PREFIX) ? key.slice(INDEX_PREFIX.length) : key.replace(/^\.cdk-sitespeed\//, '');
  const copy = `${KEPT_PREFIX}${path.replace(/\.json$/, '')}.${kind}-${folderOf(new Date())}.json`;
  await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: copy, CopySource: `${bucket}/${encodeURIComponent(key)}` }));
  return copy;
}

export const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

export interface Swap<T> {
  readonly key: string;
  readonly parse: (text: string) => T | undefined;
  /** The top-level fields this version writes. */
  readonly fields: string[];
  /** What to start from when the object is missing or corrupt (computed once per call, however many races it loses). */
  readonly rebuild: () => Promise<T>;
  readonly change: (current: T) => T;
}

/**
 * Read, change and write one index file with a compare-and-swap: If-Match the ETag read, or
 * If-None-Match * when there is none. A lost race reads again; past MAX_ATTEMPTS it throws. A
 * missing or corrupt file is rebuilt from the bucket, never blindly overwritten (a corrupt one,
 * or one with fields this version does not know, is copied to .cdk-sitespeed/index/kept/ first).
 */
export async function compareAndSwap<T>(s3: S3Client, bucket: string, swap: Swap<T>, log: Log): Promise<T> {
  let rebuilt: T | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = await readJson(s3, bucket, swap.key, swap.parse, swap.fields);
    let base: T;
    if ('value' in current) {
      base = current.value;
      if (current.unknown) log({ indexKept: swap.key, why: `unknown fields ${current.unknown.join(', ')}`, keptAs: await keepAside(s3, bucket, swap.key, 'kept') });
    } else {
      if ('corrupt' in current) log({ indexCorrupt: swap.key, keptAs: await keepAside(s3, bucket, swap.key, 'corrupt') });
      else log({ indexMissing: swap.key });
      rebuilt ??= await swap.rebuild();
      base = rebuilt;
    }
    const next = swap.change(base);
    try {
      await s3.send(new PutObjectCommand({
        Bucket: bucket,
        Key: swap.key,
        Body: JSON.stringify(next),
        ContentType: 'application/json',
        CacheControl: 'no-cache',
        ...('missing' in current ? { IfNoneMatch: '*' } : { IfMatch: current.etag }),
      }));
      return next;
    } catch (error) {
      if (!isLostRace(error)) throw error;
      const pause = Math.random() * Math.min(2000, 50 * 2 ** attempt);
      log({ lostRace: attempt, key: swap.key, retryInMs: Math.round(pause) });
      await sleep(pause);
    }
  }
  throw new Error(`${swap.key}: gave up after ${MAX_ATTEMPTS} conditional writes lost to other writers`);
}
