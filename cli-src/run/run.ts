/**
 * `cdk-sitespeed run`: the sites' runs now, through the same path as their schedules (the
 * schedule's target and input, the runTask function and its overlap guard), followed to their
 * end, with an exit code a pipeline can gate on.
 */
import { Task } from '@aws-sdk/client-ecs';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { RunOptions } from './options';
import { runFolderOf } from '../../lambda-src/shared/run-folder';
import { verdictOfRun } from '../../src/contract/regression-verdicts';
import { regressionsKey } from '../../src/contract/report-keys';
import { changeLine } from '../../src/contract/run-events';
import { CONTAINER_NAME, argValue } from '../../src/contract/sitespeed-args';
import { credentialProblem } from '../aws-errors';
import { CheckIo, discover } from '../check/check';
import { Clock } from '../check/clock';
import { Clients } from '../check/context';
import { Site } from '../check/deployment';
import { formatLine } from '../check/report';
import { followTask, invokeFunction, onDemandRequest, scheduledRequest } from '../check/site-run';

export type RunStatus = 'ok' | 'budget failed' | 'failed' | 'no report' | 'not started' | 'refused' | 'timed out' | 'started';

export interface SiteOutcome {
  readonly site: string;
  readonly status: RunStatus;
  /** 0 ok (or started, with --no-wait), 1 budget failed, 3 anything that kept the run from a verdict. */
  readonly exitCode: 0 | 1 | 3;
  readonly task?: string;
  readonly seconds?: number;
  /** The report's index.html: the viewer's address when the cluster has a ReportTree, else s3://. */
  readonly report?: string;
  /** Failing budget checks as `page: metric value (limit)`. */
  readonly failingChecks: string[];
  /** Whether a run in progress was waited for first. */
  readonly waitedForRunInProgress: boolean;
  /**
   * The run's regression verdict from the ReportTree's detection (docs/regressions.md), null when
   * the run left no report or was not waited for. A run on demand is judged against the site's
   * baseline but never confirms: `candidate` is what a slower release shows here.
   */
  readonly regression: RegressionVerdict | null;
  readonly detail?: string;
}

export interface RegressionVerdict {
  /** warming up, ok, candidate, still regressed, recovered, not comparable; unknown when no verdict came in time. */
  readonly verdict: string;
  /** The metrics that moved (candidate) as `url metric: baseline n ms, recent runs m ms (+p %)`. */
  readonly findings: string[];
  /** Page weight, requests, CLS or TBT that rose with them past their thresholds (reported, not tested), one line each. */
  readonly alsoChanged: string[];
  /** The open regression's first run (still regressed, recovered). */
  readonly since?: string;
  /** The deploy marker the run was judged at: compared with the runs before it (`cdk-sitespeed mark`). */
  readonly marker?: string;
  readonly detail?: string;
}

/** Verdicts that fail a gate: the run is slower than the baseline, confirmed or not. */
const SLOWER = ['candidate', 'detected', 'still regressed'];
/** How long the report index may take to judge the run after it stopped (it takes seconds). */
const VERDICT_WAIT_MS = 90_000;

const EXIT: Record<RunStatus, 0 | 1 | 3> = {
  'ok': 0, 'started': 0, 'budget failed': 1, 'failed': 3, 'no report': 3, 'not started': 3, 'refused': 3, 'timed out': 3,
};

/** Runs the sites and prints their outcomes; the exit code is the worst of them (2 before any run: usage). */
export async function runSites(options: RunOptions, clients: Clients, clock: Clock, io: CheckIo): Promise<number> {
  const progress = (text: string) => io.err(`${text}\n`);
  const found = await discover(options.stacks, clients);
  if (!found.deployment) {
    found.lines.forEach(l => io.err(`cdk-sitespeed run: ${formatLine(l)}\n`));
    return 2;
  }
  const all = found.deployment.sites;
  const unknown = options.sites.filter(s => !all.some(site => site.site === s));
  if (unknown.length > 0 || all.length === 0) {
    io.err(`cdk-sitespeed run: ${all.length === 0 ? `no ScheduledSite in ${options.stacks.join(', ')}` : `no site ${unknown.map(s => `'${s}'`).join(', ')} in ${options.stacks.join(', ')}`}` +
      `${all.length ? `; choose from: ${all.map(s => s.site).join(', ')}` : ''}\n`);
    return 2;
  }
  const chosen = options.sites.length ? all.filter(s => options.sites.includes(s.site)) : all;
  let outcomes: SiteOutcome[];
  try {
    outcomes = await Promise.all(chosen.map(site => runSite(site, options, clients, clock, progress)));
  } catch (e) {
    const problem = credentialProblem(e);
    if (!problem) throw e;
    io.err(`cdk-sitespeed run: ${problem}\n`);
    return 2;
  }
  const exitCode = Math.max(...outcomes.map(o => o.exitCode)) as 0 | 1 | 3;
  if (options.json) {
    io.out(JSON.stringify({ exitCode, sites: outcomes }, null, 2));
  } else {
    for (const o of outcomes) io.out(describe(o));
    io.out(`exit ${exitCode}: ${exitCode === 0 ? 'every run ok' : exitCode === 1 ? 'a budget failed or a page got slower' : 'a run failed, never started or timed out'}`);
  }
  return exitCode;
}

function describe(o: SiteOutcome): string {
  const mark = o.exitCode === 0 ? '✓' : '✗';
  const took = o.seconds === undefined ? '' : ` in ${Math.floor(o.seconds / 60)}:${String(o.seconds % 60).padStart(2, '0')}`;
  const lines = [`${mark} ${o.site}: ${o.status}${took}${o.report ? ` ${o.report}` : ''}${o.detail ? ` (${o.detail})` : ''}`];
  for (const check of o.failingChecks) lines.push(`    failing: ${check}`);
  if (o.regression) {
    const r = o.regression;
    const words = r.verdict === 'candidate' ? 'slower than its baseline (not confirmed: the next scheduled runs confirm it)'
      : r.verdict === 'still regressed' ? `still slower than before ${r.since} (an open regression)` : r.verdict;
    const against = r.marker ? ` (judged against the runs before the deploy '${r.marker}')` : '';
    lines.push(`    regression: ${words}${against}${r.detail ? ` (${r.detail})` : ''}`);
    for (const finding of r.findings) lines.push(`      ${finding}`);
    for (const change of r.alsoChanged) lines.push(`      also: ${change}`);
  }
  return lines.join('\n');
}

/** One site: its schedule's request through runTask; a run in progress is followed to its end first. */
async function runSite(site: Site, options: RunOptions, clients: Clients, clock: Clock, progress: (t: string) => void): Promise<SiteOutcome> {
  const base = { site: site.site, failingChecks: [] as string[], regression: null, waitedForRunInProgress: false };
  const scheduled = await scheduledRequest(clients, site);
  // On demand: judged against the site's baseline, never part of it (runTask marks the task).
  const request = 'problem' in scheduled ? scheduled : onDemandRequest(scheduled);
  if ('problem' in request) return { ...base, status: 'refused', exitCode: 3, detail: `${request.problem}: deploy the stack again (ScheduledSite writes it)` };
  const deadline = clock.now() + options.timeoutSeconds * 1000;
  let waited = false;
  for (;;) {
    const requestedAt = new Date(clock.now());
    const { answer, functionError } = await invokeFunction(clients, request);
    if (functionError) {
      return { ...base, status: 'refused', exitCode: 3, detail: `runTask: ${answer?.errorMessage ?? functionError}; its log group has the whole error` };
    }
    const running: string | undefined = answer?.running?.[0]?.split(' ')[0];
    if (!answer?.started && running) {
      // The overlap guard: that run measured what was deployed before. Let it end, then start ours.
      progress(`${site.site}: a run in progress (${running.split('/').pop()}) measured the release before; waiting for it to end`);
      waited = true;
      const previous = await follow(clients, clock, site, running, deadline, progress);
      if (previous?.lastStatus !== 'STOPPED') {
        return { ...base, waitedForRunInProgress: true, status: 'timed out', exitCode: 3, task: running, detail: `the run in progress did not end within --timeout ${options.timeoutSeconds} s` };
      }
      continue;
    }
    const taskArn: string | undefined = answer?.started;
    if (!taskArn) return { ...base, status: 'refused', exitCode: 3, detail: `runTask answered without a task: ${JSON.stringify(answer)}` };
    const started = { ...base, waitedForRunInProgress: waited, task: taskArn };
    progress(`${site.site}: started ${taskArn.split('/').pop()} on ${site.cluster.name}`);
    if (options.noWait) return { ...started, status: 'started', exitCode: 0 };
    const task = await follow(clients, clock, site, taskArn, deadline, progress);
    if (task?.lastStatus !== 'STOPPED') {
      return { ...started, status: 'timed out', exitCode: 3, detail: `still ${task?.lastStatus ?? 'unknown'} after --timeout ${options.timeoutSeconds} s` };
    }
    const { folder, ...outcome } = await verdict(started, task, request.args, clients, site, requestedAt);
    if (!folder) return outcome;
    const regression = await regressionOf(clients, clock, argValue(request.args, '--s3.bucketname')!, site.site, folder);
    const slower = SLOWER.includes(regression.verdict);
    return { ...outcome, regression, exitCode: slower ? Math.max(outcome.exitCode, 1) as 1 | 3 : outcome.exitCode };
  }
}

async function verdict(started: Omit<SiteOutcome, 'status' | 'exitCode'>, task: Task, args: string[], clients: Clients, site: Site,
  requestedAt: Date): Promise<SiteOutcome & { folder?: string }> {
  const stoppedAt = task.stoppedAt ?? new Date();
  const seconds = Math.round((stoppedAt.getTime() - (task.createdAt ?? requestedAt).getTime()) / 1000);
  const outcome = (status: RunStatus, more: Partial<SiteOutcome> & { folder?: string } = {}): SiteOutcome & { folder?: string } =>
    ({ ...started, seconds, status, exitCode: EXIT[status], ...more });
  if (!task.startedAt) {
    return outcome('not started', { detail: [task.stopCode, task.stoppedReason].filter(Boolean).join(': ') || 'it got no instance' });
  }
  const exitCode = (task.containers?.find(c => c.name === CONTAINER_NAME) ?? task.containers?.[0])?.exitCode;
  const bucket = argValue(args, '--s3.bucketname');
  const folder = bucket ? await runFolderOf(clients.s3, bucket, { site: site.site, startedAt: task.startedAt, stoppedAt }) : undefined;
  if (!bucket || !folder) return outcome(exitCode === 0 && !bucket ? 'ok' : 'no report', { detail: `exit code ${exitCode ?? 'none'}` });
  const viewer = argValue(args, '--resultBaseURL');
  const report = viewer ? `${viewer.replace(/\/$/, '')}/${site.site}/${folder}/index.html` : `s3://${bucket}/${site.site}/${folder}/index.html`;
  if (exitCode === 0) return outcome('ok', { report, folder });
  const failing = exitCode === 1 ? await failingChecks(clients, bucket, `${site.site}/${folder}/budgetResult.json`) : [];
  if (failing.length > 0) return outcome('budget failed', { report, failingChecks: failing, folder });
  return outcome('failed', { report, detail: `exit code ${exitCode ?? 'none'}: the run's log stream says why` });
}

/** The failing checks of sitespeed.io's budgetResult.json (--budget.output json: `failing` by page, each with metric, value, limit). */
async function failingChecks(clients: Clients, bucket: string, key: string): Promise<string[]> {
  try {
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const result = JSON.parse(await object.Body!.transformToString());
    return Object.entries<any[]>(result?.failing ?? {}).flatMap(([page, checks]) =>
      (checks ?? []).map(c => `${page}: ${c.metric} ${c.friendlyValue ?? c.value} (${c.limitType ?? 'limit'} ${c.friendlyLimit ?? c.limit})`));
  } catch (e: any) {
    if (e?.name === 'NoSuchKey') return [];
    throw e;
  }
}

/**
 * The run's verdict from the site's regression file (.cdk-sitespeed/regressions/<site>.json, written by
 * the report index once the run's event reaches it): polled until the file has judged the run.
 */
async function regressionOf(clients: Clients, clock: Clock, bucket: string, site: string, run: string): Promise<RegressionVerdict> {
  const deadline = clock.now() + VERDICT_WAIT_MS;
  let file: any;
  for (;;) {
    try {
      const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: regressionsKey(site) }));
      file = JSON.parse(await object.Body!.transformToString());
    } catch (e: any) {
      if (e?.name !== 'NoSuchKey' && !(e instanceof SyntaxError)) throw e;
      file = undefined;
    }
    const entry = verdictOfRun(file, run);
    if (entry?.notKept) return { verdict: 'ok', findings: [], alsoChanged: [], detail: 'no regression' };
    if (entry) {
      return {
        verdict: entry.kind,
        findings: (entry.findings ?? []).map(findingLine),
        alsoChanged: (entry.alsoChanged ?? []).map(changeLine),
        ...(entry.since ? { since: entry.since } : {}),
        ...(entry.marker ? { marker: entry.marker.message } : {}),
      };
    }
    if (clock.now() > deadline) {
      return {
        verdict: 'unknown',
        findings: [],
        alsoChanged: [],
        detail: file ? `the report index had not judged the run after ${VERDICT_WAIT_MS / 1000} s: its log group says why`
          : 'no regression file: the stack has no ReportTree, or its regressions are off for the site',
      };
    }
    await clock.sleep(clock.pollMs);
  }
}

function findingLine(f: any): string {
  const change = f.baselineMedian > 0 ? ` (${f.shift >= 0 ? '+' : ''}${Math.round(f.shift / f.baselineMedian * 100)} %)` : '';
  // The recent median is of the last runs together (this one and the scheduled one before it), as the detector tests them.
  return `${f.url} ${f.metric}: baseline ${Math.round(f.baselineMedian)} ${f.unit ?? 'ms'}, recent runs ${Math.round(f.recentMedian)} ${f.unit ?? 'ms'}${change}`;
}

/** Follows a task, with a progress line whenever its status changes. */
async function follow(clients: Clients, clock: Clock, site: Site, taskArn: string, deadline: number,
  progress: (t: string) => void): Promise<Task | undefined> {
  let last = '';
  return followTask(clients, clock, site, taskArn, deadline, task => {
    const status = task?.lastStatus ?? 'unknown';
    if (status !== last) progress(`${site.site}: ${status}`);
    last = status;
  });
}
