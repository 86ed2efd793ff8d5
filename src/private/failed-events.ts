import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { markForCheck } from './check-metadata';
import { acknowledge } from './nag';

/**
 * Where an event an asynchronously invoked function could not handle lands, instead of being
 * dropped. EventBridge hands an event to Lambda and is done; Lambda retries a function error twice
 * and then discards the event unless the function has an on-failure destination (Lambda developer
 * guide, "Asynchronous invocation": retries and destinations). A rule target's dead-letter queue
 * only gets events EventBridge could not deliver to Lambda at all. The message holds the event as
 * `requestPayload` and the error as `responsePayload`: replay it with `aws lambda invoke
 * --invocation-type Event --payload` (docs/run-events.md). `cdk-sitespeed check` counts its
 * messages; SiteAlerts alarms on them.
 */
export function failedEventsQueue(scope: Construct, fn: lambda.IFunction, what: string): sqs.Queue {
  const queue = new sqs.Queue(scope, 'FailedEvents', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  fn.configureAsyncInvoke({ onFailure: new destinations.SqsDestination(queue), retryAttempts: 2, maxEventAge: Duration.hours(6) });
  markForCheck(queue, { kind: 'dead-letter-queue', role: what });
  acknowledge(queue, 'AwsSolutions-SQS3', `This queue is itself where the ${what} land.`);
  return queue;
}
