import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

/**
 * A queue on moto that receives the default bus's "Sitespeed Run Finished" events (moto's
 * EventBridge delivers to SQS; it cannot invoke a Lambda without Docker). Returns its URL.
 */
export async function runFinishedQueue(events: EventBridgeClient, sqs: SQSClient): Promise<string> {
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'outcomes' }))).QueueUrl!;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn;
  await events.send(new PutRuleCommand({ Name: 'outcomes', EventPattern: JSON.stringify({ 'source': ['cdk-sitespeed'], 'detail-type': ['Sitespeed Run Finished'] }) }));
  await events.send(new PutTargetsCommand({ Rule: 'outcomes', Targets: [{ Id: 'queue', Arn: queueArn }] }));
  return queueUrl;
}

/** The events in the queue now, parsed. */
export async function receivedEvents(sqs: SQSClient, queueUrl: string): Promise<any[]> {
  const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return (received.Messages ?? []).map(m => JSON.parse(m.Body!));
}
