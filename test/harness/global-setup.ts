import { spawn, spawnSync } from 'child_process';
import { freePort, waitForMoto } from './local-server';

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
  await waitForMoto('moto_server', endpoint, child, () => stderr);
  process.env.MOTO_ENDPOINT = endpoint;
  (globalThis as any).__MOTO__ = child;
}
