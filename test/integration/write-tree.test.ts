import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { StoppedTask } from '../../lambda-src/shared/task-event';
import { rebuildTree, updateSite } from '../../lambda-src/write-tree/s3-tree';
import { motoClientConfig, resetMoto } from '../harness/moto';

// writeTree against a real S3 API (moto, which implements If-Match and If-None-Match on PutObject).
const s3 = new S3Client(motoClientConfig());
const calls: string[] = [];
s3.middlewareStack.add(next => async args => { calls.push((args as any).request?.method ?? '?'); return next(args); }, { step: 'finalizeRequest', name: 'countCalls' });
const location = { bucket: 'reports', key: 'tree.json' };
const quiet = () => {};

async function putRuns(site: string, folders: string[]): Promise<void> {
  for (let i = 0; i < folders.length; i += 50) {
    await Promise.all(folders.slice(i, i + 50).map(f => s3.send(new PutObjectCommand({ Bucket: 'reports', Key: `${site}/${f}/index.html`, Body: 'report' }))));
  }
}

async function tree(): Promise<any> {
  const object = await s3.send(new GetObjectCommand({ Bucket: 'reports', Key: 'tree.json' }));
  return JSON.parse(await object.Body!.transformToString());
}

const task = (site: string, started: string, exitCode = 0): StoppedTask => ({
  site, exitCode, startedAt: new Date(started), stoppedAt: new Date(new Date(started).getTime() + 4 * 60_000),
});

const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);

beforeEach(async () => {
  await resetMoto();
  await s3.send(new CreateBucketCommand({ Bucket: 'reports' }));
  calls.length = 0;
});
afterAll(() => s3.destroy());

test('an incremental update lists one site, records the status, and reads and writes tree.json once each', async () => {
  await putRuns('blog', ['2026-11-26-09-00-00']);
  await putRuns('shop', ['2026-11-26-08-15-02', '2026-11-27-08-15-03']);
  await rebuildTree(s3, location, quiet); // an existing tree, as in steady state
  calls.length = 0;
  const run = await updateSite(s3, location, task('shop', '2026-11-27T08:15:00Z', 1), quiet);
  expect(run).toEqual({ run: '2026-11-27-08-15-03', status: 'failed', exitCode: 1 });
  expect(calls).toEqual(['GET', 'PUT', 'GET', 'PUT']); // list shop/, put the durable status, get tree.json, put tree.json
  expect((await tree()).sites).toEqual({
    blog: [{ run: '2026-11-26-09-00-00', status: 'unknown' }],
    shop: [{ run: '2026-11-26-08-15-02', status: 'unknown' }, { run: '2026-11-27-08-15-03', status: 'failed', exitCode: 1 }],
  });
});

test('a missing tree.json is built from the whole bucket, created with If-None-Match', async () => {
  await putRuns('blog', ['2026-11-26-09-00-00']);
  await putRuns('shop', ['2026-11-27-08-15-03']);
  await updateSite(s3, location, task('shop', '2026-11-27T08:15:00Z'), quiet);
  expect((await tree()).sites).toEqual({
    blog: [{ run: '2026-11-26-09-00-00', status: 'unknown' }],
    shop: [{ run: '2026-11-27-08-15-03', status: 'ok', exitCode: 0 }],
  });
});

test('a corrupt tree.json is kept aside and rebuilt, not overwritten blindly', async () => {
  await putRuns('shop', ['2026-11-27-08-15-03']);
  await s3.send(new PutObjectCommand({ Bucket: 'reports', Key: 'tree.json', Body: '{"version":1,"sites":{"sh' }));
  const lines: any[] = [];
  await updateSite(s3, location, task('shop', '2026-11-27T08:15:00Z'), l => lines.push(l));
  expect((await tree()).sites.shop).toEqual([{ run: '2026-11-27-08-15-03', status: 'ok', exitCode: 0 }]);
  const kept = lines.find(l => l.treeCorrupt).keptAs;
  const copy = await s3.send(new GetObjectCommand({ Bucket: 'reports', Key: kept }));
  expect(await copy.Body!.transformToString()).toBe('{"version":1,"sites":{"sh');
});

test('incremental updates and a rebuild give the same tree', async () => {
  const sites = ['shop', 'blog', 'docs'];
  for (const [i, site] of sites.entries()) {
    await putRuns(site, [`2026-11-2${i}-08-00-01`, `2026-11-2${i}-10-00-01`]);
  }
  // A run that failed before it could upload a report.
  for (const [i, site] of sites.entries()) {
    await updateSite(s3, location, task(site, `2026-11-2${i}T08:00:00Z`, 0), quiet);
    await updateSite(s3, location, task(site, `2026-11-2${i}T10:00:00Z`, i === 1 ? 1 : 0), quiet);
  }
  await updateSite(s3, location, task('gone', '2026-11-25T08:00:00Z', 137), quiet);
  const incremental = await tree();
  const rebuilt = await rebuildTree(s3, location, quiet);
  expect(rebuilt).toEqual(incremental);
  expect(await tree()).toEqual(incremental);
  expect(incremental.sites.gone).toEqual([{ run: '2026-11-25-08-00-00', status: 'failed', exitCode: 137, report: false }]);
});


test('more than 1000 runs under one site are all listed (pagination)', async () => {
  const folders = Array.from({ length: 1100 }, (_, i) => `${day(i % 365)}-${String(8 + Math.floor(i / 365)).padStart(2, '0')}-00-00`);
  await putRuns('shop', folders);
  await updateSite(s3, location, task('shop', '2026-01-01T08:00:00Z'), quiet);
  const runs = (await tree()).sites.shop;
  expect(runs).toHaveLength(1100);
  expect(runs.map((r: any) => r.run)).toEqual([...folders].sort());
});

test('odd keys in the bucket neither break the listing nor become sites', async () => {
  await putRuns('shop', ['2026-11-27-08-15-03']);
  for (const key of ['my folder/2026-11-27-08-15-03/index.html', 'ünïcødé/x', 'a+b/2026-11-27-08-15-03/index.html', `${'x'.repeat(900)}/y`, 'shop/not a run/index.html', 'index.html']) {
    await s3.send(new PutObjectCommand({ Bucket: 'reports', Key: key, Body: 'x' }));
  }
  const rebuilt = await rebuildTree(s3, location, quiet);
  expect(Object.keys(rebuilt.sites)).toEqual(['shop']);
  expect(rebuilt.sites.shop).toEqual([{ run: '2026-11-27-08-15-03', status: 'unknown' }]);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'reports' }));
  expect(listed.KeyCount).toBeGreaterThan(7);
});

test('slugs every object answers to (constructor, toString, __proto__) are sites like any other', async () => {
  const odd = ['constructor', 'toString', '__proto__', 'hasOwnProperty'];
  for (const site of [...odd, 'shop']) await putRuns(site, ['2026-11-26-09-00-00']);
  // No tree.json yet: the first update rebuilds from the listing, as after a corrupt tree.
  await updateSite(s3, location, task('constructor', '2026-11-26T08:59:30Z', 1), quiet);
  await updateSite(s3, location, task('__proto__', '2026-11-26T08:59:30Z'), quiet);
  const text = await (await s3.send(new GetObjectCommand({ Bucket: 'reports', Key: 'tree.json' }))).Body!.transformToString();
  const written = JSON.parse(text);
  expect(Object.keys(written.sites).sort()).toEqual([...odd, 'shop'].sort());
  expect(Object.getPrototypeOf(written.sites)).toBe(Object.prototype); // the JSON's __proto__ is a site, not a prototype
  expect(written.sites.constructor).toEqual([{ run: '2026-11-26-09-00-00', status: 'failed', exitCode: 1 }]);
  expect(written.sites.__proto__).toEqual([{ run: '2026-11-26-09-00-00', status: 'ok', exitCode: 0 }]);
  expect(written.sites.toString).toEqual([{ run: '2026-11-26-09-00-00', status: 'unknown' }]);
  // And a full rebuild keeps what it knew of them.
  await rebuildTree(s3, location, quiet);
  expect((await tree()).sites.constructor[0].status).toBe('failed');
});

describe('writeTree keeps what it cannot understand', () => {
  test('a tree of a newer version is copied aside before the rebuild replaces it', async () => {
    await putRuns('shop', ['2026-11-27-08-15-03']);
    const newer = JSON.stringify({ version: 2, sites: { shop: [{ run: '2026-11-27-08-15-03', status: 'ok', stars: 5 }] } });
    await s3.send(new PutObjectCommand({ Bucket: 'reports', Key: 'tree.json', Body: newer }));
    const lines: any[] = [];
    await updateSite(s3, location, task('shop', '2026-11-27T08:15:00Z'), l => lines.push(l));
    expect((await tree()).version).toBe(1);
    const kept = lines.find(l => l.treeCorrupt).keptAs;
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'reports', Key: kept }))).Body!.transformToString()).toBe(newer);
  });

  test('a tree with fields this version does not know is copied aside first, and its sites are kept', async () => {
    await putRuns('shop', ['2026-11-27-08-15-03']);
    const withExtra = JSON.stringify({ version: 1, sites: { blog: [{ run: '2026-11-26-09-00-00', status: 'failed', report: false }] }, owner: 'perf-team' });
    await s3.send(new PutObjectCommand({ Bucket: 'reports', Key: 'tree.json', Body: withExtra }));
    const lines: any[] = [];
    await updateSite(s3, location, task('shop', '2026-11-27T08:15:00Z'), l => lines.push(l));
    const line = lines.find(l => l.treeKept);
    expect(line).toMatchObject({ treeKept: 'tree.json', why: 'unknown fields owner', keptAs: expect.stringMatching(/^tree\.kept-\d{4}-.*\.json$/) });
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'reports', Key: line.keptAs }))).Body!.transformToString()).toBe(withExtra);
    expect(Object.keys((await tree()).sites).sort()).toEqual(['blog', 'shop']);
  });

  test('a missing tree whose creation loses races lists the bucket once, not once per attempt', async () => {
    await putRuns('blog', ['2026-11-26-09-00-00']);
    await putRuns('shop', ['2026-11-27-08-15-03']);
    let refused = 0;
    const lists: string[] = [];
    const racer = new S3Client(motoClientConfig());
    racer.middlewareStack.add(next => async args => {
      const input = args.input as any;
      if (input.IfNoneMatch && refused < 2) {
        refused++;
        throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
      }
      if ('Delimiter' in input || input.Prefix !== undefined) lists.push(`${input.Prefix ?? ''}|${input.Delimiter ?? ''}`);
      return next(args);
    }, { step: 'initialize', name: 'loseTwoCreates' });
    const lines: any[] = [];
    await updateSite(racer, location, task('shop', '2026-11-27T08:15:00Z'), l => lines.push(l));
    racer.destroy();
    expect(lines.filter(l => l.lostRace).length).toBe(2);
    expect(lines.filter(l => l.treeMissing).length).toBe(3);
    // The root listing (every site) happened once; without the hoist it was once per attempt.
    expect(lists.filter(l => l === '|/').length).toBe(1);
    expect(Object.keys((await tree()).sites).sort()).toEqual(['blog', 'shop']);
  });

  test('a tree deleted between the read and the conditional write is a lost race: read again, rebuilt, written', async () => {
    await putRuns('shop', ['2026-11-27-08-15-03']);
    await rebuildTree(s3, location, quiet);
    let deleted = false;
    const racer = new S3Client(motoClientConfig());
    racer.middlewareStack.add(next => async args => {
      if (!deleted && (args.input as any).IfMatch) {
        deleted = true;
        await s3.send(new DeleteObjectCommand({ Bucket: 'reports', Key: 'tree.json' }));
      }
      return next(args);
    }, { step: 'initialize', name: 'deleteTreeBeforeWrite' });
    const lines: any[] = [];
    await updateSite(racer, location, task('shop', '2026-11-27T08:15:00Z'), l => lines.push(l));
    racer.destroy();
    expect(deleted).toBe(true);
    expect(lines.some(l => l.lostRace === 1)).toBe(true);
    expect((await tree()).sites.shop).toEqual([{ run: '2026-11-27-08-15-03', status: 'ok', exitCode: 0 }]);
  });
});

describe('durable run statuses', () => {
  test('a rebuild restores every status (failed with exit code and reason, report-less runs) from the status records', async () => {
    await putRuns('shop', ['2026-11-26-08-15-02', '2026-11-27-08-15-03']);
    await updateSite(s3, location, { ...task('shop', '2026-11-27T08:15:00Z', 1), reason: 'Essential container in task exited' }, quiet);
    await updateSite(s3, location, task('shop', '2026-11-26T08:14:30Z'), quiet);
    // A run that failed before uploading anything: no folder, only its status.
    await updateSite(s3, location, task('blog', '2026-11-27T10:00:00Z', 137), quiet);
    const before = await tree();
    // tree.json lost (deleted by hand, or corrupt): the rebuild gets it all back.
    await s3.send(new DeleteObjectCommand({ Bucket: 'reports', Key: 'tree.json' }));
    await rebuildTree(s3, location, quiet);
    const after = await tree();
    expect(after).toEqual(before);
    expect(after.sites.shop).toEqual([
      { run: '2026-11-26-08-15-02', status: 'ok', exitCode: 0 },
      { run: '2026-11-27-08-15-03', status: 'failed', exitCode: 1, reason: 'Essential container in task exited' },
    ]);
    expect(after.sites.blog).toEqual([{ run: '2026-11-27-10-00-00', status: 'failed', exitCode: 137, report: false }]);
  });

  test('the status records never read as a site, and a missing tree rebuilt by an update keeps them too', async () => {
    await putRuns('shop', ['2026-11-27-08-15-03']);
    await updateSite(s3, location, task('shop', '2026-11-27T08:15:00Z', 2), quiet);
    await s3.send(new DeleteObjectCommand({ Bucket: 'reports', Key: 'tree.json' }));
    await putRuns('docs', ['2026-11-27-09-00-00']);
    await updateSite(s3, location, task('docs', '2026-11-27T08:59:30Z'), quiet);
    const rebuilt = await tree();
    expect(Object.keys(rebuilt.sites).sort()).toEqual(['docs', 'shop']);
    expect(rebuilt.sites.shop).toEqual([{ run: '2026-11-27-08-15-03', status: 'failed', exitCode: 2 }]);
  });
});
