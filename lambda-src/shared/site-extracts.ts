/**
 * A site's run extracts read back (src/contract/run-extracts.ts), oldest first: what a derived
 * file (the regression detector's, the trend file) is rebuilt from when it is lost or corrupt. An
 * extract that cannot be read as one is skipped and logged: it can neither crash a rebuild nor
 * be charted or judged.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { keysUnder } from './s3-keys';
import { extractKey, EXTRACTS_PREFIX } from '../../src/contract/report-keys';
import { RunExtract } from '../../src/contract/run-extracts';

/** Extracts read at once. */
const CONCURRENCY = 8;

/** The newest `limit` extracts of a site but `leaveOut`, oldest first. */
export async function siteExtracts(s3: S3Client, bucket: string, site: string, options: { leaveOut?: string; limit?: number },
  log: (line: object) => void): Promise<RunExtract[]> {
  const prefix = `${EXTRACTS_PREFIX}${site}/`;
  const runs = (await keysUnder(s3, bucket, prefix)).map(k => k.slice(prefix.length).replace(/\.json$/, ''))
    .filter(r => r !== options.leaveOut).sort().slice(-(options.limit ?? Infinity));
  const extracts: (RunExtract | undefined)[] = new Array(runs.length);
  let next = 0;
  const worker = async () => {
    while (next < runs.length) {
      const i = next++;
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: extractKey(site, runs[i]) }));
        const value = JSON.parse(await object.Body!.transformToString());
        if (value?.version !== 1 || value.run !== runs[i] || !Array.isArray(value.pages)) throw new SyntaxError('not a run extract');
        extracts[i] = value;
      } catch (error: any) {
        if (error?.name !== 'SyntaxError' && error?.name !== 'NoSuchKey') throw error;
        log({ extractSkipped: extractKey(site, runs[i]), why: error.message });
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return extracts.filter((e): e is RunExtract => e !== undefined);
}
