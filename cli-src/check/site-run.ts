import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeContainerInstancesCommand, DescribeTasksCommand, Task } from '@aws-sdk/client-ecs';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { GetScheduleCommand } from '@aws-sdk/client-scheduler';
import { Clock } from './clock';
import { CheckContext, Clients } from './context';
import { Site } from './deployment';
import { shapingLine } from './instances';
import { fail, Line, pass, skip } from './report';

const STEP = 'run';

/** The site the run step starts: the one asked for, else the first by name. */
export function chosenSite(ctx: CheckContext): Site | Line {
  const sites = ctx.deployment.sites;
  if (sites.length === 0) return fail(STEP, 'no ScheduledSite in these stacks', 'name the stack that holds the cluster and its sites with --stack');
  if (!ctx.options.site) return sites[0];
  return sites.find(s => s.site === ctx.options.site)
    ?? fail(STEP, `no site '${ctx.options.site}' in these stacks`, `choose one of: ${sites.map(s => s.site).join(', ')}`);
}

/**
 * Starts one run of the site exactly as its schedule would (the schedule's own target and
 * input, through the runTask function) and follows it to STOPPED.
 */
export async function checkRun(ctx: CheckContext): Promise<Line[]> {
  if (!ctx.options.run) return [skip(STEP, 'no run started (--no-run): the report, calendar, viewer, keys and config are not checked')];
  const site = chosenSite(ctx);
  if (!('site' in site)) return [site];

  const scheduled = await scheduledRequest(ctx.clients, site);
  if ('problem' in scheduled) return [fail(STEP, scheduled.problem, 'deploy the stack again (the input is written by ScheduledSite)')];
  // A proof run, not a measurement of the schedule: kept out of the site's regression baseline.
  const request = onDemandRequest(scheduled);
  const startedAt = new Date(ctx.clock.now());
  const { answer, functionError } = await invokeFunction(ctx.clients, request);
  if (functionError) {
    return [fail(STEP, `the runTask function refused the run of ${site.site}: ${answer?.errorMessage ?? functionError}`,
      `its log group (/aws/lambda/${request.arn.split(':').pop()}) has the whole error; a RunTask failure names the missing capacity or permission`)];
  }
  const taskArn: string | undefined = answer?.started ?? answer?.running?.[0]?.split(' ')[0];
  if (!taskArn) return [fail(STEP, `the runTask function answered without a task: ${JSON.stringify(answer)}`, 'its log group has the details')];
  const lines: Line[] = [];
  lines.push(answer.started
    ? pass(STEP, `started ${site.site} on ${site.cluster.name} (${taskArn.split('/').pop()}) through its schedule's target and input`)
    : skip(STEP, `a run of ${site.site} was already in progress (the overlap guard kept a second one from starting): following it`));

  const task = await follow(ctx, site, taskArn, startedAt);
  if (!task || task.lastStatus !== 'STOPPED') {
    const status = task?.lastStatus ?? 'unknown';
    lines.push(fail(STEP, `${site.site} is still ${status} after ${ctx.options.runTimeoutSeconds} s`, status === 'PROVISIONING'
      ? `no instance took it: the group ${site.cluster.autoScalingGroup}'s activity history says why (instance type capacity, the schedule's hardStop), and the instances line above`
      : 'a long run: raise --run-timeout, or look at the run\'s log stream'));
    return lines;
  }
  const container = task.containers?.find(c => c.name === 'sitespeed') ?? task.containers?.[0];
  const stoppedAt = task.stoppedAt ?? new Date(ctx.clock.now());
  const instanceId = await instanceOf(ctx, site, task);
  ctx.run = { site, args: request.args, startedAt: task.startedAt ?? startedAt, stoppedAt, exitCode: container?.exitCode, instanceId };
  const took = Math.round((stoppedAt.getTime() - (task.createdAt ?? startedAt).getTime()) / 1000);
  if (!task.startedAt) {
    // ECS sets startedAt when a task reaches RUNNING (ECS API reference, Task.startedAt): this one never did.
    const why = [task.stopCode, task.stoppedReason].filter(Boolean).join(': ');
    lines.push(fail(STEP, `${site.site} never started: its task stopped after ${took} s${why ? ` (${why})` : ''}`,
      `it got no instance or could not start there: the group ${site.cluster.autoScalingGroup}'s activity history (vCPU quota, no capacity of the type in the zone, a launch that failed), the instances line above (joined? the shaping attribute?), and the image pull`));
  } else if (container?.exitCode === 0) {
    lines.push(pass(STEP, `${site.site} stopped after ${took} s with exit code 0`));
  } else {
    const why = [container?.reason, task.stoppedReason].filter(Boolean).join('; ');
    lines.push(fail(STEP, `${site.site} stopped after ${took} s with exit code ${container?.exitCode ?? 'none'}${why ? ` (${why})` : ''}`,
      container?.exitCode === 1
        ? 'sitespeed.io exits 1 on a failed budget or a page it could not test: the run\'s log stream and its report say which'
        : 'the run\'s log stream in the cluster\'s log group says why (no exit code: the container never started, e.g. the image could not be pulled)'));
  }
  if (instanceId && site.cluster.shaping !== 'none') {
    const described = await ctx.clients.ecs.send(new DescribeContainerInstancesCommand({
      cluster: site.cluster.name, containerInstances: [task.containerInstanceArn!],
    }));
    const instance = described.containerInstances?.[0];
    if (instance) lines.push({ ...shapingLine(site.cluster.name, instance), step: STEP });
  }
  return lines;
}

function parseAnswer(payload: Uint8Array | undefined): any {
  try {
    return JSON.parse(new TextDecoder().decode(payload ?? new Uint8Array()));
  } catch {
    return undefined;
  }
}

/** Polls the task until it stops or the run time-out passes, with a progress line on every poll. */
async function follow(ctx: CheckContext, site: Site, taskArn: string, startedAt: Date): Promise<Task | undefined> {
  return followTask(ctx.clients, ctx.clock, site, taskArn, startedAt.getTime() + ctx.options.runTimeoutSeconds * 1000, async task => {
    const elapsed = Math.round((ctx.clock.now() - startedAt.getTime()) / 1000);
    const scaling = task?.lastStatus === 'PROVISIONING' ? await scaleOut(ctx, site.cluster.autoScalingGroup) : '';
    ctx.progress(`${site.site}: ${task?.lastStatus ?? 'unknown'} ${Math.floor(elapsed / 60)}:${String(elapsed % 60).padStart(2, '0')}${scaling}`);
  });
}

/** A site's run request as its schedule sends it (target and input), or what is wrong with the schedule. */
export async function scheduledRequest(clients: Clients, site: Site): Promise<{ arn: string; input: string; args: string[] } | { problem: string }> {
  const schedule = await clients.scheduler.send(new GetScheduleCommand({ Name: site.scheduleName, GroupName: site.scheduleGroup }));
  const target = schedule.Target;
  let request: { args?: string[] };
  try {
    request = JSON.parse(target?.Input ?? '');
  } catch {
    return { problem: `the schedule ${site.scheduleName} has no run request as its input` };
  }
  if (!target?.Arn || !Array.isArray(request.args)) return { problem: `the schedule ${site.scheduleName} has no target or no arguments` };
  return { arn: target.Arn, input: target.Input!, args: request.args };
}

/**
 * The request a schedule sends, marked as a run on demand: runTask marks its task, and the
 * regression detector judges the run without taking it into the site's baseline.
 */
export function onDemandRequest(request: { arn: string; input: string; args: string[] }): { arn: string; input: string; args: string[] } {
  return { ...request, input: JSON.stringify({ ...JSON.parse(request.input), onDemand: true }) };
}

/** The runTask function invoked with the schedule's own input, as the schedule does: its answer, and its error if it failed. */
export async function invokeFunction(clients: Clients, request: { arn: string; input: string }): Promise<{ answer: any; functionError?: string }> {
  const invoked = await clients.lambda.send(new InvokeCommand({
    FunctionName: request.arn, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(request.input),
  }));
  return { answer: parseAnswer(invoked.Payload), functionError: invoked.FunctionError };
}

/** Polls a task until it stops or the deadline passes, telling `polled` what each poll saw. */
export async function followTask(clients: Clients, clock: Clock, site: Site, taskArn: string, deadline: number,
  polled: (task: Task | undefined) => Promise<void> | void): Promise<Task | undefined> {
  let task: Task | undefined;
  for (;;) {
    const described = await clients.ecs.send(new DescribeTasksCommand({ cluster: site.cluster.name, tasks: [taskArn] }));
    task = described.tasks?.[0] ?? task;
    await polled(task);
    if (task?.lastStatus === 'STOPPED' || clock.now() > deadline) return task;
    await clock.sleep(clock.pollMs);
  }
}

async function scaleOut(ctx: CheckContext, group: string): Promise<string> {
  if (!group) return '';
  const described = await ctx.clients.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }));
  const g = described.AutoScalingGroups?.[0];
  if (!g) return '';
  const inService = (g.Instances ?? []).filter(i => i.LifecycleState === 'InService').length;
  return `, scaling out: ${inService} of ${g.DesiredCapacity ?? 0} instances in service`;
}

async function instanceOf(ctx: CheckContext, site: Site, task: Task): Promise<string | undefined> {
  if (!task.containerInstanceArn) return undefined;
  const described = await ctx.clients.ecs.send(new DescribeContainerInstancesCommand({
    cluster: site.cluster.name, containerInstances: [task.containerInstanceArn],
  }));
  return described.containerInstances?.[0]?.ec2InstanceId;
}
