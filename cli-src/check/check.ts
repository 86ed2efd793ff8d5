import { checkAccount } from './account';
import { credentialProblem } from '../aws-errors';
import { checkAlarmDelivery } from './alarm-delivery';
import { Clock } from './clock';
import { CheckContext, Clients } from './context';
import { DeployedStack, Deployment, deploymentOf, readStack, stackNames } from './deployment';
import { checkAlerts, checkFunctions, checkQueues } from './health';
import { checkInstances } from './instances';
import { checkMarkers } from './markers';
import { checkMetrics } from './metrics';
import { CheckOptions } from './options';
import { fail, formatLine, jsonReport, Line, pass, skip, summary } from './report';
import { checkCalendar, checkConfig, checkKeys, checkRegressions, checkReport, checkViewer } from './run-results';
import { chosenSite, checkRun } from './site-run';

export interface CheckIo {
  /** The verdict (stdout). */
  readonly out: (text: string) => void;
  /** Progress (stderr). */
  readonly err: (text: string) => void;
  /** Whether stderr is a terminal (progress then rewrites one line). */
  readonly tty: boolean;
}

type Step = { name: string; seconds: (o: CheckOptions) => number; run: (ctx: CheckContext) => Promise<Line[]> };

/** In order: the run scales a cluster out, so the config probe (on the run's instance) comes after it. */
const STEPS: Step[] = [
  { name: 'account', seconds: o => o.stepTimeoutSeconds, run: checkAccount },
  { name: 'instances', seconds: o => o.stepTimeoutSeconds, run: checkInstances },
  { name: 'metrics', seconds: o => o.stepTimeoutSeconds, run: checkMetrics },
  { name: 'run', seconds: o => o.runTimeoutSeconds + 60, run: checkRun },
  { name: 'report', seconds: o => o.stepTimeoutSeconds, run: checkReport },
  { name: 'calendar', seconds: o => o.stepTimeoutSeconds + 60, run: checkCalendar },
  { name: 'regressions', seconds: o => o.stepTimeoutSeconds + 60, run: checkRegressions },
  { name: 'viewer', seconds: o => o.stepTimeoutSeconds, run: checkViewer },
  { name: 'keys', seconds: o => o.stepTimeoutSeconds, run: checkKeys },
  { name: 'config', seconds: o => o.stepTimeoutSeconds, run: checkConfig },
  { name: 'queues', seconds: o => o.stepTimeoutSeconds, run: checkQueues },
  { name: 'functions', seconds: o => o.stepTimeoutSeconds, run: checkFunctions },
  { name: 'alerts', seconds: o => o.stepTimeoutSeconds, run: checkAlerts },
  { name: 'markers', seconds: o => o.stepTimeoutSeconds, run: checkMarkers },
  { name: 'alarm test', seconds: o => o.stepTimeoutSeconds, run: checkAlarmDelivery },
];

/** Runs every step and prints its lines as they come (or the JSON verdict at the end); the exit code is 1 on any ✗. */
export async function check(options: CheckOptions, clients: Clients, clock: Clock, io: CheckIo): Promise<{ lines: Line[]; exitCode: number }> {
  const started = new Date(clock.now());
  const lines: Line[] = [];
  let progressShown = false;
  const clearProgress = () => {
    if (progressShown && io.tty) io.err('\r\x1b[K');
    progressShown = false;
  };
  const emit = (more: Line[]) => {
    lines.push(...more);
    clearProgress();
    if (!options.json) more.forEach(l => io.out(formatLine(l)));
  };
  const progress = (text: string) => {
    io.err(io.tty ? `\r\x1b[K${text}` : `${text}\n`);
    progressShown = true;
  };

  const found = await discover(options.stacks, clients);
  emit(found.lines);
  if (found.deployment) {
    const ctx: CheckContext = { clients, clock, options, deployment: found.deployment, progress };
    const site = options.run ? chosenSite(ctx) : undefined;
    if (site && 'site' in site) {
      progress(`read-only, except one run of ${site.site} it starts now on ${site.cluster.name} (--no-run to leave it out)`);
      if (!io.tty) progressShown = false;
    }
    for (const step of STEPS) emit(await timed(step, ctx));
  }
  clearProgress();
  const exitCode = lines.some(l => l.verdict === 'fail') ? 1 : 0;
  if (options.json) io.out(jsonReport(lines, started, new Date(clock.now())));
  else io.out(summary(lines));
  return { lines, exitCode };
}

/** The deployment in the stacks matching the patterns, with a line for each stack; no deployment when there is none to check. */
export async function discover(patterns: string[], clients: Clients): Promise<{ lines: Line[]; deployment?: Deployment }> {
  const lines: Line[] = [];
  let names: string[];
  try {
    names = await stackNames(clients.cfn, patterns);
  } catch (e: any) {
    return { lines: [failure('stacks', e)] };
  }
  if (names.length === 0) {
    const region = await clients.cfn.config.region().catch(() => 'unknown');
    return { lines: [fail('stacks', `no stack matches ${patterns.join(', ')} in ${region}`, 'check the names (`aws cloudformation list-stacks`) and the region (--region)')] };
  }
  const stacks: DeployedStack[] = [];
  for (const name of names) {
    try {
      const stack = await readStack(clients.cfn, name);
      stacks.push(stack);
      const settled = /_COMPLETE$/.test(stack.status) && !/ROLLBACK/.test(stack.status);
      if (!settled) {
        lines.push(fail('stacks', `${name} is ${stack.status}`, stack.status.endsWith('IN_PROGRESS')
          ? 'wait until the deployment finishes, then check again'
          : 'the stack\'s events say what failed: `aws cloudformation describe-stack-events --stack-name ' + name + '`'));
      }
    } catch (e: any) {
      // Credentials that fail for one stack fail for all: one line, and no verdict on the deployment.
      if (credentialProblem(e)) return { lines: [failure('stacks', e)] };
      lines.push(failure('stacks', e, `${name}: `));
    }
  }
  const deployment = deploymentOf(stacks);
  const parts = [
    [deployment.clusters.length, 'cluster'], [deployment.sites.length, 'site'], [deployment.metrics.length, 'metrics instance group'],
    [deployment.queues.length, 'dead-letter queue'], [deployment.functions.length, 'function'],
  ].filter(([n]) => n).map(([n, what]) => `${n} ${what}${n === 1 ? '' : 's'}`);
  if (parts.length === 0) {
    lines.push(fail('stacks', `no cdk-sitespeed part in ${stacks.map(s => s.name).join(', ') || 'these stacks'}`,
      'name the stacks that hold SitespeedCluster and MetricsStack; a deployment made with a cdk-sitespeed older than this command has no check metadata: deploy it again'));
    return { lines };
  }
  lines.push(pass('stacks', `${stacks.map(s => `${s.name} (${s.status})`).join(', ')}: ${parts.join(', ')}`));
  for (const clusterStack of [...new Set(deployment.strays.map(s => s.clusterStack))]) {
    const strays = deployment.strays.filter(s => s.clusterStack === clusterStack).map(s => s.site);
    lines.push(skip('stacks', `site(s) ${strays.join(', ')} run on a cluster in ${clusterStack}, which is not among these stacks`, `add it: --stack ${clusterStack}`));
  }
  return { lines, deployment };
}

async function timed(step: Step, ctx: CheckContext): Promise<Line[]> {
  const seconds = step.seconds(ctx.options);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Line[]>(resolve => {
    timer = setTimeout(() => resolve([fail(step.name, `did not finish in ${seconds} s`, 'raise --step-timeout (or --run-timeout for the run), or look at what the step waits for')]), seconds * 1000);
  });
  try {
    return await Promise.race([step.run(ctx).catch(e => [failure(step.name, e)]), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** An AWS error as a ✗ line: credentials and access denied say what to do, anything else its message. */
export function failure(step: string, e: any, prefix = ''): Line {
  const message = `${prefix}${e?.name ?? 'Error'}: ${e?.message ?? e}`;
  const credentials = credentialProblem(e);
  if (credentials) return fail(step, credentials, 'nothing else was called: fix the credentials and run the command again');
  if (/AccessDenied|UnauthorizedOperation|not authorized/i.test(`${e?.name} ${e?.message}`)) {
    return fail(step, message, 'your credentials lack the permission the message names (`cdk-sitespeed check --help` lists what the check needs)');
  }
  if (/does not exist/i.test(String(e?.message))) return fail(step, message, 'check the name and the region (--region)');
  return fail(step, message, 'retry; if it persists, tell us (an issue with this output)');
}
