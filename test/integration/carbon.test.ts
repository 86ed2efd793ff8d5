/**
 * The carbon configuration the MetricsStack writes, run by a real carbon-cache (Debian's
 * graphite-carbon, the same carbon as in the Graphite image) on 127.0.0.1: new metrics are all
 * created at once (MAX_CREATES_PER_MINUTE), and each kind of sitespeed.io key gets its retention.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { carbonConf, storageSchemasConf } from '../../src/private/metrics-config';

let carbon: ChildProcess | undefined;
let dir: string;
let linePort: number;
let log = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

async function waitFor<T>(what: string, probe: () => T | undefined, seconds = 60): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds}s waiting for ${what}; carbon's log:\n${log}`);
    await new Promise(r => setTimeout(r, 200));
  }
}

function send(lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(linePort, '127.0.0.1', () => socket.end(lines.join('\n') + '\n'));
    socket.on('close', () => resolve()).on('error', reject);
  });
}

function whisperFiles(): string[] {
  const root = path.join(dir, 'storage', 'whisper');
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter(f => f.endsWith('.wsp'));
}

/** whisper-info's archives of a metric as [seconds per point, seconds kept]. */
function archives(metric: string): Array<[number, number]> {
  const file = path.join(dir, 'storage', 'whisper', ...metric.split('.')) + '.wsp';
  const info = spawnSync('whisper-info', [file, '--json'], { encoding: 'utf8' });
  if (info.status !== 0) throw new Error(`whisper-info ${file}: ${info.stderr}`);
  return JSON.parse(info.stdout).archives.map((a: any) => [a.secondsPerPoint, a.retention]);
}

beforeAll(async () => {
  if (spawnSync('carbon-cache', ['--help']).error) {
    throw new Error('carbon-cache is not installed: apt-get install graphite-carbon (.ci/run does)');
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbon-'));
  linePort = await freePort();
  const conf = carbonConf()
    .replace('LINE_RECEIVER_PORT = 2003', `LINE_RECEIVER_PORT = ${linePort}`)
    .replace('PICKLE_RECEIVER_PORT = 2004', `PICKLE_RECEIVER_PORT = ${await freePort()}`)
    .replace('CACHE_QUERY_PORT = 7002', `CACHE_QUERY_PORT = ${await freePort()}`)
    .replace(/0\.0\.0\.0/g, '127.0.0.1')
    .replace('[cache]', ['[cache]', 'STORAGE_DIR = %s/storage/', 'LOCAL_DATA_DIR = %s/storage/whisper/', 'LOG_DIR = %s/storage/log/', 'PID_DIR = %s/storage/']
      .join('\n').replace(/%s/g, dir));
  fs.mkdirSync(path.join(dir, 'conf'));
  fs.writeFileSync(path.join(dir, 'conf', 'carbon.conf'), conf);
  fs.writeFileSync(path.join(dir, 'conf', 'storage-schemas.conf'), storageSchemasConf());
  carbon = spawn('carbon-cache', [`--config=${dir}/conf/carbon.conf`, '--nodaemon', 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
  carbon.stdout!.on('data', d => (log += d));
  carbon.stderr!.on('data', d => (log += d));
  await waitFor('carbon to listen', () => (/listening on TCP port|ServerFactory starting on/i.test(log) ? true : undefined), 30);
}, 60_000);

afterAll(() => {
  carbon?.kill('SIGTERM');
});

test('carbon creates the whisper files of 300 new pages at once, each kind of key with sitespeed.io\'s retention', async () => {
  const now = Math.floor(Date.now() / 1000);
  const summaries = Array.from({ length: 300 }, (_, i) => `sitespeed_io.prod.shop.pageSummary.shop_example_com.page${i}.firstPaint`);
  const run = 'sitespeed_io.prod.shop.run.shop_example_com.start.firstPaint';
  const crux = 'sitespeed_io.crux.shop.shop_example_com.largestContentfulPaint';
  await send([...summaries, run, crux].map(key => `${key} 1234 ${now}`));

  // Carbon's default (50 a minute) would leave 250 of them uncreated for five minutes.
  const files = await waitFor('302 whisper files', () => (whisperFiles().length >= 302 ? whisperFiles() : undefined));
  expect(files).toHaveLength(302);

  expect(archives(run)).toEqual([[10, 8 * 86400]]);
  expect(archives(summaries[0])).toEqual([[3600, 65 * 86400]]);
  expect(archives(crux)).toEqual([[86400, 2 * 365 * 86400]]);
  // Tags off: carbon would otherwise call graphite-web for every new metric.
  expect(log).not.toContain('[tagdb]');
}, 120_000);
