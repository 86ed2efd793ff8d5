import { parseArgs } from 'util';

export interface RunOptions {
  /** Stack names or patterns with `*`. */
  readonly stacks: string[];
  /** Site slugs; empty for every site of the stacks. */
  readonly sites: string[];
  readonly json: boolean;
  /** Start the runs and exit without following them. */
  readonly noWait: boolean;
  /** How long to follow each site's run (a run in progress first, then ours). */
  readonly timeoutSeconds: number;
  readonly printPolicy: boolean;
  readonly region?: string;
  readonly profile?: string;
  readonly help: boolean;
}

export const RUN_USAGE = `Usage: cdk-sitespeed run --stack NAME [--site SLUG …] [options]

Runs sites now, the way their schedules do (the schedule's own target and input, through the
cluster's runTask function, with its overlap guard), follows each run to its end and prints the
report link and the budget checks: a gate for a pipeline, right after a deploy. A run already in
progress measured what was deployed before: it is waited for, then a new one starts.

Options:
  --stack NAME        a stack of the deployment (repeat; '*' matches, e.g. 'prod-*')
  --site SLUG         a site to run (repeat; default: every site of the stacks)
  --json              print the outcome as JSON on stdout (progress stays on stderr)
  --timeout SECONDS   how long to follow each site's runs (default 1800)
  --no-wait           start the runs and exit 0 once each has started (3 if one could not)
  --print-policy      print the IAM policy this command needs (for these --stack patterns) and exit
  --region REGION     the stacks' region (default: your AWS configuration's)
  --profile NAME      the AWS profile to use (default: your AWS configuration's)
  --help              this text

Exit codes, the worst across the sites:
  0  every run ok
  1  a budget failed, or the run is slower than its site's baseline (an unconfirmed
     candidate counts, since a gate wants the verdict now; docs/regressions.md)
  3  a run failed, left no report, never started, was refused or timed out
  2  usage: a wrong option, no such stack or site, no or expired credentials, no region`;

export class RunUsageError extends Error {}

export function parseRunOptions(argv: string[]): RunOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        'stack': { type: 'string', multiple: true },
        'site': { type: 'string', multiple: true },
        'json': { type: 'boolean' },
        'no-wait': { type: 'boolean' },
        'timeout': { type: 'string' },
        'print-policy': { type: 'boolean' },
        'region': { type: 'string' },
        'profile': { type: 'string' },
        'help': { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new RunUsageError((e as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const help = Boolean(v.help);
  const stacks = (v.stack as string[] | undefined) ?? [];
  if (!help && stacks.length === 0) throw new RunUsageError('--stack is required: name the stacks of the deployment (e.g. --stack \'prod-*\')');
  const timeout = v.timeout === undefined ? 1800 : Number(v.timeout);
  if (!Number.isInteger(timeout) || timeout < 1) throw new RunUsageError(`--timeout must be a whole number of seconds of 1 or more, got '${v.timeout}'`);
  return {
    stacks,
    sites: (v.site as string[] | undefined) ?? [],
    json: Boolean(v.json),
    noWait: Boolean(v['no-wait']),
    timeoutSeconds: timeout,
    printPolicy: Boolean(v['print-policy']),
    region: v.region as string | undefined,
    profile: v.profile as string | undefined,
    help,
  };
}
