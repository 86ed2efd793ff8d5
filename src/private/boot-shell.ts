import * as fs from 'fs';
import * as path from 'path';
import * as ec2 from 'aws-cdk-lib/aws-ec2';

/** Writes shell/<name>.sh to `target` on the instance, executable. */
export function installShell(userData: ec2.UserData, name: string, target: string, marker = 'SITESPEED_SCRIPT'): void {
  userData.addCommands(
    `mkdir -p ${path.posix.dirname(target)}`,
    `cat > ${target} <<'${marker}'`,
    readShell(`${name}.sh`).trimEnd(),
    marker,
    `chmod 0755 ${target}`,
  );
}

/**
 * Writes shell/<name>.sh to the instance and runs it as a file of its own: its `set -e` must
 * not stop the lines aws-ecs appends to the user data (ECS_CLUSTER), or the instance would
 * join no cluster. A failure is logged to cloud-init's output.
 */
export function runShellAtBoot(userData: ec2.UserData, name: string, environment: Record<string, string>): void {
  installShell(userData, name, `/usr/local/sbin/${name}`, name.toUpperCase().replace(/-/g, '_'));
  userData.addCommands(
    `${Object.entries(environment).map(([key, value]) => `${key}=${shellQuote(value)}`).join(' ')} \\`,
    `  /usr/local/sbin/${name} || echo "${name} failed with $?" >&2`,
  );
}

/**
 * One word for the shell, whatever the value holds: single quotes, with any single quote in it
 * closed, escaped and reopened. Tokens (bucket names, volume ids, the region) resolve to values
 * without quotes, so their placeholders are quoted the same way.
 */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, '\'\\\'\'')}'`;
}

/** Writes a file with the given content (no expansion) to the instance. */
export function writeFileAtBoot(userData: ec2.UserData, target: string, content: string): void {
  const marker = 'SITESPEED_FILE';
  if (content.split('\n').includes(marker)) throw new Error(`${target}: content may not contain a line '${marker}'.`);
  userData.addCommands(
    `mkdir -p ${path.posix.dirname(target)}`,
    `cat > ${target} <<'${marker}'`,
    content.trimEnd(),
    marker,
  );
}

function readShell(name: string): string {
  // From src/ (ts-jest, ts-node) and from lib/ (the package) alike, shell/ is two levels up.
  return fs.readFileSync(path.join(__dirname, '..', '..', 'shell', name), 'utf8');
}
