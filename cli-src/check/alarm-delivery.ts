import { AlarmHistoryItem, DescribeAlarmHistoryCommand, DescribeAlarmsCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CheckContext } from './context';
import { Named } from './deployment';
import { fail, Line, pass, skip } from './report';

const STEP = 'alarm test';
const REASON = 'cdk-sitespeed check --test-alarm: proving this alarm reaches its topics (set back to OK at once)';

/**
 * With --test-alarm: each SiteAlerts' dead-letter alarm is set to ALARM (SetAlarmState), its
 * history read until every action's outcome shows, and set back to OK, so subscribers get two
 * messages. Only the account can say whether a topic's resource policy and key let CloudWatch
 * publish: the history item of each action names its topic and, when it failed, the error
 * ("… is not authorized to perform: SNS:Publish … because no resource-based policy allows",
 * aws-solutions/automated-security-response-on-aws#43; "Service: AWSKMS … AccessDeniedException",
 * aws/aws-cdk#11121). HistoryData is JSON with actionState Succeeded/Failed, notificationResource
 * and error (CloudWatch API reference, AlarmHistoryItem; an item quoted in aws/aws-sdk-java#1723).
 */
export async function checkAlarmDelivery(ctx: CheckContext): Promise<Line[]> {
  if (!ctx.options.testAlarm) return [skip(STEP, 'no alarm set off (it pages the subscribers twice)', 'add --test-alarm to prove the alarms reach the alert topics')];
  const alarms = ctx.deployment.alarms;
  if (alarms.length === 0) return [skip(STEP, 'no SiteAlerts alarm in these stacks', 'add a SiteAlerts (docs/site-alerts.md)')];
  // Side by side, within one step: a fifth of it is left for setting them back to OK.
  const deadline = ctx.clock.now() + ctx.options.stepTimeoutSeconds * 800;
  return (await Promise.all(alarms.map(alarm => testAlarm(ctx, alarm, deadline)))).flat();
}

async function testAlarm(ctx: CheckContext, alarm: Named, deadline: number): Promise<Line[]> {
  const cloudWatch = ctx.clients.cloudWatch;
  const described = (await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarm.id] }))).MetricAlarms?.[0];
  const actions = described?.AlarmActions ?? [];
  if (actions.length === 0) return [fail(STEP, `${alarm.id} has no alarm action`, 'deploy the stack again (SiteAlerts sets its topics as the actions)')];
  const since = new Date(ctx.clock.now() - 1000);
  await cloudWatch.send(new SetAlarmStateCommand({ AlarmName: alarm.id, StateValue: 'ALARM', StateReason: REASON }));
  const outcomes = new Map<string, { ok: boolean; error: string }>();
  try {
    while (outcomes.size < actions.length && ctx.clock.now() < deadline) {
      ctx.progress(`alarm test: ${alarm.id} in ALARM, ${outcomes.size} of ${actions.length} action(s) reported`);
      for (const item of await actionItems(ctx, alarm.id, since)) {
        const outcome = outcomeOf(item);
        if (outcome && actions.includes(outcome.topic)) outcomes.set(outcome.topic, outcome);
      }
      if (outcomes.size < actions.length) await ctx.clock.sleep(ctx.clock.pollMs);
    }
  } finally {
    await cloudWatch.send(new SetAlarmStateCommand({ AlarmName: alarm.id, StateValue: 'OK', StateReason: REASON }));
  }
  return actions.map(topic => {
    const outcome = outcomes.get(topic);
    const name = topic.split(':').pop();
    if (!outcome) {
      return fail(STEP, `${alarm.id}: no outcome for its action on ${name} in the alarm's history`,
        `look at the alarm's history: aws cloudwatch describe-alarm-history --alarm-name ${alarm.id} --history-item-type Action`);
    }
    if (outcome.ok) return pass(STEP, `${alarm.id} published to ${name} (ALARM, then back to OK)`);
    return fail(STEP, `${alarm.id} could not publish to ${name}: ${outcome.error}`, fixFor(outcome.error));
  });
}

async function actionItems(ctx: CheckContext, alarmName: string, since: Date): Promise<AlarmHistoryItem[]> {
  const items: AlarmHistoryItem[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ctx.clients.cloudWatch.send(new DescribeAlarmHistoryCommand({
      AlarmName: alarmName, HistoryItemType: 'Action', StartDate: since, EndDate: new Date(ctx.clock.now() + 60_000), NextToken,
    }));
    items.push(...(page.AlarmHistoryItems ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return items;
}

/** An Action item's topic and outcome, from its HistoryData (or, failing that, its summary). */
export function outcomeOf(item: AlarmHistoryItem): { topic: string; ok: boolean; error: string } | undefined {
  let data: any;
  try {
    data = JSON.parse(item.HistoryData ?? '');
  } catch {
    data = undefined;
  }
  const summary = item.HistorySummary ?? '';
  const topic = data?.notificationResource ?? /action (arn:\S+?)(?:\.|\s|$)/.exec(summary)?.[1];
  if (!topic) return undefined;
  const ok = data?.actionState ? data.actionState === 'Succeeded' : /^Successfully executed action/.test(summary);
  return { topic, ok, error: ok ? '' : String(data?.error ?? summary) };
}

function fixFor(error: string): string {
  if (/resource-based policy|SNS:Publish/i.test(error)) {
    return 'the topic\'s policy must allow sns:Publish to cloudwatch.amazonaws.com (SiteAlerts adds it to topics this app created; for an imported topic, add it yourself: the synth warning cdk-sitespeed:alarmTopicPolicy says how)';
  }
  if (/KMS/i.test(error)) return 'the topic\'s KMS key must let cloudwatch.amazonaws.com use kms:Decrypt and kms:GenerateDataKey* (the AWS managed key aws/sns cannot: use a key of your own)';
  return 'the error is AWS\'s own words: fix what it names, then run the check with --test-alarm again';
}
