import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { IndexLocation, rebuildIndex, updateRun } from '../../lambda-src/report-index/s3-index';
import { siteIndexKey, SITES_PREFIX, SUMMARY_KEY } from '../../src/contract/report-keys';
import { motoClientConfig, resetMoto } from '../harness/moto';

// reportIndex against a real S3 API (moto, which implements If-Match and If-None-Match on PutObject).
const s3 = new S3Client(motoClientConfig());
const calls: string[] = [];
s3.middlewareStack.add(next => async args => { calls.push((args as any).request?.method ?? '?'); return next(args); }, { step: 'finalizeRequest', name: 'countCalls' });
const NOW = new Date('2026-11-28T12:00:00Z');
const location: IndexLocation = { bucket: 'reports', retentionDays: null, now: () => NOW };
const quiet = () => {};

async function putRuns(site: string, folders: string[]): Promise<void> {
  for (let i = 0; i < folders.length; i += 50) {
    await Promise.all(folders.slice(i, i + 50).map(f => s3.send(new PutObjectCommand({ Bucket: 'reports', Key: `${site}/${f}/index.html`, Body: 'report' }))));
  }
}

async function read(key: string): Promise<any> {
  return JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: 'reports', Key: key }))).Body!.transformToString());
}
const runsOf = async (site: string) => (await read(siteIndexKey(site))).runs;
const summary = () => read(SUMMARY_KEY);

/** What the run outcome puts on the bus for a run of `site` that started at `started` (its folder a few seconds later). */
type Outcome = { exitCode?: number | null; folder?: string | null; reason?: string; budget?: object[]; rerun?: boolean };
function finished(site: string, started: string, options: Outcome = {}) {
  const startedAt = new Date(started);
  const exitCode = options.exitCode === undefined ? 0 : options.exitCode;
  const folder = options.folder !== undefined ? options.folder : new Date(startedAt.getTime() + 3000).toISOString().slice(0, 19).replace(/[T:]/g, '-');
  return {
    'detail-type': 'Sitespeed Run Finished',
    'detail': {
      version: 1,
      cluster: 'c',
      site,
      run: folder,
      status: folder === null ? 'no report' : exitCode === 0 ? 'ok' : options.budget ? 'budget failed' : 'failed',
      exitCode,
      reason: options.reason ?? null,
      failedBudgetChecks: options.budget ?? [],
      startedAt: startedAt.toISOString(),
      stoppedAt: new Date(startedAt.getTime() + 240_000).toISOString(),
      rerun: options.rerun ?? false,
    },
  };
}

/** The index files with each file's write counter left out (a rebuild counts its own writes). */
async function indexWithoutRevisions(): Promise<{ summary: any; sites: Record<string, any[]> }> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'reports', Prefix: SITES_PREFIX }));
  const sites: Record<string, any[]> = {};
  for (const object of listed.Contents ?? []) {
    const file = await read(object.Key!);
    if (file.runs.length > 0) sites[file.site] = file.runs;
  }
  const s = await summary();
  for (const entry of Object.values<any>(s.sites)) delete entry.revision;
  return { summary: s, sites };
}

const day = (n: number) => new Date(Date.UTC(2025, 10, 1) + n * 86_400_000).toISOString().slice(0, 10);

beforeEach(async () => {
  await resetMoto();
  await s3.send(new CreateBucketCommand({ Bucket: 'reports' }));
  calls.length = 0;
});
afterAll(() => s3.destroy());

test('an update records the status, then reads and writes the site\'s file and the summary once each: 5 calls, no listing', async () => {
  await putRuns('blog', ['2026-11-26-09-00-00']);
  await putRuns('shop', ['2026-11-26-08-15-02', '2026-11-27-08-15-03']);
  await rebuildIndex(s3, location, quiet); // an existing index, as in steady state
  calls.length = 0;
  const run = await updateRun(s3, location, finished('shop', '2026-11-27T08:15:00Z', { exitCode: 1 }), quiet);
  expect(run).toEqual({ site: 'shop', run: '2026-11-27-08-15-03', status: 'failed', exitCode: 1 });
  expect(calls).toEqual(['PUT', 'GET', 'PUT', 'GET', 'PUT']);
  expect(await runsOf('shop')).toEqual([{ run: '2026-11-26-08-15-02', status: 'unknown' }, { run: '2026-11-27-08-15-03', status: 'failed', exitCode: 1 }]);
  expect((await summary()).sites).toEqual({
    // Revisions: never below the write's time in ms (nextRevision), one more for the second write in that millisecond.
    blog: { revision: NOW.getTime(), runs: 1, first: '2026-11-26-09-00-00', last: { run: '2026-11-26-09-00-00', status: 'unknown' } },
    shop: { revision: NOW.getTime() + 1, runs: 2, first: '2026-11-26-08-15-02', last: { run: '2026-11-27-08-15-03', status: 'failed', exitCode: 1 } },
  });
});

test('hand-made and far-future folders are not runs: the summary\'s latest run stays the real one (before: 2099-… was the latest for ever)', async () => {
  await putRuns('shop', ['2026-11-27-08-15-03', '2026-13-45-99-99-99', '2099-01-01-00-00-00']);
  await rebuildIndex(s3, location, quiet);
  expect((await runsOf('shop')).map((r: { run: string }) => r.run)).toEqual(['2026-11-27-08-15-03']);
  expect((await summary()).sites.shop.last.run).toBe('2026-11-27-08-15-03');
  await expect(updateRun(s3, location, finished('shop', '2026-11-28T08:15:00Z', { folder: '2099-01-01-00-00-00' }), quiet))
    .rejects.toThrow('detail.run is "2099-01-01-00-00-00"; expected null or a run folder YYYY-MM-DD-HH-mm-ss: a real UTC time, not after tomorrow');
});

test('a confirmation run stays marked as one after a rebuild of its site\'s file (before: an ok re-run lost its mark)', async () => {
  await putRuns('shop', ['2026-11-27-08-15-03']);
  await updateRun(s3, location, finished('shop', '2026-11-27T08:15:00Z', { rerun: true }), quiet);
  expect((await runsOf('shop'))[0]).toMatchObject({ rerun: true });
  await s3.send(new DeleteObjectCommand({ Bucket: 'reports', Key: '.cdk-sitespeed/index/sites/shop.json' }));
  await rebuildIndex(s3, location, quiet);
  expect(await runsOf('shop')).toEqual([{ run: '2026-11-27-08-15-03', status: 'ok', exitCode: 0, rerun: true }]);
});

test('the summary never freezes: a site file restored from an older version, or lost, still moves the site\'s entry at its next run', async () => {
  let clock = NOW.getTime();
  const ticking: IndexLocation = { ...location, now: () => new Date(clock) };
  await putRuns('shop', ['2026-11-26-08-15-03']);
  await updateRun(s3, ticking, finished('shop', '2026-11-26T08:15:00Z', { exitCode: 0 }), quiet);
  const old = (await s3.send(new GetObjectCommand({ Bucket: 'reports', Key: '.cdk-sitespeed/index/sites/shop.json' }))).Body!;
  const oldText = await old.transformToString();
  // Many runs later (before: each write counted one, so the summary's revision ran far ahead).
  for (let i = 0; i < 3; i++) {
    clock += 60_000;
    await putRuns('shop', [`2026-11-27-0${i}-15-03`]);
    await updateRun(s3, ticking, finished('shop', `2026-11-27T0${i}:15:00Z`, { exitCode: 0 }), quiet);
  }
  // Restored from the older version (S3 versioning, a backup): its revision is the old, lower one.
  await s3.send(new PutObjectCommand({ Bucket: 'reports', Key: '.cdk-sitespeed/index/sites/shop.json', Body: oldText }));
  clock += 60_000;
  await putRuns('shop', ['2026-11-28-08-15-03']);
  await updateRun(s3, ticking, finished('shop', '2026-11-28T08:15:00Z', { exitCode: 1 }), quiet);
  expect((await summary()).sites.shop.last).toEqual({ run: '2026-11-28-08-15-03', status: 'failed', exitCode: 1 });
  // Lost: rebuilt from the bucket, and the summary follows it too.
  await s3.send(new DeleteObjectCommand({ Bucket: 'reports', Key: '.cdk-sitespeed/index/sites/shop.json' }));
  clock += 60_000;
  await putRuns('shop', ['2026-11-28-09-15-03']);
  await updateRun(s3, ticking, finished('shop', '2026-11-28T09:15:00Z', { exitCode: 0 }), quiet);
  expect((await summary()).sites.shop).toMatchObject({ last: { run: '2026-11-28-09-15-03', status: 'ok', exitCode: 0 } });
});

test('a failed budget is filed with its checks, which the viewer shows', async () => {
  await putRuns('docs', ['2026-11-27-12-30-05']);
  await updateRun(s3, location, finished('docs', '2026-11-27T12:30:02Z', {
    exitCode: 1,
    reason: 'Essential container in task exited',
    budget: [{ page: 'home', metric: 'Total Requests', type: 'requests', value: 42, limit: 30, limitType: 'max' }],
  }), quiet);
  expect(await runsOf('docs')).toEqual([{
    run: '2026-11-27-12-30-05',
    status: 'failed',
    exitCode: 1,
    reason: 'Essential container in task exited',
    budget: [{ page: 'home', metric: 'Total Requests', value: '42', limit: '30', limitType: 'max' }],
  }]);
});

test('a new site\'s file is built from its listing once; a missing summary from the whole bucket', async () => {
  await putRuns('blog', ['2026-11-26-09-00-00']);
  await putRuns('shop', ['2026-11-20-08-15-00', '2026-11-27-08-15-03']);
  await updateRun(s3, location, finished('shop', '2026-11-27T08:15:00Z'), quiet);
  expect(await runsOf('shop')).toEqual([{ run: '2026-11-20-08-15-00', status: 'unknown' }, { run: '2026-11-27-08-15-03', status: 'ok', exitCode: 0 }]);
  expect(Object.keys((await summary()).sites)).toEqual(['blog', 'shop']);
  expect(await runsOf('blog')).toEqual([{ run: '2026-11-26-09-00-00', status: 'unknown' }]);
});

test('a corrupt site file is kept aside and rebuilt, not overwritten blindly', async () => {
  await putRuns('shop', ['2026-11-27-08-15-03']);
  await s3.send(new PutObjectCommand({ Bucket: 'reports', Key: siteIndexKey('shop'), Body: '{"version":2,"site":"sh' }));
  const lines: any[] = [];
  await updateRun(s3, location, finished('shop', '2026-11-27T08:15:00Z'), l => lines.push(l));
  expect(await runsOf('shop')).toEqual([{ run: '2026-11-27-08-15-03', status: 'ok', exitCode: 0 }]);
  const kept = lines.find(l => l.indexCorrupt).keptAs;
  expect(kept).toMatch(/^\.cdk-sitespeed\/index\/kept\/sites\/shop\.corrupt-\d{4}-.*\.json$/);
  expect(await (await s3.send(new GetObjectCommand({ Bucket: 'reports', Key: kept }))).Body!.transformToString()).toBe('{"version":2,"site":"sh');
});

test('incremental updates and a rebuild give the same files', async () => {
  const sites = ['shop', 'blog', 'docs'];
  for (const [i, site] of sites.entries()) await putRuns(site, [`2026-11-2${i}-08-00-03`, `2026-11-2${i}-10-00-03`]);
  for (const [i, site] of sites.entries()) {
    await updateRun(s3, location, finished(site, `2026-11-2${i}T08:00:00Z`), quiet);
    await updateRun(s3, location, finished(site, `2026-11-2${i}T10:00:00Z`, { exitCode: i === 1 ? 1 : 0 }), quiet);
  }
  // A run that failed before it could upload a report.
  await updateRun(s3, location, finished('gone', '2026-11-25T08:00:00Z', { exitCode: 137, folder: null }), quiet);
  const incremental = await indexWithoutRevisions();
  // From nothing: the index deleted, only the bucket's reports and status records left.
  for (const key of [SUMMARY_KEY, ...['shop', 'blog', 'docs', 'gone'].map(siteIndexKey)]) await s3.send(new DeleteObjectCommand({ Bucket: 'reports', Key: key }));
  await rebuildIndex(s3, location, quiet);
  expect(await indexWithoutRevisions()).toEqual(incremental);
  expect(incremental.sites.gone).toEqual([{ run: '2026-11-25-08-00-00', status: 'failed', exitCode: 137, report: false }]);
  expect(incremental.summary.sites.blog.last).toEqual({ run: '2026-11-21-10-00-03', status: 'failed', exitCode: 1 });
});

test('a rebuild lists more than 1000 runs under one site (pagination)', async () => {
  const folders = Array.from({ length: 1100 }, (_, i) => `${day(i % 365)}-${String(8 + Math.floor(i / 365)).padStart(2, '0')}-00-00`);
  await putRuns('shop', folders);
  await rebuildIndex(s3, location, quiet);
  const runs = await runsOf('shop');
  expect(runs.map((r: any) => r.run)).toEqual([...folders].sort());
  expect((await summary()).sites.shop.runs).toBe(1100);
});

test('odd keys in the bucket neither break the listing nor become sites', async () => {
  await putRuns('shop', ['2026-11-27-08-15-03']);
  for (const key of ['my folder/2026-11-27-08-15-03/index.html', 'ünïcødé/x', 'a+b/2026-11-27-08-15-03/index.html', `${'x'.repeat(900)}/y`, 'shop/not a run/index.html', 'index.html']) {
    await s3.send(new PutObjectCommand({ Bucket: 'reports', Key: key, Body: 'x' }));
  }
  const rebuilt = await rebuildIndex(s3, location, quiet);
  expect(Object.keys(rebuilt.sites)).toEqual(['shop']);
  expect(await runsOf('shop')).toEqual([{ run: '2026-11-27-08-15-03', status: 'unknown' }]);
});

test('slugs every object answers to (constructor, toString, __proto__) are sites like any other', async () => {
  const odd = ['constructor', 'toString', '__proto__', 'hasOwnProperty'];
  for (const site of [...odd, 'shop']) await putRuns(site, ['2026-11-26-09-00-00']);
  await updateRun(s3, location, finished('constructor', '2026-11-26T08:59:30Z', { exitCode: 1, folder: '2026-11-26-09-00-00' }), quiet);
  await updateRun(s3, location, finished('__proto__', '2026-11-26T08:59:30Z', { folder: '2026-11-26-09-00-00' }), quiet);
  const text = await (await s3.send(new GetObjectCommand({ Bucket: 'reports', Key: SUMMARY_KEY }))).Body!.transformToString();
  const written = JSON.parse(text);
  expect(Object.keys(written.sites).sort()).toEqual([...odd, 'shop'].sort());
  expect(Object.getPrototypeOf(written.sites)).toBe(Object.prototype); // the JSON's __proto__ is a site, not a prototype
  expect(written.sites.constructor.last).toEqual({ run: '2026-11-26-09-00-00', status: 'failed', exitCode: 1 });
  expect(written.sites.__proto__.last).toEqual({ run: '2026-11-26-09-00-00', status: 'ok', exitCode: 0 });
  expect(await runsOf('toString')).toEqual([{ run: '2026-11-26-09-00-00', status: 'unknown' }]);
  await rebuildIndex(s3, location, quiet);
  expect((await runsOf('constructor'))[0].status).toBe('failed');
});

describe('reportIndex keeps what it cannot understand', () => {
  test('a summary with fields this version does not know is copied aside first, and its sites are kept', async () => {
    await putRuns('shop', ['2026-11-27-08-15-03']);
    await rebuildIndex(s3, location, quiet);
    const withExtra = JSON.stringify({ ...await summary(), owner: 'perf-team' });
    await s3.send(new PutObjectCommand({ Bucket: 'reports', Key: SUMMARY_KEY, Body: withExtra }));
    const lines: any[] = [];
    await updateRun(s3, location, finished('blog', '2026-11-27T09:00:00Z', { folder: null, exitCode: 1 }), l => lines.push(l));
    const line = lines.find(l => l.indexKept);
    expect(line).toMatchObject({ indexKept: SUMMARY_KEY, why: 'unknown fields owner', keptAs: expect.stringMatching(/^\.cdk-sitespeed\/index\/kept\/summary\.kept-\d{4}-.*\.json$/) });
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'reports', Key: line.keptAs }))).Body!.transformToString()).toBe(withExtra);
    expect(Object.keys((await summary()).sites).sort()).toEqual(['blog', 'shop']);
  });

  test('a missing summary whose creation loses races lists the bucket once, not once per attempt', async () => {
    await putRuns('blog', ['2026-11-26-09-00-00']);
    await putRuns('shop', ['2026-11-27-08-15-03']);
    let refused = 0;
    const lists: string[] = [];
    const racer = new S3Client(motoClientConfig());
    racer.middlewareStack.add(next => async args => {
      const input = args.input as any;
      if (input.IfNoneMatch && input.Key === SUMMARY_KEY && refused < 2) {
        refused++;
        throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
      }
      if ('Delimiter' in input || input.Prefix !== undefined) lists.push(`${input.Prefix ?? ''}|${input.Delimiter ?? ''}`);
      return next(args);
    }, { step: 'initialize', name: 'loseTwoCreates' });
    const lines: any[] = [];
    await updateRun(racer, location, finished('shop', '2026-11-27T08:15:00Z'), l => lines.push(l));
    racer.destroy();
    // Both creates refused: the rebuilder's own (rebuildOnce) and the update's next one.
    expect(refused).toBe(2);
    expect(lines.filter(l => l.lostRace).length).toBeGreaterThanOrEqual(1);
    // The root listing (every site) happened once; without the hoist it was once per attempt.
    expect(lists.filter(l => l === '|/').length).toBe(1);
    expect(Object.keys((await summary()).sites).sort()).toEqual(['blog', 'shop']);
  });

  test('a site file deleted between the read and the conditional write is a lost race: read again, rebuilt, written', async () => {
    await putRuns('shop', ['2026-11-27-08-15-03']);
    await rebuildIndex(s3, location, quiet);
    let deleted = false;
    const racer = new S3Client(motoClientConfig());
    racer.middlewareStack.add(next => async args => {
      if (!deleted && (args.input as any).IfMatch && (args.input as any).Key === siteIndexKey('shop')) {
        deleted = true;
        await s3.send(new DeleteObjectCommand({ Bucket: 'reports', Key: siteIndexKey('shop') }));
      }
      return next(args);
    }, { step: 'initialize', name: 'deleteBeforeWrite' });
    const lines: any[] = [];
    await updateRun(racer, location, finished('shop', '2026-11-27T08:15:00Z'), l => lines.push(l));
    racer.destroy();
    expect(deleted).toBe(true);
    expect(lines.some(l => l.lostRace === 1)).toBe(true);
    expect(await runsOf('shop')).toEqual([{ run: '2026-11-27-08-15-03', status: 'ok', exitCode: 0 }]);
  });
});

describe('durable run statuses', () => {
  test('a rebuild restores every status (failed with exit code, reason and budget; report-less runs) from the status records', async () => {
    await putRuns('shop', ['2026-11-26-08-15-02', '2026-11-27-08-15-03']);
    const budget = [{ page: 'home', metric: 'Total Requests', type: 'requests', value: 42, limit: 30, limitType: 'max' }];
    await updateRun(s3, location, finished('shop', '2026-11-27T08:15:00Z', { exitCode: 1, reason: 'Essential container in task exited', budget }), quiet);
    await updateRun(s3, location, finished('shop', '2026-11-26T08:14:59Z'), quiet);
    await updateRun(s3, location, finished('blog', '2026-11-27T10:00:00Z', { exitCode: 137, folder: null }), quiet);
    const before = await indexWithoutRevisions();
    for (const key of [SUMMARY_KEY, siteIndexKey('shop'), siteIndexKey('blog')]) await s3.send(new DeleteObjectCommand({ Bucket: 'reports', Key: key }));
    await rebuildIndex(s3, location, quiet);
    const after = await indexWithoutRevisions();
    expect(after).toEqual(before);
    expect(after.sites.shop).toEqual([
      { run: '2026-11-26-08-15-02', status: 'ok', exitCode: 0 },
      {
        run: '2026-11-27-08-15-03',
        status: 'failed',
        exitCode: 1,
        reason: 'Essential container in task exited',
        budget: [{ page: 'home', metric: 'Total Requests', value: '42', limit: '30', limitType: 'max' }],
      },
    ]);
    expect(after.sites.blog).toEqual([{ run: '2026-11-27-10-00-00', status: 'failed', exitCode: 137, report: false }]);
  });

  test('a daily rebuild of a current index reads no status record bodies', async () => {
    await putRuns('shop', ['2026-11-27-08-15-03']);
    await updateRun(s3, location, finished('shop', '2026-11-27T08:15:00Z', { exitCode: 1, reason: 'boom' }), quiet);
    const reads: string[] = [];
    const counting = new S3Client(motoClientConfig());
    counting.middlewareStack.add(next => async args => {
      if ((args.input as any).Key?.startsWith('.cdk-sitespeed/runs/') && !(args.input as any).Body) reads.push((args.input as any).Key);
      return next(args);
    }, { step: 'initialize', name: 'countReads' });
    await rebuildIndex(counting, location, quiet);
    counting.destroy();
    expect(reads).toEqual([]);
    expect((await runsOf('shop'))[0].reason).toBe('boom');
  });
});

describe('retention', () => {
  const kept90: IndexLocation = { bucket: 'reports', retentionDays: 90, now: () => NOW };

  test('an update drops the site\'s runs older than the retention; the summary counts what is left', async () => {
    await putRuns('shop', ['2026-08-01-08-00-03', '2026-08-31-08-00-03', '2026-11-27-08-00-03']);
    await rebuildIndex(s3, location, quiet); // kept for ever: all three
    expect((await runsOf('shop')).length).toBe(3);
    await updateRun(s3, kept90, finished('shop', '2026-11-28T08:00:00Z', { folder: '2026-11-28-08-00-03' }), quiet);
    expect((await runsOf('shop')).map((r: any) => r.run)).toEqual(['2026-08-31-08-00-03', '2026-11-27-08-00-03', '2026-11-28-08-00-03']);
    expect((await summary())).toMatchObject({ retentionDays: 90, sites: { shop: { runs: 3, first: '2026-08-31-08-00-03' } } });
  });

  test('a rebuild drops expired runs, and sites with none left, even where the lifecycle rule has not deleted the reports yet', async () => {
    await putRuns('shop', ['2026-08-01-08-00-03', '2026-11-27-08-00-03']);
    await putRuns('old', ['2026-06-01-08-00-03']);
    await rebuildIndex(s3, location, quiet);
    expect(Object.keys((await summary()).sites)).toEqual(['old', 'shop']);
    await rebuildIndex(s3, kept90, quiet);
    expect(Object.keys((await summary()).sites)).toEqual(['shop']);
    expect((await runsOf('shop')).map((r: any) => r.run)).toEqual(['2026-11-27-08-00-03']);
    expect(await runsOf('old')).toEqual([]);
  });
});
