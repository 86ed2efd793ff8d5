import { RUN_SHELL_DOCUMENT } from '../../lambda-src/shared/remote-command';

/**
 * What `cdk-sitespeed check` may call, in one place: `--print-policy` prints it as an IAM policy,
 * docs/check.md shows that output, and a test runs the check against the reference deployment on moto,
 * records every AWS call of every client and compares them with this list, both ways
 * (test/check/permissions.test.ts). A call added to the code without its permission here fails that test.
 */
export interface Permission {
  readonly actions: string[];
  readonly resources: string[];
  /** Why, and why these resources (a `*` says why it cannot be narrower). */
  readonly why: string;
  /** Needed only for the run (left out with --no-run) or only with --test-alarm. */
  readonly only?: 'run' | 'test-alarm';
}

/** The SSM document the probes run through (cli-src/check/remote-shell.ts). */
export const PROBE_DOCUMENT = RUN_SHELL_DOCUMENT;

const UNKNOWN_NAMES = 'the resources\' names are CloudFormation\'s, known only after the deploy';

export function checkPermissions(stackPatterns: string[]): Permission[] {
  const stacks = (stackPatterns.length ? stackPatterns : ['*']).map(p => `arn:aws:cloudformation:*:*:stack/${p}/*`);
  return [
    { actions: ['cloudformation:ListStacks'], resources: ['*'], why: 'finding the stacks that match --stack (ListStacks has no resource-level permissions)' },
    { actions: ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate', 'cloudformation:ListStackResources'], resources: stacks, why: 'reading the deployment\'s check metadata: the stacks given with --stack only' },
    { actions: ['iam:GetRole'], resources: ['arn:aws:iam::*:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS'], why: 'the account step: the ECS service-linked role' },
    { actions: ['autoscaling:DescribeAutoScalingGroups'], resources: ['*'], why: 'instances and scale-out (no resource-level permissions)' },
    { actions: ['ecs:ListContainerInstances', 'ecs:DescribeContainerInstances'], resources: ['*'], why: `instances joined, their attributes; ${UNKNOWN_NAMES}` },
    { actions: ['ssm:SendCommand'], resources: [`arn:aws:ssm:*::document/${PROBE_DOCUMENT}`, 'arn:aws:ec2:*:*:instance/*'], why: 'the read-only probes shipped in shell/, run on the instances through this document only' },
    { actions: ['ssm:GetCommandInvocation'], resources: ['*'], why: 'the probes\' output (no resource-level permissions)' },
    { actions: ['scheduler:GetSchedule'], resources: ['*'], why: `the site's schedule, to start the run as it does, and the schedules DeployMarkers' runAfter copies; ${UNKNOWN_NAMES}` },
    { actions: ['lambda:InvokeFunction'], resources: ['*'], why: `the one run, through the cluster's runTask function (mark: the DeployMarkers function); ${UNKNOWN_NAMES}`, only: 'run' },
    { actions: ['ecs:DescribeTasks'], resources: ['*'], why: `following the run; ${UNKNOWN_NAMES}`, only: 'run' },
    { actions: ['s3:ListBucket', 's3:GetObject', 's3:GetLifecycleConfiguration'], resources: ['*'], why: `the report, the index files and the retention rule in the reports bucket; ${UNKNOWN_NAMES}`, only: 'run' },
    { actions: ['sqs:GetQueueAttributes'], resources: ['*'], why: `the dead-letter queues' depth; ${UNKNOWN_NAMES}` },
    { actions: ['cloudwatch:GetMetricStatistics'], resources: ['*'], why: 'the functions\' errors (no resource-level permissions)' },
    { actions: ['lambda:GetFunctionConfiguration'], resources: ['*'], why: `the alert topics of each SiteAlerts function, the runAfter and bucket of each DeployMarkers function; ${UNKNOWN_NAMES}` },
    { actions: ['sns:ListSubscriptionsByTopic'], resources: ['*'], why: `who the alerts reach; ${UNKNOWN_NAMES}` },
    { actions: ['cloudwatch:DescribeAlarms', 'cloudwatch:DescribeAlarmHistory', 'cloudwatch:SetAlarmState'], resources: ['arn:aws:cloudwatch:*:*:alarm:*'], why: 'setting the SiteAlerts alarms off and back, and reading their actions\' outcome', only: 'test-alarm' },
  ];
}

/** The IAM policy document for a check with these options: without --no-run's and --test-alarm's parts when they are not used. */
export function checkPolicy(stackPatterns: string[], options: { run: boolean; testAlarm: boolean }): object {
  return policyOf('Check', checkPermissions(stackPatterns).filter(p => !p.only || (p.only === 'run' ? options.run : options.testAlarm)));
}

/** What `cdk-sitespeed run` calls: the check's own statements, cut to these actions (one list, so the two cannot drift). */
const RUN_ACTIONS = new Set([
  'cloudformation:ListStacks', 'cloudformation:DescribeStacks', 'cloudformation:GetTemplate', 'cloudformation:ListStackResources',
  'scheduler:GetSchedule', 'lambda:InvokeFunction', 'ecs:DescribeTasks', 's3:ListBucket', 's3:GetObject',
]);

/** The check's statements cut to `actions`: a command that makes some of the check's calls and no other. */
function cutTo(actions: Set<string>, stackPatterns: string[]): Permission[] {
  return checkPermissions(stackPatterns)
    .map(p => ({ ...p, actions: p.actions.filter(a => actions.has(a)) }))
    .filter(p => p.actions.length > 0);
}

export function runPermissions(stackPatterns: string[]): Permission[] {
  return cutTo(RUN_ACTIONS, stackPatterns);
}

/** The IAM policy document `cdk-sitespeed run --print-policy` prints. */
export function runPolicy(stackPatterns: string[]): object {
  return policyOf('Run', runPermissions(stackPatterns));
}

/** What `cdk-sitespeed mark` calls: finding the DeployMarkers functions, and invoking them. */
const MARK_ACTIONS = new Set([
  'cloudformation:ListStacks', 'cloudformation:DescribeStacks', 'cloudformation:GetTemplate', 'cloudformation:ListStackResources', 'lambda:InvokeFunction',
]);

export function markPermissions(stackPatterns: string[]): Permission[] {
  return cutTo(MARK_ACTIONS, stackPatterns);
}

/** The IAM policy document `cdk-sitespeed mark --print-policy` prints. */
export function markPolicy(stackPatterns: string[]): object {
  return policyOf('Mark', markPermissions(stackPatterns));
}

function policyOf(prefix: string, used: Permission[]): object {
  return {
    Version: '2012-10-17',
    Statement: used.map((p, i) => ({ Sid: `${prefix}${i + 1}`, Effect: 'Allow', Action: p.actions, Resource: p.resources })),
  };
}
