import { existsSync, readFileSync } from 'fs';
import { dirname, join } from 'path';
import { SSMClient } from '@aws-sdk/client-ssm';
import { Clock } from './clock';
import { remoteCommand, runShellOnInstance, ShellResult } from '../../lambda-src/shared/remote-command';

export { remoteCommand };

/** A probe script shipped in the package's shell/ folder, found from this file (source) or the bundle (assets/…) upwards. */
export function probeScript(name: string): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'shell', name);
    if (existsSync(file)) return readFileSync(file, 'utf8');
    if (dirname(dir) === dir) throw new Error(`the probe script shell/${name} is missing from the cdk-sitespeed package`);
  }
}

/** Runs a probe on one instance through SSM Run Command (AWS-RunShellScript) and waits for its result. */
export function runOnInstance(ssm: SSMClient, instanceId: string, script: string, env: Record<string, string>, clock: Clock,
  timeoutSeconds: number): Promise<ShellResult> {
  return runShellOnInstance(ssm, { instanceId, script, env, comment: 'cdk-sitespeed check (read-only probe)', timeoutSeconds }, clock);
}

/** key=value lines of a probe's output. */
export function probeValues(output: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of output.split('\n')) {
    const m = /^([a-z_]+)=(.*)$/.exec(line.trim());
    if (m) values.set(m[1], m[2]);
  }
  return values;
}
