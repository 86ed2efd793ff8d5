import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/**
 * sitespeed.io's own command-line module at the pinned image's version (installed by
 * test/sitespeed-cli/install.sh, the second step of test:tools), asked through cli.mjs.
 */
export const SITESPEED_CLI_VERSION = '42.7.0';
const ROOT = path.join(__dirname, '..', '..', '.sitespeed-cli', SITESPEED_CLI_VERSION);

function runCli(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  if (!fs.existsSync(path.join(ROOT, '.stamp'))) {
    throw new Error(
      `sitespeed.io ${SITESPEED_CLI_VERSION}'s CLI is not in ${ROOT}: the test tools are not installed. ` +
      'Run `npm test` (its first step installs them) or `npx projen test:tools`.',
    );
  }
  const result = spawnSync(process.execPath, ['--import', path.join(__dirname, 'register.mjs'), path.join(__dirname, 'cli.mjs'), ...args], {
    env: { ...process.env, ...env, SITESPEED_CLI_ROOT: ROOT },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface OptionTable {
  readonly version: string;
  /** Every option name yargs knows, with its aliases as yargs holds them. */
  readonly options: Record<string, string[]>;
}

/** Every option sitespeed.io's option files define, read back from yargs. */
export function optionTable(): OptionTable {
  const result = runCli(['table']);
  if (result.status !== 0) throw new Error(`sitespeed.io CLI table failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout);
}

export type Parsed =
  | { readonly accepted: true; readonly urls: string[]; readonly options: Record<string, any> }
  | { readonly accepted: false; readonly message: string };

/** An argument list parsed exactly as the sitespeed.io binary parses it (with `env` added to its environment). */
export function parseArgs(args: string[], env: Record<string, string> = {}): Parsed {
  const result = runCli(['parse', JSON.stringify(args)], env);
  if (result.status === 0) {
    const parsed = JSON.parse(result.stdout);
    return { accepted: true, urls: parsed.urls, options: parsed.options };
  }
  // yargs prints the usage, then its message as the last paragraph.
  const message = result.stderr.trim().split('\n\n').pop() ?? result.stderr;
  return { accepted: false, message };
}
