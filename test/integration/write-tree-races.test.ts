import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { rebuildTree, updateSite } from '../../lambda-src/write-tree/s3-tree';
import { startSerialMoto } from '../harness/serial-moto';

// writeTree's compare-and-swap under contention, against a moto that (like S3) never lets two
// conditional PUTs interleave their check and write (see serial-moto.ts for why not moto_server).
let moto: { endpoint: string; stop: () => void };
let s3: S3Client;
const location = { bucket: 'reports', key: 'tree.json' };

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

test('20 sites stopping at once lose nothing', async () => {
  const sites = Array.from({ length: 20 }, (_, i) => `site-${i}`);
  await Promise.all(sites.map(site => s3.send(new PutObjectCommand({ Bucket: 'reports', Key: `${site}/2026-11-27-08-00-01/index.html`, Body: 'report' }))));
  await rebuildTree(s3, location, () => {});
  const lines: any[] = [];
  const started = new Date('2026-11-27T08:00:00Z');
  await Promise.all(sites.map(site => updateSite(s3, location, {
    site, exitCode: 0, startedAt: started, stoppedAt: new Date(started.getTime() + 4 * 60_000),
  }, l => lines.push(l))));
  const object = await s3.send(new GetObjectCommand({ Bucket: 'reports', Key: 'tree.json' }));
  const result = JSON.parse(await object.Body!.transformToString());
  expect(Object.keys(result.sites).sort()).toEqual([...sites].sort());
  for (const site of sites) expect(result.sites[site]).toEqual([{ run: '2026-11-27-08-00-01', status: 'ok', exitCode: 0 }]);
  // The races really happened and were retried (not serialized by luck).
  expect(lines.filter(l => l.lostRace).length).toBeGreaterThan(0);
});
