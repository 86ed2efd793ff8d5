import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { rebuildIndex, updateRun } from '../../lambda-src/report-index/s3-index';
import { siteIndexKey, SUMMARY_KEY } from '../../src/contract/report-keys';
import { startSerialMoto } from '../harness/serial-moto';

// reportIndex's compare-and-swaps under contention, against a moto that (like S3) never lets two
// conditional PUTs interleave their check and write (see serial-moto.ts for why not moto_server).
let moto: { endpoint: string; stop: () => void };
let s3: S3Client;
const location = { bucket: 'reports', retentionDays: null };

beforeAll(async () => {
  moto = await startSerialMoto();
  s3 = new S3Client({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'reports' }));
}, 60_000);
afterAll(() => {
  s3?.destroy();
  moto?.stop();
});

const read = async (key: string) => JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: 'reports', Key: key }))).Body!.transformToString());
const finished = (site: string, run: string) => ({
  'detail-type': 'Sitespeed Run Finished',
  'detail': {
    version: 1,
    cluster: 'c',
    site,
    run,
    status: 'ok',
    exitCode: 0,
    reason: null,
    failedBudgetChecks: [],
    startedAt: '2026-11-27T08:00:00.000Z',
    stoppedAt: '2026-11-27T08:04:00.000Z',
    rerun: false,
  },
});

test('20 sites stopping at once lose nothing in the summary', async () => {
  const sites = Array.from({ length: 20 }, (_, i) => `site-${i}`);
  await Promise.all(sites.map(site => s3.send(new PutObjectCommand({ Bucket: 'reports', Key: `${site}/2026-11-27-08-00-01/index.html`, Body: 'report' }))));
  await rebuildIndex(s3, location, () => {});
  const lines: any[] = [];
  await Promise.all(sites.map(site => updateRun(s3, location, finished(site, '2026-11-27-08-00-01'), l => lines.push(l))));
  const summary = await read(SUMMARY_KEY);
  expect(Object.keys(summary.sites).sort()).toEqual([...sites].sort());
  for (const site of sites) {
    expect(summary.sites[site].last).toEqual({ run: '2026-11-27-08-00-01', status: 'ok', exitCode: 0 });
    expect((await read(siteIndexKey(site))).runs).toEqual([{ run: '2026-11-27-08-00-01', status: 'ok', exitCode: 0 }]);
  }
  // The races really happened and were retried (not serialized by luck).
  expect(lines.filter(l => l.lostRace && l.key === SUMMARY_KEY).length).toBeGreaterThan(0);
});

test('10 runs of one site stopping at once lose no run, and the summary ends with the newest state of the site', async () => {
  const runs = Array.from({ length: 10 }, (_, i) => `2026-11-28-0${i}-00-01`);
  const lines: any[] = [];
  await Promise.all(runs.map(run => updateRun(s3, location, finished('shop', run), l => lines.push(l))));
  const file = await read(siteIndexKey('shop'));
  expect(file.runs.map((r: any) => r.run)).toEqual(runs);
  const entry = (await read(SUMMARY_KEY)).sites.shop;
  expect(entry).toEqual({ revision: file.revision, runs: 10, first: runs[0], last: { run: runs[9], status: 'ok', exitCode: 0 } });
  expect(lines.filter(l => l.lostRace && l.key === siteIndexKey('shop')).length).toBeGreaterThan(0);
});

test('thirty first updates at once, no index yet: one rebuild, the others wait for it; every site in the summary (before: thirty rebuilds)', async () => {
  // A fresh bucket: the earlier tests' index and reports are not wanted here.
  const bucket = 'reports-burst';
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const fresh = { bucket, retentionDays: null };
  const sites = Array.from({ length: 30 }, (_, i) => `burst-${i}`);
  await Promise.all(sites.map(site => s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${site}/2026-11-27-08-00-01/index.html`, Body: 'report' }))));
  const lines: any[] = [];
  await Promise.all(sites.map(site => updateRun(s3, fresh, finished(site, '2026-11-27-08-00-01'), l => lines.push(l))));
  expect(lines.filter(l => l.rebuiltSites !== undefined)).toHaveLength(1);
  expect(lines.filter(l => l.waiting).length).toBeGreaterThan(0);
  const summary = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: SUMMARY_KEY }))).Body!.transformToString());
  expect(Object.keys(summary.sites).sort()).toEqual([...sites].sort());
  for (const site of sites) expect(summary.sites[site].last).toEqual({ run: '2026-11-27-08-00-01', status: 'ok', exitCode: 0 });
}, 120_000);
