import { AlertKind, SiteState } from './decide';
import { BudgetCheck, RunFinished } from '../../src/contract/run-events';

/** One alert, for each kind of subscriber: plain text (email, SQS, anything) and AWS Chatbot's custom format (Slack). */
export interface AlertMessage {
  readonly subject: string;
  readonly text: string;
  /** https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html */
  readonly chatbot: object;
}

const STATUS_WORDS: Record<string, string> = {
  'budget failed': 'its performance budget failed',
  'failed': 'the run failed',
  'no report': 'the run left no report',
  'ok': 'the run passed',
  'not started': 'the run never started',
};

function when(iso: string | undefined): string {
  return iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : 'an unknown time';
}

function check(c: BudgetCheck): string {
  const shown = (friendly: unknown, raw: unknown) => String(friendly ?? raw);
  const limit = c.limitType === 'min' ? 'at least' : 'at most';
  return `${c.page}: ${c.metric} is ${shown(c.friendlyValue, c.value)}, ${limit} ${shown(c.friendlyLimit, c.limit)} allowed`;
}

/** What happened, the failing checks (at most 10), and the links, as lines. */
function details(run: RunFinished): string[] {
  const lines = [`What happened: ${STATUS_WORDS[run.status] ?? run.status}${run.exitCode === null ? '' : ` (exit code ${run.exitCode})`}${run.reason ? `: ${run.reason}` : ''}.`];
  if (run.failedBudgetChecks.length > 0) {
    lines.push('Failing budget checks:', ...run.failedBudgetChecks.slice(0, 10).map(c => `  - ${check(c)}`));
    const all = Math.max(run.failedBudgetCheckCount ?? 0, run.failedBudgetChecks.length);
    if (all > 10) lines.push(`  - and ${all - Math.min(10, run.failedBudgetChecks.length)} more in the report`);
  }
  if (run.reportUrl) lines.push(`Report: ${run.reportUrl}`);
  if (run.viewerUrl) lines.push(`Calendar: ${run.viewerUrl}`);
  return lines;
}

export function alertMessage(kind: AlertKind, run: RunFinished, state: SiteState): AlertMessage {
  let subject: string;
  let lead: string;
  let tail: string;
  switch (kind) {
    case 'failing':
      subject = `${run.site} is failing: ${run.status}`;
      lead = `${run.site} started failing at ${when(run.stoppedAt)} on ${run.cluster}${run.rerun ? ', confirmed by a second run' : ''}.`;
      tail = 'You get one message when it recovers.';
      break;
    case 'still failing':
      subject = `${run.site} is still failing after ${state.failures} runs`;
      lead = `${run.site} has failed ${state.failures} runs in a row since ${when(state.since)} on ${run.cluster}.`;
      tail = 'This is the only reminder; you get one message when it recovers.';
      break;
    case 'running again':
      subject = `${run.site} is running again`;
      lead = `${run.site} finished a run again at ${when(run.stoppedAt)} on ${run.cluster} (${STATUS_WORDS[run.status] ?? run.status}), after a long silence.`;
      tail = '';
      break;
    case 'not starting':
      subject = `${run.site}: ${state.notStarted} runs in a row never started`;
      lead = `${run.site} has had ${state.notStarted} runs in a row on ${run.cluster} that never started, the last at ${when(run.stoppedAt)}${run.stopCode ? ` (ECS stop code ${run.stopCode})` : ''}.`;
      tail = 'Likely: the cluster gets no instance (vCPU quota, no capacity of the instance type in the zone, a launch failing before InService, an instance without the shaping attribute), or the image cannot be pulled. `npx cdk-sitespeed check` shows which. You get one message when runs start again.';
      break;
    case 'starting again':
      subject = `${run.site}: runs start again`;
      lead = `${run.site} started a run again at ${when(run.startedAt)} on ${run.cluster} (${STATUS_WORDS[run.status] ?? run.status}).`;
      tail = '';
      break;
    case 'recovered':
      subject = `${run.site} recovered`;
      lead = `${run.site} passed again at ${when(run.stoppedAt)} on ${run.cluster}, after failing since ${when(state.since)}.`;
      tail = '';
      break;
  }
  const body = kind === 'recovered' || kind === 'running again' || kind === 'starting again'
    ? [lead, ...(run.reportUrl ? [`Report: ${run.reportUrl}`] : []), ...(run.viewerUrl ? [`Calendar: ${run.viewerUrl}`] : [])]
    : [lead, '', ...details(run), '', tail];
  const fullSubject = `[cdk-sitespeed] ${subject}`.slice(0, 99);
  return {
    subject: fullSubject,
    text: body.join('\n').trim(),
    chatbot: {
      version: '1.0',
      source: 'custom',
      content: {
        textType: 'client-markdown',
        title: `${kind === 'recovered' || kind === 'starting again' ? ':white_check_mark:' : ':rotating_light:'} ${subject}`,
        description: body.filter(Boolean).map(l => (l.startsWith('  - ') ? `• ${l.slice(4)}` : l)).join('\n'),
      },
    },
  };
}

function chatbotOf(title: string, lines: string[]): object {
  return { version: '1.0', source: 'custom', content: { textType: 'client-markdown', title, description: lines.filter(Boolean).join('\n') } };
}

/** A site with no finished run for longer than its schedule allows. */
export function staleMessage(site: string, state: SiteState, limitMinutes: number, cluster: string): AlertMessage {
  const hours = Math.round(limitMinutes / 6) / 10;
  const subject = `${site} has not finished a run since ${when(state.lastFinishedAt)}`;
  const lines = [
    `${site} has not finished a run on ${cluster} since ${when(state.lastFinishedAt)}; its schedule allows ${hours} h at most between runs.`,
    '',
    'Likely: its schedule was disabled, the cluster has no capacity (maxCapacity 0, an InstanceSchedule holding it at zero), or runs cannot start (the dead-letter queue alarm).',
    'You get one message when it runs again.',
  ];
  return { subject: `[cdk-sitespeed] ${subject}`.slice(0, 99), text: lines.join('\n'), chatbot: chatbotOf(`:hourglass: ${subject}`, lines) };
}

/** An instance in service in the cluster's group that never joined the cluster. */
export function strayInstanceMessage(instanceId: string, cluster: string, since: string): AlertMessage {
  const subject = `${instanceId} never joined ${cluster}`;
  const lines = [
    `${instanceId} has been in service in the cluster's Auto Scaling group since ${when(since)} but never registered with ${cluster}: no run is placed on it, and runs may wait for capacity.`,
    '',
    `On the instance (aws ssm start-session --target ${instanceId}): /var/log/ecs/ecs-init.log and /var/log/cloud-init-output.log say why (a route to ECS, the instance role).`,
  ];
  return { subject: `[cdk-sitespeed] ${subject}`.slice(0, 99), text: lines.join('\n'), chatbot: chatbotOf(`:warning: ${subject}`, lines) };
}
