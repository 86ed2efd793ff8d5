import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import { cfnLintTemplate } from './harness/cfn-lint';
import { runNag } from './harness/nag';
import { flatten, policyStatementsOfRole, stackWithVpc } from './helpers';
import { ConfigSync, DeployMarkers, ReportTree, SiteAlerts, SitespeedCluster } from '../src';

function alertedCluster(props: Partial<ConstructorParameters<typeof SiteAlerts>[2]> = {}) {
  const { stack, vpc } = stackWithVpc();
  const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc });
  cluster.addSite('Docs', { schedule: ScheduleExpression.rate(Duration.hours(3)), urls: [{ url: 'https://docs.example.com/' }] });
  new ReportTree(stack, 'Reports', { cluster });
  new ConfigSync(stack, 'Config', { cluster });
  const alerts = new SiteAlerts(stack, 'Alerts', { cluster, emails: ['oncall@example.com'], ...props });
  return { stack, cluster, alerts, get template() { return Template.fromStack(stack); } };
}

describe('SiteAlerts', () => {
  test('an encrypted topic of its own (a key CloudWatch may use) with the email subscriptions', () => {
    const { template } = alertedCluster({ emails: ['oncall@example.com', 'team@example.com'] });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]) },
    });
    expect(Object.values(template.findResources('AWS::SNS::Subscription')).map(s => [s.Properties.Protocol, s.Properties.Endpoint]))
      .toEqual([['email', 'oncall@example.com'], ['email', 'team@example.com']]);
  });

  test('Slack through AWS Chatbot, on a topic of its own that gets the alerts in Chatbot\'s format and the alarms', () => {
    const { stack, alerts, template } = alertedCluster({ slackWorkspaceId: 'T0123456789', slackChannelId: 'C0123456789' });
    const slackTopic = stack.resolve(alerts.slackTopic!.topicArn);
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T0123456789', SlackChannelId: 'C0123456789', SnsTopicArns: [slackTopic],
    });
    const logicalId = stack.resolve((alerts.function.node.defaultChild as any).logicalId);
    expect(template.toJSON().Resources[logicalId].Properties.Environment.Variables.SLACK_TOPIC_ARN).toEqual(slackTopic);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([stack.resolve(alerts.topic.topicArn), slackTopic]);
    }
    // One key for both topics.
    template.resourceCountIs('AWS::KMS::Key', 1);
  });

  test('a topic of yours instead: nothing else created for it', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc });
    const topic = new sns.Topic(stack, 'Mine');
    const alerts = new SiteAlerts(stack, 'Alerts', { cluster, topic });
    expect(alerts.topic).toBe(topic);
    Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 0);
  });

  test('alarms reach people: every topic the alarms publish to lets this account\'s CloudWatch alarms publish (enforceSSL writes a policy that would refuse them)', () => {
    const { stack, alerts, template } = alertedCluster({ slackWorkspaceId: 'T0123456789', slackChannelId: 'C0123456789' });
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy')).map(p => p.Properties);
    for (const topic of [alerts.topic, alerts.slackTopic!]) {
      const policy = policies.find(p => JSON.stringify(p.Topics) === JSON.stringify([stack.resolve(topic.topicArn)]))!;
      expect(policy.PolicyDocument.Statement).toContainEqual({
        Sid: 'CloudWatchAlarmsOfThisAccount',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: stack.resolve(topic.topicArn),
        Condition: {
          StringEquals: { 'aws:SourceAccount': '123456789012' },
          ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:eu-north-1:123456789012:alarm:*']] } },
        },
      });
      // enforceSSL's Deny stays.
      expect(policy.PolicyDocument.Statement).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    }
  });

  test('a topic shared by two SiteAlerts gets the statement once; your own topic gets it; an imported one gets a warning naming what its policy and key need', () => {
    const { stack, vpc } = stackWithVpc();
    const a = new SitespeedCluster(stack, 'A', { vpc });
    const b = new SitespeedCluster(stack, 'B', { vpc });
    const topic = new sns.Topic(stack, 'Mine', { enforceSSL: true });
    new SiteAlerts(stack, 'AlertsA', { cluster: a, topic });
    new SiteAlerts(stack, 'AlertsB', { cluster: b, topic });
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::SNS::TopicPolicy')).flatMap(p => p.Properties.PolicyDocument.Statement);
    expect(statements.filter((s: any) => s.Sid === 'CloudWatchAlarmsOfThisAccount')).toHaveLength(1);

    const other = stackWithVpc();
    const cluster = new SitespeedCluster(other.stack, 'Sitespeed', { vpc: other.vpc });
    const imported = sns.Topic.fromTopicArn(other.stack, 'Theirs', 'arn:aws:sns:eu-north-1:123456789012:alerts');
    new SiteAlerts(other.stack, 'Alerts', { cluster, topic: imported });
    const warnings = Annotations.fromStack(other.stack).findWarning('*', Match.stringLikeRegexp('cloudwatch.amazonaws.com'));
    expect(warnings.map(w => w.entry.data)).toEqual([expect.stringMatching(/a topic this app did not create: .*sns:Publish .*aws:SourceAccount.*kms:Decrypt and kms:GenerateDataKey\*.*cdk-sitespeed check --test-alarm/)]);
  });

  test('finished runs of this cluster only reach the alert function', () => {
    const { stack, cluster, template } = alertedCluster();
    const rule = Object.values(template.findResources('AWS::Events::Rule')).find(r => /for alerts/.test(r.Properties.Description))!;
    expect(rule.Properties.EventPattern).toEqual({
      'source': ['cdk-sitespeed'], 'detail-type': ['Sitespeed Run Finished'], 'detail': { cluster: [stack.resolve(cluster.cluster.clusterName)] },
    });
  });

  test('its role: its table, publishing, invoking runTask, describing this cluster\'s tasks, its own logs', () => {
    const { template } = alertedCluster();
    const statements = policyStatementsOfRole(template, 'AlertsRole');
    expect(statements.map(s => [s.Action].flat().join(',')).sort()).toEqual([
      'autoscaling:DescribeAutoScalingGroups', 'dynamodb:GetItem,dynamodb:PutItem', 'ecs:DescribeContainerInstances', 'ecs:DescribeTasks',
      'ecs:ListContainerInstances', 'kms:Decrypt,kms:GenerateDataKey*', 'lambda:InvokeFunction', 'logs:CreateLogStream,logs:PutLogEvents', 'sns:Publish',
      // Its on-failure destination: the failed-events queue.
      'sqs:SendMessage,sqs:GetQueueAttributes,sqs:GetQueueUrl',
    ]);
    const describe = statements.find(s => s.Action === 'ecs:DescribeTasks');
    expect(flatten(describe.Resource)).toMatch(/:task\/.*SitespeedCluster.*\/\*$/);
    expect(describe.Condition).toEqual({ ArnEquals: { 'ecs:cluster': expect.anything() } });
  });

  test('system alarms on the topic: dead letters, events no function could handle, and errors of runTask, the run outcomes, reportIndex, the config sync and alerts', () => {
    const { alerts, template } = alertedCluster();
    expect(alerts.alarms).toHaveLength(7);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(a => a.Properties);
    expect(alarms.map(a => a.MetricName ?? 'math').sort()).toEqual(['ApproximateNumberOfMessagesVisible', 'Errors', 'Errors', 'Errors', 'Errors', 'math', 'math']);
    // The failed-events queues of the run outcomes and the alerts, summed; the index writer's errors and its queue, summed.
    const [failed, index] = ['FailedEventsAlarm', 'ReportIndexErrors'].map(id =>
      Object.entries(template.findResources('AWS::CloudWatch::Alarm')).find(([k]) => k.startsWith(`Alerts${id}`))![1].Properties);
    expect(failed.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.MetricName)).toEqual(Array(2).fill('ApproximateNumberOfMessagesVisible'));
    expect(failed.Metrics.find((m: any) => m.Expression).Expression).toBe('q0 + q1');
    expect(index.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.MetricName).sort()).toEqual(['ApproximateNumberOfMessagesVisible', 'Errors']);
    expect(index.Metrics.find((m: any) => m.Expression).Expression).toBe('q0 + errors');
    for (const a of alarms) {
      expect(a).toMatchObject({ Threshold: 1, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
      expect(a.AlarmActions).toHaveLength(1);
      expect(a.OKActions).toEqual(a.AlarmActions);
      expect(a.AlarmDescription).toMatch(/^cdk-sitespeed: .+ says why\.$|Read the queue|Read the failed-events queues/);
    }
  });

  test('the confirmation and reminder settings reach the function', () => {
    const { alerts, stack } = alertedCluster({ confirmFailures: false, unconfirmedSites: ['docs'], remindAfterRuns: 6 });
    const logicalId = stack.resolve((alerts.function.node.defaultChild as any).logicalId);
    const env = Template.fromStack(stack).toJSON().Resources[logicalId].Properties.Environment.Variables;
    expect(env).toMatchObject({ CONFIRM: 'false', UNCONFIRMED_SITES: '["docs"]', REMIND_AFTER: '6', NOT_STARTED_AFTER: '2', SITES: '["docs"]' });
    const other = alertedCluster({ notStartedAlertAfterRuns: 0 });
    const otherId = other.stack.resolve((other.alerts.function.node.defaultChild as any).logicalId);
    expect(Template.fromStack(other.stack).toJSON().Resources[otherId].Properties.Environment.Variables.NOT_STARTED_AFTER).toBe('0');
    expect(() => alertedCluster({ notStartedAlertAfterRuns: 1.5 })).toThrow('notStartedAlertAfterRuns (1.5) must be a whole number of runs from 0 (never) to 10000.');
  });

  test('stale limits: twice each enabled site\'s longest gap plus an hour, sites added later included; an hourly sweep', () => {
    const { stack, cluster, alerts } = alertedCluster();
    cluster.addSite('Shop', { schedule: ScheduleExpression.expression('cron(15 8-18/2 ? * MON-FRI *)'), urls: [{ url: 'https://shop.example.com/' }] });
    cluster.addSite('Off', { schedule: ScheduleExpression.rate(Duration.hours(1)), enabled: false, urls: [{ url: 'https://off.example.com/' }] });
    const template = Template.fromStack(stack);
    const logicalId = stack.resolve((alerts.function.node.defaultChild as any).logicalId);
    const env = template.toJSON().Resources[logicalId].Properties.Environment.Variables;
    expect(JSON.parse(env.STALE_AFTER)).toEqual({ docs: 2 * 180 + 60, shop: 2 * 3720 + 60 });
    const hourly = Object.values(template.findResources('AWS::Events::Rule')).find(r => /hourly sweep/.test(r.Properties.Description))!;
    expect(hourly.Properties.ScheduleExpression).toBe('rate(1 hour)');
    expect(JSON.parse(hourly.Properties.Targets[0].Input)).toEqual({ sweep: true });
  });

  test('staleAfterIntervals: 0 turns the stale check off', () => {
    const { stack, alerts } = alertedCluster({ staleAfterIntervals: 0 });
    const logicalId = stack.resolve((alerts.function.node.defaultChild as any).logicalId);
    expect(Template.fromStack(stack).toJSON().Resources[logicalId].Properties.Environment.Variables.STALE_AFTER).toBe('{}');
  });

  test.each([
    [{ staleAfterIntervals: -1 }, /staleAfterIntervals \(-1\) must be 0 \(off\) or a number of intervals from 1 to 1000/],
    [{ staleAfterIntervals: 0.5 }, /staleAfterIntervals \(0.5\) must be .*below 1, a site would be stale before its next run is even due/],
    [{ staleAfterIntervals: NaN }, /staleAfterIntervals \(null\) must be 0 \(off\) or a number/],
    [{ staleAfterIntervals: 1e308 }, /staleAfterIntervals \(1e\+308\) must be 0 \(off\) or a number of intervals from 1 to 1000/],
    [{ staleAfterIntervals: '2' }, /staleAfterIntervals \("2"\) must be 0 \(off\) or a number/],
    [{ remindAfterRuns: -1 }, /remindAfterRuns \(-1\) must be a whole number of runs from 0 \(never\) to 10000/],
    [{ remindAfterRuns: 1.5 }, /remindAfterRuns \(1.5\) must be a whole number/],
    [{ remindAfterRuns: 1e21 }, /remindAfterRuns \(1e\+21\) must be a whole number of runs from 0 \(never\) to 10000/],
    [{ notStartedAlertAfterRuns: '3' }, /notStartedAlertAfterRuns \("3"\) must be a whole number/],
    [{ confirmFailures: 'false' }, /confirmFailures \("false"\) must be true or false/],
    [{ unconfirmedSites: ['-docs'] }, /unconfirmedSites\[0\] "-docs" is not a site slug/],
    [{ slackWorkspaceId: 'T0123456789' }, /slackWorkspaceId and slackChannelId go together/],
    [{ slackWorkspaceId: '', slackChannelId: '' }, /slackWorkspaceId and slackChannelId must not be empty: leave both out for no Slack/],
    [{ slackWorkspaceId: 'C0123456789', slackChannelId: 'T0123456789' }, /slackWorkspaceId 'C0123456789' and slackChannelId 'T0123456789' look swapped/],
    [{ slackWorkspaceId: 'T0123456789', slackChannelId: '#perf-alerts' }, /slackChannelId '#perf-alerts' must be the channel's id .* not its name/],
    [{ slackWorkspaceId: 'example.slack.com', slackChannelId: 'C0123456789' }, /slackWorkspaceId 'example.slack.com' must be the workspace id AWS Chatbot shows/],
    [{ emails: ['oncall'] }, /emails\[0\] 'oncall' is not one email address/],
    [{ emails: [''] }, /emails\[0\] is empty/],
    [{ emails: ['On Call <oncall@example.com>'] }, /emails\[0\] 'On Call <oncall@example.com>' has a display name: give the address alone, 'oncall@example.com'/],
    [{ emails: [' oncall@example.com'] }, /emails\[0\] ' oncall@example.com' has spaces around it: give 'oncall@example.com'/],
    [{ emails: ['a@example.com, b@example.com'] }, /emails\[0\] 'a@example.com, b@example.com' is not one email address .*several go in separate entries/],
    [{ emails: ['oncall@example.com', 'OnCall@example.com'] }, /emails\[1\] 'OnCall@example.com' repeats emails\[0\]: each address is subscribed once/],
  ])('bad props fail at synth with the prop and what is allowed: %j', (props, message) => {
    expect(() => alertedCluster(props as any)).toThrow(message);
  });

  test('unconfirmedSites are checked once every site exists: a later site counts, a slug of no site is an error', () => {
    const later = alertedCluster({ unconfirmedSites: ['shop'] });
    later.cluster.addSite('Shop', { schedule: ScheduleExpression.rate(Duration.hours(1)), urls: [{ url: 'https://shop.example.com/' }] });
    expect(() => later.template).not.toThrow();
    const typo = alertedCluster({ unconfirmedSites: ['dosc'] });
    expect(() => typo.template).toThrow(/unconfirmedSites: 'dosc' is not a site of Test\/Sitespeed \(its sites: docs\)/);
  });

  test('one SiteAlerts per cluster, and a topic that can take the alerts (not FIFO)', () => {
    const { stack, cluster } = alertedCluster();
    expect(() => new SiteAlerts(stack, 'Again', { cluster }))
      .toThrow(/the cluster Test\/Sitespeed already has a SiteAlerts \(Test\/Alerts\); one per cluster/);
    const other = stackWithVpc();
    const fifo = new sns.Topic(other.stack, 'Fifo', { fifo: true, topicName: 'alerts.fifo' });
    expect(() => new SiteAlerts(other.stack, 'Alerts', { cluster: new SitespeedCluster(other.stack, 'Sitespeed', { vpc: other.vpc }), topic: fifo }))
      .toThrow(/topic Test\/Fifo is a FIFO topic: email subscriptions and CloudWatch alarm actions need a standard topic/);
  });

  test('a ReportTree, a ConfigSync and DeployMarkers created after the SiteAlerts are watched as those created before', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc });
    new DeployMarkers(stack, 'MarkersBefore', { cluster });
    const alerts = new SiteAlerts(stack, 'Alerts', { cluster });
    expect(alerts.alarms).toHaveLength(6);
    new ReportTree(stack, 'Reports', { cluster });
    new ConfigSync(stack, 'Config', { cluster });
    new DeployMarkers(stack, 'MarkersAfter', { cluster });
    expect(alerts.alarms.map(a => a.node.id)).toEqual([
      'DeadLetters', 'RunTaskErrors', 'RunOutcomeErrors', 'AlertErrors', 'FailedEventsAlarm', 'DeployMarkerErrors', 'ReportIndexErrors', 'SyncConfigErrors', 'DeployMarkerErrors1',
    ]);
    expect(Object.keys(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'))).toHaveLength(9);
  });

  test('cdk-nag clean: every finding of its own acknowledged with a reason', () => {
    const { stack } = alertedCluster({ slackWorkspaceId: 'T0123456789', slackChannelId: 'C0123456789' });
    const nag = runNag(stack);
    // The test's own VPC (no flow log) is not ours to judge.
    expect(nag.errors.filter(e => !e.path.startsWith('Test/Vpc'))).toEqual([]);
    expect(nag.acknowledged.filter(a => a.path.startsWith('Test/Alerts')).length).toBeGreaterThan(0);
  });

  test('cfn-lint: no error; no synth warning', () => {
    const slack = { slackWorkspaceId: 'T0123456789', slackChannelId: 'C0123456789' };
    expect(cfnLintTemplate(alertedCluster(slack).template.toJSON()).filter(m => m.level === 'Error')).toEqual([]);
    // A second app: one app synthesizes once.
    expect(Annotations.fromStack(alertedCluster(slack).stack).findWarning('/Test/Alerts*', Match.anyValue())).toEqual([]);
  });
});

test('nothing dropped without a trace: the run outcome, reportIndex and alert functions each send what they could not handle to an encrypted queue the check reads', () => {
  const { template } = alertedCluster();
  // runTask's own (its retries; its dead-letter queue is the function's) aside.
  const configs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')).map(c => c.Properties).filter(c => c.DestinationConfig);
  expect(configs.map(c => c.FunctionName.Ref.replace(/[0-9A-F]{8}$/, ''))).toEqual(['SitespeedRunOutcomesFunction', 'ReportsFunction', 'AlertsFunction']);
  const queues = template.findResources('AWS::SQS::Queue');
  for (const c of configs) {
    expect(c).toMatchObject({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600, Qualifier: '$LATEST' });
    const queueId = c.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0];
    expect(queues[queueId].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    expect(queues[queueId].Metadata['cdk-sitespeed:check']).toMatchObject({ kind: 'dead-letter-queue' });
  }
});

test('two SiteAlerts for one Slack channel share one Chatbot configuration and its topic', () => {
  const { stack, vpc } = stackWithVpc();
  const slack = { slackWorkspaceId: 'T0123456789', slackChannelId: 'C0123456789' };
  const first = new SiteAlerts(stack, 'Alerts', { cluster: new SitespeedCluster(stack, 'First', { vpc }), ...slack });
  const second = new SiteAlerts(stack, 'OtherAlerts', { cluster: new SitespeedCluster(stack, 'Second', { vpc }), topic: first.topic, ...slack });
  expect(second.slackTopic).toBe(first.slackTopic);
  const third = new SiteAlerts(stack, 'ThirdAlerts', { cluster: new SitespeedCluster(stack, 'Third', { vpc }), slackWorkspaceId: 'T0123456789', slackChannelId: 'C0000000001' });
  expect(third.slackTopic).not.toBe(first.slackTopic);
  expect(Object.keys(Template.fromStack(stack).findResources('AWS::Chatbot::SlackChannelConfiguration'))).toHaveLength(2);
});
