import { ChildProcess } from 'child_process';
import * as fs from 'fs';

export default async function globalTeardown(): Promise<void> {
  const outdirs = process.env.CDK_SITESPEED_TEST_OUTDIRS;
  if (outdirs) fs.rmSync(outdirs, { recursive: true, force: true });
  const child = (globalThis as any).__MOTO__ as ChildProcess | undefined;
  if (child && child.exitCode === null) {
    const exited = new Promise(resolve => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise(r => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
