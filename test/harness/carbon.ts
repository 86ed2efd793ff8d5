/**
 * A real carbon-cache (carbon from PyPI in the test venv, the carbon of the Graphite image) on 127.0.0.1,
 * configured with exactly the files GraphiteGrafana writes (only ports, addresses and folders
 * changed), for tests that check what Graphite makes of sitespeed.io's metrics.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { freePort } from './local-server';
import { testTool } from './tools';
import { carbonConf, storageAggregationConf, storageSchemasConf } from '../../src/private/metrics-config';

export interface Carbon {
  /** Sends plain text lines (`key value timestamp`) to the line receiver. */
  send(lines: string[]): Promise<void>;
  /** Waits until at least `count` whisper files exist, and returns them. */
  waitForFiles(count: number, seconds?: number): Promise<string[]>;
  /** A metric's archives as [seconds per point, seconds kept], from whisper-info. */
  archives(metric: string): Array<[number, number]>;
  /** A metric's xFilesFactor and aggregation method, from whisper-info. */
  aggregation(metric: string): { xFilesFactor: number; aggregationMethod: string };
  /** Everything carbon logged. */
  log(): string;
  stop(): void;
}

async function waitFor<T>(what: string, probe: () => T | undefined, seconds: number, log: () => string): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds}s waiting for ${what}; carbon's log:\n${log()}`);
    await new Promise(r => setTimeout(r, 200));
  }
}

export async function startCarbon(): Promise<Carbon> {
  const carbonCache = testTool('carbon-cache.py');
  const whisperInfo = testTool('whisper-info.py');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbon-'));
  const linePort = await freePort();
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
  fs.writeFileSync(path.join(dir, 'conf', 'storage-aggregation.conf'), storageAggregationConf());

  let output = '';
  const child: ChildProcess = spawn(carbonCache, [`--config=${dir}/conf/carbon.conf`, '--nodaemon', 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', d => (output += d));
  child.stderr!.on('data', d => (output += d));
  const log = () => output;
  await waitFor('carbon to listen', () => (/ServerFactory starting on/i.test(output) ? true : undefined), 30, log);

  const whisper = path.join(dir, 'storage', 'whisper');
  const files = () => (fs.existsSync(whisper) ? (fs.readdirSync(whisper, { recursive: true }) as string[]).filter(f => f.endsWith('.wsp')) : []);
  const info = (metric: string) => {
    const file = path.join(whisper, ...metric.split('.')) + '.wsp';
    const out = spawnSync(whisperInfo, [file, '--json'], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`whisper-info ${file}: ${out.stderr}`);
    return JSON.parse(out.stdout);
  };
  return {
    send: lines => new Promise((resolve, reject) => {
      const socket = net.connect(linePort, '127.0.0.1', () => socket.end(lines.join('\n') + '\n'));
      socket.on('close', () => resolve()).on('error', reject);
    }),
    waitForFiles: (count, seconds = 60) => waitFor(`${count} whisper files`, () => (files().length >= count ? files() : undefined), seconds, log),
    archives: metric => info(metric).archives.map((a: any) => [a.secondsPerPoint, a.retention]),
    aggregation: metric => {
      const { xFilesFactor, aggregationMethod } = info(metric);
      return { xFilesFactor, aggregationMethod };
    },
    log,
    stop: () => { child.kill('SIGTERM'); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}
