import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Run, RUN_FOLDER, SITE_SLUG, Tree } from './tree';

/**
 * Durable run statuses: tree.json is an index that a rebuild recreates from the bucket, and a
 * run's status (failed, its exit code, a run that never uploaded a report) is not in the
 * report. So each stopped task's status is also written as a small object of its own, whose key
 * carries the status: a rebuild restores every status from one listing (1000 runs a call),
 * reading objects only for failed runs' reasons. The prefix starts with '.', which no site slug
 * does, so it never reads as a site.
 *   .cdk-sitespeed/runs/<site>/<run>~<status>~<exitCode>~<report|no-report>.json
 */
export const STATUS_PREFIX = '.cdk-sitespeed/runs/';

const STATUS_KEY = /^([^/]+)\/(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})~(ok|failed|unknown)~(\d*)~(report|no-report)\.json$/;

export function statusKey(site: string, run: Run): string {
  return `${STATUS_PREFIX}${site}/${run.run}~${run.status}~${run.exitCode ?? ''}~${run.report === false ? 'no-report' : 'report'}.json`;
}

export async function recordStatus(s3: S3Client, bucket: string, site: string, run: Run): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: statusKey(site, run), Body: JSON.stringify(run), ContentType: 'application/json' }));
}

/** Every recorded status, by site; the latest record of a run wins. */
export async function durableStatuses(s3: S3Client, bucket: string): Promise<Map<string, Run[]>> {
  const found = new Map<string, Map<string, { run: Run; key: string; at: number }>>();
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: STATUS_PREFIX, ContinuationToken }));
    for (const object of page.Contents ?? []) {
      const m = STATUS_KEY.exec(object.Key!.slice(STATUS_PREFIX.length));
      if (!m || !SITE_SLUG.test(m[1]) || !RUN_FOLDER.test(m[2])) continue;
      const [, site, folder, status, exitCode, report] = m;
      const run: Run = {
        run: folder,
        status: status as Run['status'],
        ...(exitCode !== '' ? { exitCode: Number(exitCode) } : {}),
        ...(report === 'no-report' ? { report: false } : {}),
      };
      const at = object.LastModified?.getTime() ?? 0;
      const runs = found.get(site) ?? new Map();
      found.set(site, runs);
      const previous = runs.get(folder);
      if (!previous || previous.at <= at) runs.set(folder, { run, key: object.Key!, at });
    }
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);

  const bySite = new Map<string, Run[]>();
  for (const [site, runs] of found) {
    const restored: Run[] = [];
    for (const { run, key } of runs.values()) {
      // The reason is in the object only: read it for failed runs, which are few.
      if (run.status === 'failed') {
        try {
          const body = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString());
          if (typeof body?.reason === 'string') {
            restored.push({ ...run, reason: body.reason });
            continue;
          }
        } catch {
          // A status object that cannot be read still gives what its key says.
        }
      }
      restored.push(run);
    }
    bySite.set(site, restored);
  }
  return bySite;
}

/** `tree` with what the durable statuses know added where the tree knows less (absent or unknown). */
export function withStatuses(tree: Tree, statuses: Map<string, Run[]>): Tree {
  const sites: Record<string, Run[]> = { ...tree.sites };
  for (const [site, recorded] of statuses) {
    const own = Object.prototype.hasOwnProperty.call(sites, site) ? sites[site] : [];
    const runs = new Map(own.map(r => [r.run, r]));
    for (const run of recorded) {
      const known = runs.get(run.run);
      if (!known || known.status === 'unknown') runs.set(run.run, { ...known, ...run });
    }
    sites[site] = [...runs.values()].sort((a, b) => (a.run < b.run ? -1 : a.run > b.run ? 1 : 0));
  }
  return { version: 1, sites };
}
