import { existsSync, readFileSync } from 'fs';
import { dirname, join } from 'path';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Clock } from './clock';
import { PROBE_DOCUMENT } from './permissions';
import { remoteCommand } from '../../lambda-src/shared/remote-command';

export { remoteCommand };

/** A probe script shipped in the package's shell/ folder, found from this file (source) or the bundle (assets/…) upwards. */
export function probeScript(name: string): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'shell', name);
    if (existsSync(file)) return readFileSync(file, 'utf8');
    if (dirname(dir) === dir) throw new Error(`the probe script shell/${name} is missing from the cdk-sitespeed package`);
  }
}

export interface ShellResult {
  /** SSM's status: Success, Failed, TimedOut, Cancelled, … */
  readonly status: string;
  readonly exitCode: number;
  readonly output: string;
  readonly errors: string;
}

/** Runs a probe on one instance through SSM Run Command (AWS-RunShellScript) and waits for its result. */
export async function runOnInstance(ssm: SSMClient, instanceId: string, script: string, env: Record<string, string>, clock: Clock,
  timeoutSeconds: number): Promise<ShellResult> {
  const sent = await ssm.send(new SendCommandCommand({
    InstanceIds: [instanceId],
    DocumentName: PROBE_DOCUMENT,
    Comment: 'cdk-sitespeed check (read-only probe)',
    TimeoutSeconds: Math.max(30, timeoutSeconds),
    Parameters: { commands: [remoteCommand(script, env)] },
  }));
  const commandId = sent.Command?.CommandId;
  if (!commandId) throw new Error('SSM SendCommand returned no command id');
  const deadline = clock.now() + timeoutSeconds * 1000;
  for (;;) {
    try {
      const result = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
      if (!['Pending', 'InProgress', 'Delayed'].includes(result.Status ?? '')) {
        return {
          status: result.Status ?? 'Unknown',
          exitCode: result.ResponseCode ?? -1,
          output: result.StandardOutputContent ?? '',
          errors: result.StandardErrorContent ?? '',
        };
      }
    } catch (e: any) {
      // Right after SendCommand the invocation may not exist yet.
      if (e?.name !== 'InvocationDoesNotExist') throw e;
    }
    if (clock.now() > deadline) return { status: 'TimedOut', exitCode: -1, output: '', errors: `no result within ${timeoutSeconds} s` };
    await clock.sleep(clock.pollMs);
  }
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
