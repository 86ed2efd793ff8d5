import { parseArgs } from 'util';
import { MARKER_ID, MAX_MESSAGE_CHARS } from '../../src/contract/deploy-markers';

export interface MarkOptions {
  /** Stack names or patterns with `*`. */
  readonly stacks: string[];
  readonly message: string;
  /** Site slugs; empty for every site with a DeployMarkers in the stacks. */
  readonly sites: string[];
  /** Makes a retry of this marker a no-op (and posts only the annotations still missing). */
  readonly id?: string;
  /** The change is meant: accept the regressions open on the marked sites. */
  readonly accept: boolean;
  readonly json: boolean;
  readonly printPolicy: boolean;
  readonly region?: string;
  readonly profile?: string;
  readonly help: boolean;
}

export const MARK_USAGE = `Usage: cdk-sitespeed mark --stack NAME --message TEXT [--site SLUG …] [options]

Marks a deploy: a line on the report calendar (and in each marked site's run list) and a Graphite
annotation tagged 'deploy' on the sites' dashboards, through the cluster's DeployMarkers function.
Run it right after a deploy, before 'cdk-sitespeed run': the runs after a marker are judged
together against the runs before it (docs/regressions.md), so the first run after the deploy already
has a verdict, and the runs before it stay the baseline until that verdict is in.

Options:
  --stack NAME        a stack of the deployment (repeat; '*' matches, e.g. 'prod-*')
  --message TEXT      what was deployed, one line of at most ${MAX_MESSAGE_CHARS} characters (e.g. 'v1.2.3')
  --site SLUG         a site to mark (repeat; default: every site of the clusters with a DeployMarkers)
  --id ID             the marker's id (letters, digits, . _ : -): the same id again marks nothing
                      twice and posts only the annotations still missing (default: a new one)
  --accept            the change is meant (e.g. a heavier page by design): a regression open on a
                      marked site is accepted at its next scheduled run, and its level becomes the
                      baseline (otherwise only after the site's acceptAfterRuns runs)
  --json              print the outcome as JSON on stdout
  --print-policy      print the IAM policy this command needs (for these --stack patterns) and exit
  --region REGION     the stacks' region (default: your AWS configuration's)
  --profile NAME      the AWS profile to use (default: your AWS configuration's)
  --help              this text

Exit codes:
  0  marked: on the calendar, and in Graphite for the sites that send there
  3  not marked, or on the calendar without every Graphite annotation (retry with the --id printed)
  2  usage: a wrong option, no such stack or site, no DeployMarkers, no or expired credentials`;

export class MarkUsageError extends Error {}

export function parseMarkOptions(argv: string[]): MarkOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        'stack': { type: 'string', multiple: true },
        'message': { type: 'string' },
        'site': { type: 'string', multiple: true },
        'id': { type: 'string' },
        'accept': { type: 'boolean' },
        'json': { type: 'boolean' },
        'print-policy': { type: 'boolean' },
        'region': { type: 'string' },
        'profile': { type: 'string' },
        'help': { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new MarkUsageError((e as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const help = Boolean(v.help);
  const printPolicy = Boolean(v['print-policy']);
  const stacks = (v.stack as string[] | undefined) ?? [];
  const message = ((v.message as string | undefined) ?? '').trim();
  const id = v.id as string | undefined;
  if (!help && stacks.length === 0) throw new MarkUsageError('--stack is required: name the stacks of the deployment (e.g. --stack \'prod-*\')');
  if (!help && !printPolicy) {
    if (!message) throw new MarkUsageError('--message is required: what was deployed, e.g. --message v1.2.3');
    if (message.length > MAX_MESSAGE_CHARS || /[\r\n]/.test(message)) throw new MarkUsageError(`--message must be one line of at most ${MAX_MESSAGE_CHARS} characters`);
    if (id !== undefined && !MARKER_ID.test(id)) throw new MarkUsageError(`--id must be 1 to 128 letters, digits, '.', '_', ':' or '-', got '${id}'`);
  }
  return {
    stacks,
    message,
    sites: (v.site as string[] | undefined) ?? [],
    ...(id !== undefined ? { id } : {}),
    accept: Boolean(v.accept),
    json: Boolean(v.json),
    printPolicy,
    region: v.region as string | undefined,
    profile: v.profile as string | undefined,
    help,
  };
}
