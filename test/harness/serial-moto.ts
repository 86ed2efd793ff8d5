/**
 * A moto S3 server that handles one request at a time. moto_server is threaded and checks
 * If-Match / If-None-Match before it writes without a lock, so two racing conditional PUTs can
 * both succeed there, which real S3 never allows. Tests of compare-and-swap under contention use
 * this server, where the check and the write of a request cannot interleave with another's.
 */
import { ChildProcess, spawn } from 'child_process';
import { freePort, waitForMoto } from './local-server';
import { testTool } from './tools';

const SERVER = [
  'import sys',
  'from werkzeug.serving import run_simple',
  'from moto.server import DomainDispatcherApplication, create_backend_app',
  'run_simple("127.0.0.1", int(sys.argv[1]), DomainDispatcherApplication(create_backend_app), threaded=False)',
].join('\n');

export async function startSerialMoto(): Promise<{ endpoint: string; stop: () => void }> {
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(testTool('python'), ['-c', SERVER, String(port)], {
    env: { ...process.env, MOTO_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', d => (output += d));
  child.stderr!.on('data', d => (output += d));
  const endpoint = `http://127.0.0.1:${port}`;
  await waitForMoto('the single-threaded moto server (the test venv\'s python with moto)', endpoint, child, () => output);
  return { endpoint, stop: () => { child.kill('SIGTERM'); } };
}
