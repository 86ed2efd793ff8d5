import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { folderOf, folderOfTask } from '../../src/contract/run-folders';

/**
 * The report folder a run wrote (`<site>/<YYYY-MM-DD-HH-mm-ss>/`): one listing of the site's
 * folders from a minute before the run started (StartAfter), whatever the number of earlier
 * runs. Shared by the run outcomes and the check command.
 */
export async function runFolderOf(s3: S3Client, bucket: string, run: { site: string; startedAt: Date; stoppedAt: Date }):
Promise<string | undefined> {
  const from = folderOf(new Date(run.startedAt.getTime() - 60_000));
  const listed = await s3.send(new ListObjectsV2Command({
    Bucket: bucket, Prefix: `${run.site}/`, Delimiter: '/', StartAfter: `${run.site}/${from}`, MaxKeys: 100,
  }));
  const folders = (listed.CommonPrefixes ?? []).map(p => p.Prefix!.slice(run.site.length + 1, -1));
  return folderOfTask(folders, run.startedAt, run.stoppedAt);
}
