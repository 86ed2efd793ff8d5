import { spawn, spawnSync } from 'child_process';
import * as net from 'net';

/**
 * Starts one moto_server (a local AWS API) on a free 127.0.0.1 port for the whole test run.
 * Tests find it through MOTO_ENDPOINT (see moto.ts); global-teardown.ts stops it.
 */
export default async function globalSetup(): Promise<void> {
  if (spawnSync('sh', ['-c', 'command -v moto_server']).status !== 0) {
    throw new Error(
      'moto_server is not on PATH: the integration tests need it as their local AWS API. ' +
      "Install it with: pip install 'moto[server]'",
    );
  }
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
  let stderr = '';
  child.stderr?.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilUp(endpoint, child, () => stderr);
  process.env.MOTO_ENDPOINT = endpoint;
  (globalThis as any).__MOTO__ = child;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(endpoint: string, child: ReturnType<typeof spawn>, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`moto_server exited with code ${child.exitCode} before answering: ${stderr()}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr()}`);
}
