import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';

/** Writes shell/<name>.sh to `target` on the instance, executable. */
export function installShell(userData: ec2.UserData, name: string, target: string, marker = 'SITESPEED_SCRIPT'): void {
  userData.addCommands(
    `mkdir -p ${path.posix.dirname(target)}`,
    `cat > ${target} <<'${marker}'`,
    installedShell(`${name}.sh`),
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

/**
 * A shipped script as the instances get it: without its comment lines (a line whose first
 * non-blank character is `#`, the `#!` line kept), which are a third of the text, because EC2
 * allows 16 KB of user data. Their heredocs write a script and a systemd unit, where such lines
 * are comments too (a test checks each stripped script still parses and is the repo's minus comments).
 */
export function installedShell(name: string): string {
  // From src/ (ts-jest, ts-node) and from lib/ (the package) alike, shell/ is two levels up.
  const text = fs.readFileSync(path.join(__dirname, '..', '..', 'shell', name), 'utf8');
  return text.split('\n').filter((line, i) => (i === 0 && line.startsWith('#!')) || !/^\s*#/.test(line)).join('\n').trimEnd();
}

/**
 * EC2 takes at most 16 KB of user data, before base64 encoding
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html): a launch template with
 * more is refused at deploy. This is its size at synth, each deploy-time value (a bucket name, a
 * region, an id) counted as TOKEN_BYTES.
 */
export const MAX_USER_DATA_BYTES = 16384;
const TOKEN_BYTES = 64;

export function userDataBytes(stack: Stack, userData: ec2.UserData): number {
  const size = (value: unknown): number => {
    if (typeof value === 'string') return Buffer.byteLength(value);
    const join = (value as any)?.['Fn::Join'];
    if (!join) return TOKEN_BYTES;
    const [delimiter, parts] = join;
    return parts.reduce((sum: number, part: unknown) => sum + size(part), 0) + Buffer.byteLength(delimiter) * Math.max(parts.length - 1, 0);
  };
  return size(stack.resolve(userData.render()));
}

/** A validation that the user data fits, naming what it holds when it does not. */
export function checkUserDataSize(scope: IConstruct, userData: ec2.UserData): string[] {
  const bytes = userDataBytes(Stack.of(scope), userData);
  if (bytes <= MAX_USER_DATA_BYTES) return [];
  const scripts = [...userData.render().matchAll(/^cat > (\S+) <<'SITESPEED_\w+'$/gm)].map(m => m[1]);
  return [
    `The instances' user data takes about ${bytes} bytes; EC2 allows ${MAX_USER_DATA_BYTES} (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html), ` +
    `so the launch template would be refused at deploy. It writes ${scripts.join(', ')}; the rest is what was added with addUserData: move that into a script the instance downloads.`,
  ];
}
