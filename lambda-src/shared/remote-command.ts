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
