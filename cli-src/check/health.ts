import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { CheckContext } from './context';
import { fail, Line, pass, skip } from './report';

/** Every dead-letter queue of the deployment is empty: nothing failed to start. */
export async function checkQueues(ctx: CheckContext): Promise<Line[]> {
  if (ctx.deployment.queues.length === 0) return [skip('queues', 'no dead-letter queue in these stacks')];
  const lines: Line[] = [];
  for (const queue of ctx.deployment.queues) {
    const attributes = await ctx.clients.sqs.send(new GetQueueAttributesCommand({
      QueueUrl: queue.id, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }));
    const count = Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0)
      + Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    const name = queue.id.split('/').pop();
    lines.push(count === 0
      ? pass('queues', `${name} (${queue.role}) is empty`)
      : fail('queues', `${name} (${queue.role}) holds ${count} message(s)`,
        queue.role === 'runs that could not start'
          ? `read them: aws sqs receive-message --queue-url ${queue.id} --max-number-of-messages 10 (each is a run request that failed after its retries; the runTask log group says why)`
          : `read them: aws sqs receive-message --queue-url ${queue.id} --max-number-of-messages 10 (each holds the event as requestPayload and the error; fix the cause, then replay them: docs/run-events.md)`));
  }
  return lines;
}

/** The library's functions had no errors in the last 24 hours (CloudWatch's AWS/Lambda Errors). */
export async function checkFunctions(ctx: CheckContext): Promise<Line[]> {
  if (ctx.deployment.functions.length === 0) return [skip('functions', 'no cdk-sitespeed function in these stacks')];
  const end = new Date(ctx.clock.now());
  const start = new Date(end.getTime() - 24 * 3600_000);
  const lines: Line[] = [];
  for (const fn of ctx.deployment.functions) {
    const stats = await ctx.clients.cloudWatch.send(new GetMetricStatisticsCommand({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: fn.id }],
      StartTime: start,
      EndTime: end,
      Period: 86400,
      Statistics: ['Sum'],
    }));
    const errors = (stats.Datapoints ?? []).reduce((sum, d) => sum + (d.Sum ?? 0), 0);
    lines.push(errors === 0
      ? pass('functions', `${fn.role} (${fn.id}): no errors in 24 h`)
      : fail('functions', `${fn.role} (${fn.id}): ${errors} error(s) in 24 h`,
        `its log group says what: aws logs tail /aws/lambda/${fn.id} --since 24h --filter-pattern ERROR (the handlers log one JSON line per error)`));
  }
  return lines;
}

/**
 * SiteAlerts wired: each alert function's topic (its TOPIC_ARN) has at least one confirmed
 * subscription, so an alert reaches somebody.
 */
export async function checkAlerts(ctx: CheckContext): Promise<Line[]> {
  const alerting = ctx.deployment.functions.filter(f => f.role === 'siteAlerts');
  if (alerting.length === 0) {
    return [skip('alerts', 'no SiteAlerts in these stacks: failed runs show in the calendar and as run events only', 'add a SiteAlerts (docs/site-alerts.md)')];
  }
  const lines: Line[] = [];
  const checked = new Set<string>();
  for (const fn of alerting) {
    const variables = (await ctx.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn.id }))).Environment?.Variables ?? {};
    const topics = [variables.TOPIC_ARN, variables.SLACK_TOPIC_ARN].filter((t): t is string => Boolean(t));
    if (topics.length === 0) {
      lines.push(fail('alerts', `${fn.id} has no TOPIC_ARN`, 'deploy the stack again (SiteAlerts sets it)'));
      continue;
    }
    const key = topics.join(' ');
    if (checked.has(key)) continue;
    checked.add(key);
    const subscriptions = (await Promise.all(topics.map(t => subscriptionsOf(ctx, t)))).flat();
    const confirmed = subscriptions.filter(s => s.SubscriptionArn?.startsWith('arn:'));
    const pending = subscriptions.length - confirmed.length;
    const name = topics[0].split(':').pop();
    const who = (s: { Protocol?: string; Endpoint?: string }) => (s.Protocol === 'email' ? `email ${s.Endpoint}` : /chatbot/.test(s.Endpoint ?? '') ? 'Slack (AWS Chatbot)' : s.Protocol);
    if (confirmed.length > 0) {
      lines.push(pass('alerts', `${name}: ${confirmed.map(who).join(', ')}${pending ? ` (${pending} pending)` : ''}`));
    } else {
      lines.push(fail('alerts', `${name} has no confirmed subscription${pending ? ` (${pending} waiting for confirmation)` : ''}: alerts reach nobody`,
        pending ? 'each address got a mail from AWS Notifications: open its "Confirm subscription" link' : 'give SiteAlerts emails, Slack ids, or subscribe to the topic (stack output AlertTopic)'));
    }
  }
  return lines;
}

async function subscriptionsOf(ctx: CheckContext, topicArn: string) {
  const subscriptions = [];
  let NextToken: string | undefined;
  do {
    const page = await ctx.clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }));
    subscriptions.push(...(page.Subscriptions ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return subscriptions;
}
