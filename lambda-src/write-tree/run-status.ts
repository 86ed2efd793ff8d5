import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Run } from './index-files';
import { RUN_FOLDER, SITE_SLUG } from './tree';

/**
 * Durable run statuses: the index is rebuilt from the bucket, and a run's status (failed, its
 * exit code and reason, its failing budget checks, a run that never uploaded a report) is not in
 * the report. So each stopped run's status is also written as a small object of its own, whose
 * key carries the status: a rebuild restores every status from one listing (1000 runs a call),
 * reading objects only for failed runs the index does not already know. The prefix starts with
 * '.', which no site slug does, so it never reads as a site.
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

/**
 * Every recorded status (of one site, or of all), by site; the latest record of a run wins.
 * `known` says which failed runs need no read of their record (the index has their details).
 */
export async function durableStatuses(s3: S3Client, bucket: string, options: { site?: string; known?: (site: string, run: string) => boolean } = {}):
Promise<Map<string, Run[]>> {
  const found = new Map<string, Map<string, { run: Run; key: string; at: number }>>();
  const prefix = options.site ? `${STATUS_PREFIX}${options.site}/` : STATUS_PREFIX;
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
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
      restored.push(run.status === 'failed' && !options.known?.(site, run.run) ? { ...run, ...await detailsOf(s3, bucket, key) } : run);
    }
    bySite.set(site, restored);
  }
  return bySite;
}

/** A failed run's reason and budget checks, which only its record's body holds. */
async function detailsOf(s3: S3Client, bucket: string, key: string): Promise<Partial<Run>> {
  try {
    const body = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString());
    return {
      ...(typeof body?.reason === 'string' ? { reason: body.reason } : {}),
      ...(Array.isArray(body?.budget) ? { budget: body.budget } : {}),
      ...(body?.rerun === true ? { rerun: true } : {}),
    };
  } catch {
    // A status object that cannot be read still gives what its key says.
    return {};
  }
}
