import { Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IConstruct } from 'constructs';
import { warn } from './for-caller';

/** Topics whose policy already lets this app's alarms publish (a topic shared by two SiteAlerts gets one statement). */
const allowed = new WeakSet<sns.ITopic>();

/**
 * Lets CloudWatch alarms of this account and region publish to `topic`. A topic with a resource
 * policy (CDK writes one for `enforceSSL`) refuses every publish its policy does not allow, and
 * the alarm's history then says "is not authorized to perform: SNS:Publish … because no
 * resource-based policy allows the SNS:Publish action" (aws-solutions/automated-security-response-on-aws#43;
 * the pattern of aws-samples/amazon-cloudwatch-auto-alarms CloudWatchAutoAlarms-SNS.yaml). The
 * condition keeps other accounts' alarms out (confused deputy: IAM User Guide,
 * "The confused deputy problem") while any alarm of this account — the library's and your own — may
 * publish. An imported topic's policy cannot be changed from here: a warning says what it needs.
 */
export function allowAlarmsToPublish(scope: IConstruct, topic: sns.ITopic): void {
  if (allowed.has(topic)) return;
  allowed.add(topic);
  const stack = Stack.of(topic);
  const { statementAdded } = topic.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'CloudWatchAlarmsOfThisAccount',
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['sns:Publish'],
    resources: [topic.topicArn],
    conditions: {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
    },
  }));
  if (!statementAdded) {
    warn(scope, 'cdk-sitespeed:alarmTopicPolicy',
      `The alarms publish to ${topic.node.path}, a topic this app did not create: if it has a resource policy, that policy must allow ` +
      'sns:Publish to the service principal cloudwatch.amazonaws.com (condition aws:SourceAccount = this account), and if it is encrypted, ' +
      'its KMS key must let cloudwatch.amazonaws.com use kms:Decrypt and kms:GenerateDataKey*; otherwise the alarms fire and reach nobody. ' +
      '`npx cdk-sitespeed check --test-alarm` proves it on your account.');
  }
}
