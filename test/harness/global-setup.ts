import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort, waitForMoto } from './local-server';
import { testTool } from './tools';

/**
 * Starts one moto_server (a local AWS API, from the test venv) on a free 127.0.0.1 port for the
 * whole test run.
 * Tests find it through MOTO_ENDPOINT (see moto.ts); global-teardown.ts stops it.
 */
export default async function globalSetup(): Promise<void> {
  const motoServer = testTool('moto_server');
  const port = await freePort();
  const child = spawn(motoServer, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
  let stderr = '';
  child.stderr?.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitForMoto('moto_server', endpoint, child, () => stderr);
  process.env.MOTO_ENDPOINT = endpoint;
  // One folder for every synthesized test app of this run (testApp), removed by the teardown:
  // a fresh outdir per test under /tmp, never removed, filled a developer's disk (67 GB).
  process.env.CDK_SITESPEED_TEST_OUTDIRS = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sitespeed-tests-'));
  (globalThis as any).__MOTO__ = child;
}
