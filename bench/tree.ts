/**
 * reportIndex on moto_server at the calendar fixture's size (bench/calendar-fixture.ts: 200 sites ×
 * 6 runs a day × a year): today's single tree.json (bench/baseline/write-tree-v1: one site's
 * listing, the status record, a read and a conditional write of the whole tree.json) against the
 * per-site index (the status record, a read and a write of the site's file and of the summary):
 * S3 calls, bytes moved and wall time per update, median of alternating runs.
 */
import { ChildProcess, spawn } from 'child_process';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { updateSite as updateSiteV1 } from './baseline/write-tree-v1/s3-tree';
import { calendarFixture, RUNS_PER_DAY, SITES, siteName } from './calendar-fixture';
import { updateRun } from '../lambda-src/report-index/s3-index';
import { median } from '../src/contract/median';
import { siteIndexKey, SUMMARY_KEY } from '../src/contract/report-keys';
import { freePort, waitForMoto } from '../test/harness/local-server';
import { testTool } from '../test/harness/tools';
import { finished } from '../test/lambda/fixtures/run-finished';

const REPEATS = Number(process.env.BENCH_TREE_REPEATS ?? 5);

async function startMoto(): Promise<{ endpoint: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(testTool('moto_server'), ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitForMoto('moto_server', endpoint, child, () => '(output not kept)');
  return { endpoint, child };
}

export async function benchTree(): Promise<void> {
  const { endpoint, child } = await startMoto();
  try {
    const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    let calls = 0;
    let bytes = 0;
    s3.middlewareStack.add(next => async (args: any) => {
      calls++;
      const body = args.request?.body;
      if (typeof body === 'string') bytes += Buffer.byteLength(body);
      const result: any = await next(args);
      bytes += Number(result.response?.headers?.['content-length'] ?? 0);
      return result;
    }, { step: 'finalizeRequest', name: 'count' });
    await s3.send(new CreateBucketCommand({ Bucket: 'reports' }));

    const fill = Date.now();
    const fixture = calendarFixture();
    const site = siteName(Math.floor(SITES / 2));
    const put = (Key: string, Body: string) => s3.send(new PutObjectCommand({ Bucket: 'reports', Key, Body }));
    // v1: the whole tree.json, and the site's run folders (its update lists them).
    await put('tree.json', JSON.stringify(fixture.v1));
    const folders = fixture.siteFiles.get(site)!.runs.map(r => r.run);
    for (let i = 0; i < folders.length; i += 64) await Promise.all(folders.slice(i, i + 64).map(f => put(`${site}/${f}/index.html`, 'r')));
    // v2: the summary and every site's file.
    await put(SUMMARY_KEY, JSON.stringify(fixture.summary));
    const files = [...fixture.siteFiles];
    for (let i = 0; i < files.length; i += 16) {
      await Promise.all(files.slice(i, i + 16).map(([name, file]) => put(siteIndexKey(name), JSON.stringify(file))));
    }
    console.log(`tree   fixture in moto: tree.json of ${fixture.runs} runs, ${folders.length} run folders of ${site}, the summary and ${SITES} site files ` +
      `(${((Date.now() - fill) / 1000).toFixed(0)} s to load)`);

    const v1: { calls: number; bytes: number; ms: number }[] = [];
    const v2: { calls: number; bytes: number; ms: number }[] = [];
    const last = folders[folders.length - 1];
    for (let i = 0; i < REPEATS; i++) {
      // A new run after the fixture's last, its folder written as sitespeed.io would.
      const started = new Date(Date.parse(`${last.slice(0, 10)}T${last.slice(11).replace(/-/g, ':')}Z`) + (i + 1) * 86_400_000);
      const folder = started.toISOString().slice(0, 19).replace(/[T:]/g, '-');
      await put(`${site}/${folder}/index.html`, 'r');
      calls = 0; bytes = 0;
      let start = process.hrtime.bigint();
      await updateSiteV1(s3, { bucket: 'reports', key: 'tree.json' }, { site, exitCode: 0, startedAt: started, stoppedAt: new Date(started.getTime() + 240_000) }, () => {});
      v1.push({ calls, bytes, ms: Number(process.hrtime.bigint() - start) / 1e6 });
      calls = 0; bytes = 0;
      start = process.hrtime.bigint();
      await updateRun(s3, { bucket: 'reports', retentionDays: null }, {
        'detail-type': 'Sitespeed Run Finished',
        'detail': finished('ok', {
          cluster: 'c', site, run: folder, startedAt: started.toISOString(), stoppedAt: new Date(started.getTime() + 240_000).toISOString(),
        }),
      }, () => {});
      v2.push({ calls, bytes, ms: Number(process.hrtime.bigint() - start) / 1e6 });
    }
    const m = (rows: typeof v1) => ({
      calls: median(rows.map(r => r.calls)), bytes: median(rows.map(r => r.bytes)), ms: median(rows.map(r => r.ms)),
    });
    const a = m(v1);
    const b = m(v2);
    console.log(`tree   v1 single tree.json   ${a.calls} S3 calls  ${(a.bytes / 1e6).toFixed(1)} MB moved  median ${a.ms.toFixed(0)} ms per update`);
    console.log(`tree   v2 per-site index     ${b.calls} S3 calls  ${(b.bytes / 1e3).toFixed(0)} kB moved  median ${b.ms.toFixed(0)} ms per update ` +
      `(goal ≤ 5 calls whatever the number of sites: ${b.calls <= 5 ? 'met' : 'MISSED'})`);
    console.log(`tree   ratio: ${(a.bytes / b.bytes).toFixed(0)}x fewer bytes, ${(a.ms / b.ms).toFixed(1)}x faster; v1's calls grow with the site's runs ` +
      `(${Math.ceil(folders.length / 1000)} listing pages here), v2's do not; median of ${REPEATS}, ${SITES} sites × ${RUNS_PER_DAY} runs a day`);
    s3.destroy();
  } finally {
    child.kill();
  }
}
