/**
 * writeTree benchmark on moto_server: 200 sites × 365 runs. The original setup's approach (list
 * every site, then every date of every site, rewrite the whole tree) against the incremental
 * update (one site's listing, one read and one conditional write of tree.json): S3 calls and
 * wall time per update, median of 3 alternating runs each, as ratios.
 */
import { ChildProcess, spawn } from 'child_process';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { rebuildTree, runFolders, updateSite } from '../lambda-src/write-tree/s3-tree';
import { freePort, waitForMoto } from '../test/harness/local-server';
import { testTool } from '../test/harness/tools';

const SITES = Number(process.env.BENCH_TREE_SITES ?? 200);
const RUNS_PER_SITE = Number(process.env.BENCH_TREE_RUNS ?? 365);
// Each legacy update lists 73,000 keys 201 times in moto: 3 alternating runs keep the bench in minutes.
const RUNS = Number(process.env.BENCH_TREE_REPEATS ?? 3);

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function startMoto(): Promise<{ endpoint: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(testTool('moto_server'), ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitForMoto('moto_server', endpoint, child, () => '(output not kept)');
  return { endpoint, child };
}

/** The original setup's writeTree: every site, every date of every site, the whole tree rewritten. */
async function legacyWriteTree(s3: S3Client, bucket: string): Promise<void> {
  const list = async (prefix: string) => {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
      for (const p of page.CommonPrefixes ?? []) names.push(p.Prefix!.slice(prefix.length, -1));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return names;
  };
  const tree: Record<string, string[]> = {};
  for (const site of await list('')) tree[site] = await list(`${site}/`);
  // Its own key, so the incremental runs keep finding their own tree.json.
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'legacy-tree.json', Body: JSON.stringify(tree) }));
}

export async function benchTree(): Promise<void> {
  const { endpoint, child } = await startMoto();
  try {
    const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    let calls = 0;
    s3.middlewareStack.add(next => async args => { calls++; return next(args); }, { step: 'finalizeRequest', name: 'count' });
    await s3.send(new CreateBucketCommand({ Bucket: 'reports' }));

    const fill = Date.now();
    const keys: string[] = [];
    for (let site = 0; site < SITES; site++) {
      for (let day = 0; day < RUNS_PER_SITE; day++) {
        const date = new Date(Date.UTC(2025, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
        keys.push(`site-${String(site).padStart(3, '0')}/${date}-08-15-03/index.html`);
      }
    }
    for (let i = 0; i < keys.length; i += 64) {
      await Promise.all(keys.slice(i, i + 64).map(Key => s3.send(new PutObjectCommand({ Bucket: 'reports', Key, Body: 'r' }))));
    }
    console.log(`tree   fixture: ${SITES} sites × ${RUNS_PER_SITE} runs = ${keys.length} reports in moto (${((Date.now() - fill) / 1000).toFixed(0)} s to load)`);
    await rebuildTree(s3, { bucket: 'reports', key: 'tree.json' }, () => {});

    const legacy: { calls: number; ms: number }[] = [];
    const incremental: { calls: number; ms: number }[] = [];
    const site = `site-${String(Math.floor(SITES / 2)).padStart(3, '0')}`;
    const pages = Math.ceil(RUNS_PER_SITE / 1000);
    for (let i = 0; i < RUNS; i++) {
      calls = 0;
      let start = process.hrtime.bigint();
      await legacyWriteTree(s3, 'reports');
      legacy.push({ calls, ms: Number(process.hrtime.bigint() - start) / 1e6 });
      calls = 0;
      start = process.hrtime.bigint();
      await updateSite(s3, { bucket: 'reports', key: 'tree.json' }, {
        site, exitCode: 0, startedAt: new Date('2025-06-01T08:15:00Z'), stoppedAt: new Date('2025-06-01T08:19:00Z'),
      }, () => {});
      incremental.push({ calls, ms: Number(process.hrtime.bigint() - start) / 1e6 });
    }
    const l = { calls: median(legacy.map(r => r.calls)), ms: median(legacy.map(r => r.ms)) };
    const n = { calls: median(incremental.map(r => r.calls)), ms: median(incremental.map(r => r.ms)) };
    console.log(`tree   original (full listing + rewrite)  ${l.calls} S3 calls  median ${l.ms.toFixed(0)} ms per update`);
    console.log(`tree   incremental (one site + CAS)          ${n.calls} S3 calls  median ${n.ms.toFixed(1)} ms per update  (${(await runFolders(s3, 'reports', site)).length} runs in the site, ${pages} page)`);
    console.log(`tree   ratio: ${(l.calls / n.calls).toFixed(0)}x fewer calls, ${(l.ms / n.ms).toFixed(0)}x faster (goal: ≤ 3 + ${pages} calls, ≥ 50x fewer, ≥ 10x faster)`);
    s3.destroy();
  } finally {
    child.kill();
  }
}
