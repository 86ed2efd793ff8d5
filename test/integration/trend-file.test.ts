import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { updateTrend } from '../../lambda-src/report-index/trend-file';
import { extractKey, KEPT_PREFIX, trendKey } from '../../src/contract/report-keys';
import { RunExtract } from '../../src/contract/run-extracts';
import { TrendFile } from '../../src/contract/trends';
import { motoClientConfig, resetMoto } from '../harness/moto';
import { extract } from '../lambda/fixtures/extracts';

// The trend file as reportIndex keeps it, against a real S3 API (moto): run by run, copies, failed
// runs, and a corrupt file rebuilt from the site's extracts.
const s3 = new S3Client(motoClientConfig());
const lines: object[] = [];
const log = (line: object) => lines.push(line);
const trend = async (): Promise<TrendFile> =>
  JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: 'reports', Key: trendKey('shop') }))).Body!.transformToString());
const stored = (e: RunExtract) => s3.send(new PutObjectCommand({ Bucket: 'reports', Key: extractKey(e.site, e.run), Body: JSON.stringify(e) }));

beforeEach(async () => {
  await resetMoto();
  await s3.send(new CreateBucketCommand({ Bucket: 'reports' }));
  lines.length = 0;
});

test('each measured run adds its URLs\' rows once; a failed run or one without pages adds nothing', async () => {
  await updateTrend(s3, 'reports', extract(0), 90, log);
  await updateTrend(s3, 'reports', extract(1), 90, log);
  await updateTrend(s3, 'reports', extract(1), 90, log);
  expect(await updateTrend(s3, 'reports', extract(2, { status: 'failed' }), 90, log)).toBeUndefined();
  expect(await updateTrend(s3, 'reports', { ...extract(3), pages: [] }, 90, log)).toBeUndefined();
  const file = await trend();
  expect(file.runs.map(r => [r[0], r[1]])).toEqual([[extract(0).run, 0], [extract(0).run, 1], [extract(1).run, 0], [extract(1).run, 1]]);
  expect(file.runs[0][2]).toBe(extract(0).pages[0].medians.largestContentfulPaint);
});

test('a corrupt trend file is kept aside and rebuilt from the site\'s extracts, a corrupt extract skipped', async () => {
  for (const i of [0, 1, 2]) {
    await stored(extract(i));
    await updateTrend(s3, 'reports', extract(i), 90, log);
  }
  const intact = await trend();
  await s3.send(new PutObjectCommand({ Bucket: 'reports', Key: trendKey('shop'), Body: '{"version": 1, "site": "shop", "runs": [' }));
  await s3.send(new PutObjectCommand({ Bucket: 'reports', Key: extractKey('shop', '2026-11-01-00-30-00'), Body: 'not json' }));
  await stored(extract(3));
  await updateTrend(s3, 'reports', extract(3), 90, log);
  const rebuilt = await trend();
  expect(rebuilt.runs.slice(0, intact.runs.length)).toEqual(intact.runs);
  expect(rebuilt.runs.map(r => r[0])).toContain(extract(3).run);
  const kept = await s3.send(new ListObjectsV2Command({ Bucket: 'reports', Prefix: `${KEPT_PREFIX}trends/shop.corrupt-` }));
  expect(kept.Contents).toHaveLength(1);
  expect(lines).toContainEqual(expect.objectContaining({ extractSkipped: extractKey('shop', '2026-11-01-00-30-00') }));
  expect(lines).toContainEqual({ trendRebuilt: 'shop', runs: 3 });
});
