import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';

/** The SSM document both run their scripts through. */
export const RUN_SHELL_DOCUMENT = 'AWS-RunShellScript';

/**
 * The single command SSM Run Command (AWS-RunShellScript) runs: the script travels base64-encoded
 * (no quoting of its own text) and its settings as shell-quoted environment assignments. Used by
 * `cdk-sitespeed check`'s probes and by DeployMarkers' annotation; the tests run the same string.
 */
export function remoteCommand(script: string, env: Record<string, string>): string {
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ');
  return `printf %s ${Buffer.from(script).toString('base64')} | base64 -d | env ${assignments} bash -s`;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

export interface ShellResult {
  /** SSM's status: Success, Failed, TimedOut, Cancelled, … */
  readonly status: string;
  readonly exitCode: number;
  readonly output: string;
  readonly errors: string;
}

/** Time, waits and the polling interval, injectable so the tests do not wait. */
export interface ShellWait {
  readonly pollMs: number;
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * Runs `script` on one instance through SSM Run Command and waits for its result (status TimedOut
 * when none came within `timeoutSeconds`). A refused SendCommand (AccessDeniedException) is thrown
 * to the caller, which knows what to say about it.
 */
export async function runShellOnInstance(ssm: SSMClient, run: {
  instanceId: string;
  script: string;
  env: Record<string, string>;
  comment: string;
  timeoutSeconds: number;
}, wait: ShellWait): Promise<ShellResult> {
  const sent = await ssm.send(new SendCommandCommand({
    InstanceIds: [run.instanceId],
    DocumentName: RUN_SHELL_DOCUMENT,
    Comment: run.comment,
    TimeoutSeconds: Math.max(30, run.timeoutSeconds),
    Parameters: { commands: [remoteCommand(run.script, run.env)] },
  }));
  const commandId = sent.Command?.CommandId;
  if (!commandId) throw new Error('SSM SendCommand returned no command id');
  const deadline = wait.now() + run.timeoutSeconds * 1000;
  for (;;) {
    try {
      const result = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: run.instanceId }));
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
    if (wait.now() > deadline) return { status: 'TimedOut', exitCode: -1, output: '', errors: `no result within ${run.timeoutSeconds} s` };
    await wait.sleep(wait.pollMs);
  }
}
