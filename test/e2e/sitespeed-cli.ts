import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';

/** The sitespeed.io CLI the e2e installs (test/e2e/install-sitespeed.sh). */
export const SITESPEED = path.join(__dirname, '..', '..', '.e2e', 'sitespeed', 'node_modules', '.bin', 'sitespeed.io');

/** Fails at once, with the fix, when the CLI is not installed. */
export function requireSitespeed(): void {
  if (!fs.existsSync(SITESPEED)) throw new Error(`${SITESPEED} is missing: run test/e2e/install-sitespeed.sh (npm run e2e does)`);
}

/** What differs on this machine only: moto's S3, Debian's chromium and chromedriver, no display. */
export const LOCAL_ONLY = (s3Endpoint: string) => [
  '--s3.endpoint', s3Endpoint,
  '--browsertime.chrome.chromedriverPath', '/usr/bin/chromedriver',
  '--browsertime.chrome.binaryPath', '/usr/bin/chromium',
  '--browsertime.chrome.args', 'no-sandbox',
  '--browsertime.chrome.args', 'disable-gpu',
  '--headless',
];

/** Listens on a free port of 127.0.0.1. */
export function listen(server: net.Server): Promise<number> {
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

/** Runs a command to its end (killed after 4 minutes), with its output. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise(resolve => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', d => { output += d; });
    child.stderr.on('data', d => { output += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('close', code => { clearTimeout(timer); resolve({ code, output }); });
  });
}
