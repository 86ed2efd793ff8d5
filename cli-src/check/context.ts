import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { Clock } from './clock';
import { Deployment, Site } from './deployment';
import { CheckOptions } from './options';

export interface Clients {
  readonly cfn: CloudFormationClient;
  readonly ecs: ECSClient;
  readonly autoScaling: AutoScalingClient;
  readonly ssm: SSMClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly lambda: LambdaClient;
  readonly scheduler: SchedulerClient;
  readonly cloudWatch: CloudWatchClient;
  readonly iam: IAMClient;
  /** GETs a URL (the viewer), for its status code. */
  readonly httpStatus: (url: string) => Promise<number>;
}

/** What the run step learned, for the steps after it. */
export interface RunResult {
  readonly site: Site;
  readonly args: string[];
  readonly startedAt: Date;
  readonly stoppedAt: Date;
  readonly exitCode?: number;
  readonly instanceId?: string;
  /** The run's report folder, once found. */
  folder?: string;
}

export interface CheckContext {
  readonly clients: Clients;
  readonly clock: Clock;
  readonly options: CheckOptions;
  readonly deployment: Deployment;
  /** A line of live progress (stderr), overwritten on a terminal. */
  readonly progress: (text: string) => void;
  run?: RunResult;
}
