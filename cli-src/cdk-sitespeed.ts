import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { PricingClient } from '@aws-sdk/client-pricing';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { check, CheckIo } from './check/check';
import { Clock, realClock } from './check/clock';
import { Clients } from './check/context';
import { CHECK_USAGE, parseCheckOptions, UsageError } from './check/options';
import { checkPolicy, markPolicy, runPolicy } from './check/permissions';
import { COST_USAGE, costJson, costReport, CostUsageError, parseCostOptions, renderCost } from './cost/cost';
import { markSites } from './mark/mark';
import { MARK_USAGE, MarkUsageError, parseMarkOptions } from './mark/options';
import { parseRunOptions, RUN_USAGE, RunUsageError } from './run/options';
import { runSites } from './run/run';

const USAGE = `Usage: cdk-sitespeed <command> [options]

Commands:
  check    prove a deployed cdk-sitespeed deployment works on your account (cdk-sitespeed check --help)
  run      run sites now, as their schedules do, and gate a pipeline on the outcome (cdk-sitespeed run --help)
  mark     mark a deploy on the report calendar and the Graphite dashboards (cdk-sitespeed mark --help)
  cost     what a synthesized deployment costs a month and per run, before you deploy it (cdk-sitespeed cost --help)`;

/** The SDK clients of the real account, from the usual AWS configuration (profile, region, environment). */
export function awsClients(region?: string): Clients {
  const config = { region, maxAttempts: 5 };
  return {
    cfn: new CloudFormationClient(config),
    ecs: new ECSClient(config),
    autoScaling: new AutoScalingClient(config),
    ssm: new SSMClient(config),
    s3: new S3Client(config),
    // The queue's own URL names its region's endpoint; the client's (the stacks' region, or AWS_ENDPOINT_URL) is the same one.
    sqs: new SQSClient({ ...config, useQueueUrlAsEndpoint: false }),
    sns: new SNSClient(config),
    lambda: new LambdaClient({ ...config, requestHandler: { requestTimeout: 60_000 } }),
    scheduler: new SchedulerClient(config),
    cloudWatch: new CloudWatchClient(config),
    iam: new IAMClient(config),
    httpStatus: async url => (await fetch(url, { method: 'GET', redirect: 'follow', signal: AbortSignal.timeout(20_000) })).status,
  };
}

const processIo: CheckIo = {
  out: text => process.stdout.write(`${text}\n`),
  err: text => process.stderr.write(text),
  tty: Boolean(process.stderr.isTTY),
};

/** The command line: returns the exit code (the bin sets it). `clients` and `clock` are for the tests. */
export async function main(argv: string[], io: CheckIo = processIo, clients?: (region?: string) => Clients,
  clock: Clock = realClock): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'cost') return costCommand(rest, io);
  if (command === 'run') return runCommand(rest, io, clients, clock);
  if (command === 'mark') return markCommand(rest, io, clients);
  if (command !== 'check') {
    io.err(`cdk-sitespeed: unknown command '${command}'\n${USAGE}\n`);
    return 2;
  }
  let options;
  try {
    options = parseCheckOptions(rest);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`cdk-sitespeed check: ${e.message}\nRun cdk-sitespeed check --help for the options.\n`);
    return 2;
  }
  if (options.help) {
    io.out(CHECK_USAGE);
    return 0;
  }
  if (options.printPolicy) {
    io.out(JSON.stringify(checkPolicy(options.stacks, options), null, 2));
    return 0;
  }
  if (options.profile) process.env.AWS_PROFILE = options.profile;
  const { exitCode } = await check(options, (clients ?? awsClients)(options.region), clock, io);
  return exitCode;
}

/** `cdk-sitespeed cost`: the exit code. `pricing` is for the tests. */
export async function costCommand(argv: string[], io: CheckIo, pricing?: () => PricingClient): Promise<number> {
  try {
    const options = parseCostOptions(argv);
    if (options.help) {
      io.out(COST_USAGE);
      return 0;
    }
    const report = await costReport(options, pricing);
    io.out(options.json ? JSON.stringify(costJson(report, options.assumptions), null, 2) : renderCost(report, options.assumptions));
    return 0;
  } catch (e) {
    if (!(e instanceof CostUsageError)) throw e;
    io.err(`cdk-sitespeed cost: ${e.message}\nRun cdk-sitespeed cost --help for the options.\n`);
    return 2;
  }
}

/** What `run` and `mark` share: options, --help, --print-policy, the profile; then the command itself with its clients. */
interface AwsCommand<O extends { help: boolean; printPolicy: boolean; stacks: string[]; profile?: string; region?: string }> {
  readonly name: string;
  readonly usage: string;
  readonly parse: (argv: string[]) => O;
  readonly usageError: new (...args: any[]) => Error;
  readonly policy: (stacks: string[]) => object;
  readonly act: (options: O, clients: Clients) => Promise<number>;
}

async function awsCommand<O extends { help: boolean; printPolicy: boolean; stacks: string[]; profile?: string; region?: string }>(
  command: AwsCommand<O>, argv: string[], io: CheckIo, clients: ((region?: string) => Clients) | undefined): Promise<number> {
  let options: O;
  try {
    options = command.parse(argv);
  } catch (e) {
    if (!(e instanceof command.usageError)) throw e;
    io.err(`cdk-sitespeed ${command.name}: ${e.message}\nRun cdk-sitespeed ${command.name} --help for the options.\n`);
    return 2;
  }
  if (options.help) {
    io.out(command.usage);
    return 0;
  }
  if (options.printPolicy) {
    io.out(JSON.stringify(command.policy(options.stacks), null, 2));
    return 0;
  }
  if (options.profile) process.env.AWS_PROFILE = options.profile;
  return command.act(options, (clients ?? awsClients)(options.region));
}

function runCommand(argv: string[], io: CheckIo, clients: ((region?: string) => Clients) | undefined, clock: Clock): Promise<number> {
  return awsCommand({
    name: 'run',
    usage: RUN_USAGE,
    parse: parseRunOptions,
    usageError: RunUsageError,
    policy: runPolicy,
    act: (options, made) => runSites(options, made, clock, io),
  }, argv, io, clients);
}

function markCommand(argv: string[], io: CheckIo, clients: ((region?: string) => Clients) | undefined): Promise<number> {
  return awsCommand({
    name: 'mark',
    usage: MARK_USAGE,
    parse: parseMarkOptions,
    usageError: MarkUsageError,
    policy: markPolicy,
    act: (options, made) => markSites(options, made, io),
  }, argv, io, clients);
}
