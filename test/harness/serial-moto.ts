/**
 * A moto S3 server that handles one request at a time. moto_server is threaded and checks
 * If-Match / If-None-Match before it writes without a lock, so two racing conditional PUTs can
 * both succeed there, which real S3 never allows. Tests of compare-and-swap under contention use
 * this server, where the check and the write of a request cannot interleave with another's.
 */
import { ChildProcess, spawn } from 'child_process';
import * as net from 'net';

const SERVER = [
  'import sys',
  'from werkzeug.serving import run_simple',
  'from moto.server import DomainDispatcherApplication, create_backend_app',
  'run_simple("127.0.0.1", int(sys.argv[1]), DomainDispatcherApplication(create_backend_app), threaded=False)',
].join('\n');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

export async function startSerialMoto(): Promise<{ endpoint: string; stop: () => void }> {
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn('python3', ['-c', SERVER, String(port)], {
    env: { ...process.env, MOTO_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', d => (output += d));
  child.stderr!.on('data', d => (output += d));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`the single-threaded moto server did not start (python3 with moto needed):\n${output}`);
    }
    await new Promise(r => setTimeout(r, 200));
  }
  return { endpoint, stop: () => { child.kill('SIGTERM'); } };
}
