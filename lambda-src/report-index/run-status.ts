import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Run } from '../../src/contract/report-index';
import { STATUS_PREFIX } from '../../src/contract/report-keys';
import { isRunFolder } from '../../src/contract/run-folders';

/**
 * Durable run statuses: the index is rebuilt from the bucket, and a run's status (failed, its
 * exit code and reason, its failing budget checks, a run that never uploaded a report) is not in
 * the report. So each stopped run's status is also written as a small object of its own, whose
 * key carries the status: a rebuild restores every status from one listing (1000 runs a call),
 * reading objects only for failed runs the index does not already know. The prefix starts with
 * '.', which no site slug does, so it never reads as a site.
 *   .cdk-sitespeed/runs/<site>/<run>~<status>~<exitCode>~<report|no-report>[~rerun].json
 */

// `~rerun` marks a confirmation run, so a rebuild (which reads no body of an ok run) keeps it marked.
const STATUS_KEY = /^([^/]+)\/(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})~(ok|failed|unknown)~(\d*)~(report|no-report)(~rerun)?\.json$/;

export function statusKey(site: string, run: Run): string {
  return `${STATUS_PREFIX}${site}/${run.run}~${run.status}~${run.exitCode ?? ''}~${run.report === false ? 'no-report' : 'report'}${run.rerun ? '~rerun' : ''}.json`;
}

export async function recordStatus(s3: S3Client, bucket: string, site: string, run: Run): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: statusKey(site, run), Body: JSON.stringify(run), ContentType: 'application/json' }));
}

/**
 * Every recorded status of one site (all pages); the latest record of a run wins. A record's body
 * (reason, budget checks) is read only for failed runs that `known` (what the index has) does not
 * already have as failed.
 */
export async function durableStatuses(s3: S3Client, bucket: string, site: string, known: Run[], now: Date = new Date()): Promise<Run[]> {
  const found = new Map<string, { run: Run; key: string; at: number }>();
  const prefix = `${STATUS_PREFIX}${site}/`;
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    for (const object of page.Contents ?? []) {
      const m = STATUS_KEY.exec(object.Key!.slice(STATUS_PREFIX.length));
      if (!m || m[1] !== site || !isRunFolder(m[2], now)) continue;
      const [, , folder, status, exitCode, report, rerun] = m;
      const run: Run = {
        run: folder,
        status: status as Run['status'],
        ...(exitCode !== '' ? { exitCode: Number(exitCode) } : {}),
        ...(report === 'no-report' ? { report: false } : {}),
        ...(rerun ? { rerun: true } : {}),
      };
      const at = object.LastModified?.getTime() ?? 0;
      const previous = found.get(folder);
      if (!previous || previous.at <= at) found.set(folder, { run, key: object.Key!, at });
    }
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);

  const knownFailed = new Set(known.filter(r => r.status === 'failed').map(r => r.run));
  const restored: Run[] = [];
  for (const { run, key } of found.values()) {
    restored.push(run.status === 'failed' && !knownFailed.has(run.run) ? { ...run, ...await detailsOf(s3, bucket, key) } : run);
  }
  return restored;
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
