import { gzipSync } from 'zlib';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BACKFILL_PER_SITE, backfillExtracts, writeExtract } from '../../lambda-src/report-index/run-extract';
import { rebuildIndex } from '../../lambda-src/report-index/s3-index';
import { extractKey, EXTRACTS_PREFIX } from '../../src/contract/report-keys';
import { RunExtract } from '../../src/contract/run-extracts';
import { motoClientConfig, resetMoto } from '../harness/moto';
import { harOf } from '../lambda/fixtures/har';

// The run extract against a real S3 API (moto): the HARs as sitespeed.io's s3 plugin uploads them.
const s3 = new S3Client(motoClientConfig());
const RUN = '2026-12-06-10-00-03';
const lines: object[] = [];
const log = (line: object) => lines.push(line);

async function put(key: string, body: string | Buffer): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: 'reports', Key: key, Body: body }));
}
async function extractOf(site: string, run: string): Promise<RunExtract> {
  return JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: 'reports', Key: extractKey(site, run) }))).Body!.transformToString());
}

beforeEach(async () => {
  await resetMoto();
  await s3.send(new CreateBucketCommand({ Bucket: 'reports' }));
  lines.length = 0;
});

test('every URL\'s HAR of the run, plain or gzipped, becomes one extract beside the index; the report\'s other files are not read', async () => {
  await put(`shop/${RUN}/index.html`, 'report');
  await put(`shop/${RUN}/pages/shop_example_com/data/browsertime.har`, JSON.stringify(harOf('https://shop.example.com/', [{ lcp: 800 }, { lcp: 1000 }, { lcp: 900 }])));
  await put(`shop/${RUN}/pages/shop_example_com/cart/data/browsertime.har.gz`, gzipSync(JSON.stringify(harOf('https://shop.example.com/cart', [{ lcp: 500 }, { lcp: 700 }, { lcp: 600 }]))));
  await put(`shop/${RUN}/pages/shop_example_com/data/screenshots/1/afterPageCompleteCheck.png`, 'png');
  await put('shop/2026-12-06-11-00-00/pages/shop_example_com/data/browsertime.har', 'another run: not read');

  const extract = await writeExtract(s3, 'reports', { site: 'shop', run: RUN, status: 'ok', rerun: false }, log);
  expect(await extractOf('shop', RUN)).toEqual(extract);
  expect(extract!.pages.map(p => [p.url, p.medians.largestContentfulPaint])).toEqual([['https://shop.example.com/', 900], ['https://shop.example.com/cart', 600]]);
  expect(extract!.setup).toEqual({
    browser: 'Chrome', browserVersion: '131.0.6778.85', harCreator: 'chrome-har 1.3.1', connectivity: 'native', iterations: 3, urls: ['https://shop.example.com/', 'https://shop.example.com/cart'],
  });
  expect(extract!.problems).toEqual([]);
  expect(lines).toEqual([{ extract: `s3://reports/${extractKey('shop', RUN)}`, pages: 2, problems: 0 }]);
});

test('the same event twice writes the same extract once more, not a second one', async () => {
  await put(`shop/${RUN}/pages/a/data/browsertime.har`, JSON.stringify(harOf('https://a.example/', [{ lcp: 800 }])));
  const first = await writeExtract(s3, 'reports', { site: 'shop', run: RUN, status: 'budget failed', rerun: true }, log);
  const second = await writeExtract(s3, 'reports', { site: 'shop', run: RUN, status: 'budget failed', rerun: true }, log);
  expect(second).toEqual(first);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'reports', Prefix: EXTRACTS_PREFIX }));
  expect(listed.Contents!.map(o => o.Key)).toEqual([extractKey('shop', RUN)]);
  expect((await extractOf('shop', RUN)).rerun).toBe(true);
});

test('a corrupt HAR is named in problems and the other URLs are kept; a run without HARs says why it has no pages', async () => {
  await put(`shop/${RUN}/pages/a/data/browsertime.har`, JSON.stringify(harOf('https://a.example/', [{ lcp: 800 }])));
  await put(`shop/${RUN}/pages/b/data/browsertime.har`, '{"log": {"pages": [');
  await put(`shop/${RUN}/pages/c/data/browsertime.har.gz`, Buffer.from([0x1f, 0x8b, 1, 2, 3]));
  await put(`shop/${RUN}/pages/d/data/browsertime.har`, '{"not": "a har"}');
  const extract = (await writeExtract(s3, 'reports', { site: 'shop', run: RUN, status: 'ok', rerun: false }, log))!;
  expect(extract.pages.map(p => p.url)).toEqual(['https://a.example/']);
  expect(extract.problems).toHaveLength(3);
  expect(extract.problems[0]).toMatch(new RegExp(`^shop/${RUN}/pages/b/data/browsertime.har: unreadable \\(`));
  expect(extract.problems[1]).toMatch(new RegExp(`^shop/${RUN}/pages/c/data/browsertime.har.gz: unreadable \\(`));
  expect(extract.problems[2]).toBe(`shop/${RUN}/pages/d/data/browsertime.har: not a HAR: no log.pages`);

  const none = (await writeExtract(s3, 'reports', { site: 'blog', run: RUN, status: 'ok', rerun: false }, log))!;
  expect(none.pages).toEqual([]);
  expect(none.setup).toBeUndefined();
  expect(none.problems).toEqual([`no HAR under blog/${RUN}/pages/ (a run with --browsertime.skipHar has none)`]);
  expect(await extractOf('blog', RUN)).toEqual(none);
});

test('a run without a report folder has no extract; an S3 error other than a missing object fails the call, so the event is retried', async () => {
  expect(await writeExtract(s3, 'reports', { site: 'shop', run: null, status: 'no report', rerun: false }, log)).toBeUndefined();
  expect((await s3.send(new ListObjectsV2Command({ Bucket: 'reports' }))).Contents).toBeUndefined();
  await expect(writeExtract(s3, 'no-such-bucket', { site: 'shop', run: RUN, status: 'ok', rerun: false }, log)).rejects.toThrow(/bucket/i);
});

describe('the daily rebuild writes the extracts that are missing (an event lost, or its retries ran out)', () => {
  const NOW = new Date('2026-12-06T12:00:00Z');
  const old = '2026-12-06-06-00-00';
  const recent = '2026-12-06-10-30-00';
  const runs = [
    { run: old, status: 'failed' as const, exitCode: 1, budget: [{ page: 'home', metric: 'LCP', value: '3 s', limit: '2 s' }] },
    { run: '2026-12-06-07-00-00', status: 'ok' as const },
    { run: '2026-12-06-08-00-00', status: 'failed' as const, report: false },
    { run: recent, status: 'ok' as const },
  ];

  test('old runs with a report and no extract get one, with the index\'s status; a run still in flight, one without report and one with an extract do not', async () => {
    await put(`shop/${old}/pages/a/data/browsertime.har`, JSON.stringify(harOf('https://a.example/', [{ lcp: 900 }])));
    await put(`shop/${recent}/pages/a/data/browsertime.har`, JSON.stringify(harOf('https://a.example/', [{ lcp: 900 }])));
    await put(extractKey('shop', '2026-12-06-07-00-00'), JSON.stringify({ kept: true }));
    expect(await backfillExtracts(s3, 'reports', 'shop', runs, NOW, log)).toBe(1);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'reports', Prefix: EXTRACTS_PREFIX }));
    expect(listed.Contents!.map(o => o.Key).sort()).toEqual([extractKey('shop', old), extractKey('shop', '2026-12-06-07-00-00')]);
    const written = await extractOf('shop', old);
    expect([written.status, written.pages.map(p => p.medians.largestContentfulPaint)]).toEqual(['budget failed', [900]]);
    expect(await extractOf('shop', '2026-12-06-07-00-00')).toEqual({ kept: true });
    expect(lines).toContainEqual({ backfilledExtracts: 1, site: 'shop' });
    // Nothing left to do: the next rebuild writes nothing.
    expect(await backfillExtracts(s3, 'reports', 'shop', runs, NOW, log)).toBe(0);
  });

  test('at most 20 a site a day, the newest first', async () => {
    const many = Array.from({ length: 25 }, (_, i) => ({ run: `2026-12-05-${String(i).padStart(2, '0')}-00-00`, status: 'ok' as const }));
    expect(await backfillExtracts(s3, 'reports', 'shop', many, NOW, log)).toBe(BACKFILL_PER_SITE);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'reports', Prefix: EXTRACTS_PREFIX }));
    expect(listed.Contents!.map(o => o.Key).sort()[0]).toBe(extractKey('shop', '2026-12-05-05-00-00'));
  });

  test('a rebuild of the index fills them in too, and a failing backfill does not fail the rebuild', async () => {
    await put(`shop/${old}/index.html`, 'report');
    await put(`shop/${old}/pages/a/data/browsertime.har`, JSON.stringify(harOf('https://a.example/', [{ lcp: 900 }])));
    await rebuildIndex(s3, { bucket: 'reports', retentionDays: null, now: () => NOW }, log);
    expect((await extractOf('shop', old)).pages).toHaveLength(1);

    const failing = new S3Client(motoClientConfig());
    failing.middlewareStack.add(next => async (args: any) => {
      if (args.input?.Prefix?.startsWith(EXTRACTS_PREFIX)) throw Object.assign(new Error('Rate exceeded'), { name: 'SlowDown' });
      return next(args);
    }, { step: 'initialize', name: 'slowDownExtractListing' });
    await put(`blog/${old}/index.html`, 'report');
    await expect(rebuildIndex(failing, { bucket: 'reports', retentionDays: null, now: () => NOW }, log)).resolves.toBeDefined();
    expect(lines).toContainEqual({ backfillFailed: 'blog', error: 'SlowDown: Rate exceeded' });
  });
});
