import { parseArgs } from 'util';

export interface CheckOptions {
  /** Stack names or patterns with `*`. */
  readonly stacks: string[];
  readonly site?: string;
  /** Start one run of the site (the only thing the check changes). */
  readonly run: boolean;
  readonly json: boolean;
  /** Set each SiteAlerts' alarm to ALARM and back to OK, to prove the alarms reach their topics. */
  readonly testAlarm: boolean;
  /** Print the IAM policy the check needs (for these options) and exit. */
  readonly printPolicy: boolean;
  readonly stepTimeoutSeconds: number;
  readonly runTimeoutSeconds: number;
  readonly region?: string;
  readonly profile?: string;
  readonly help: boolean;
}

export const CHECK_USAGE = `Usage: cdk-sitespeed check --stack NAME [--stack NAME …] [options]

Proves a deployed cdk-sitespeed deployment works on your account: the ECS service-linked role,
instances joined to their
clusters (with the shaping and metrics-volume attributes), Graphite closed to anonymous requests
and open with the stack's credentials, Grafana healthy, one real run of a site followed to its
report in S3, its day in the calendar, its link through the viewer and its keys in Graphite, the
config folder in sync, the dead-letter queues empty and the functions without errors.
Read-only, except the one run it starts (leave it out with --no-run) and, with --test-alarm,
the alarms it sets off.

Options:
  --stack NAME          a stack of the deployment (repeat; '*' matches, e.g. 'prod-*')
  --site SLUG           the site to run (default: the first site by name)
  --no-run              start no run (the run, report, calendar, viewer and keys are not checked)
  --json                print the verdict as JSON on stdout (progress stays on stderr)
  --print-policy        print the IAM policy this check needs with these options (--stack
                        patterns, --no-run, --test-alarm) and exit, calling nothing
  --test-alarm          set each SiteAlerts' dead-letter alarm to ALARM, read its history until
                        each topic's delivery shows (or the error naming the broken link), and set
                        it back to OK: this PAGES THE SUBSCRIBERS TWICE (ALARM, then OK)
  --step-timeout SEC    give up on a step after this long (default 300)
  --run-timeout SEC     give up on the run after this long, scale-out included (default 1800)
  --region REGION       the stacks' region (default: your AWS configuration's)
  --profile NAME        the AWS profile to use (default: your AWS configuration's)
  -h, --help            this help

Exit code: 0 when every line is ✓ (or – not checked), 1 on any ✗, 2 on a usage error.
Each ✗ line says what to do. The permissions it needs: --print-policy (the probes it sends
through SSM are read-only shell scripts shipped in the package's shell/ folder).`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseCheckOptions(argv: string[]): CheckOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'stack': { type: 'string', multiple: true },
        'site': { type: 'string' },
        'no-run': { type: 'boolean' },
        'json': { type: 'boolean' },
        'test-alarm': { type: 'boolean' },
        'print-policy': { type: 'boolean' },
        'step-timeout': { type: 'string' },
        'run-timeout': { type: 'string' },
        'region': { type: 'string' },
        'profile': { type: 'string' },
        'help': { type: 'boolean', short: 'h' },
      },
    });
  } catch (e: any) {
    throw new UsageError(e.message);
  }
  const v = parsed.values;
  const help = v.help ?? false;
  const stacks = v.stack ?? [];
  if (!help && !v['print-policy'] && stacks.length === 0) throw new UsageError('--stack is required: the name of a stack of the deployment (e.g. --stack prod-Sitespeed --stack prod-Metrics, or --stack \'prod-*\').');
  return {
    stacks,
    site: v.site,
    run: !(v['no-run'] ?? false),
    json: v.json ?? false,
    testAlarm: v['test-alarm'] ?? false,
    printPolicy: v['print-policy'] ?? false,
    stepTimeoutSeconds: seconds('--step-timeout', v['step-timeout'], 300),
    runTimeoutSeconds: seconds('--run-timeout', v['run-timeout'], 1800),
    region: v.region,
    profile: v.profile,
    help,
  };
}

function seconds(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${flag} must be a whole number of seconds, at least 1 (got '${value}').`);
  return Number(value);
}
