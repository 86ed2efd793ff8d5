import { RemovalPolicy, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { instanceCapacity, taskMemoryReservationMiB } from './instance-capacity';
import { METRICS_NAMESPACE } from '../contract/site-names';
import type { GraphiteGrafanaProps } from '../graphite-grafana';
import { InstanceSchedule } from '../instance-schedule';
import { warn } from './for-caller';
import { isToken, requirePlain } from './tokens';

/** What the Graphite and Grafana containers reserve. */
export const GRAPHITE_MIB = 1024;
export const GRAFANA_MIB = 512;
const METRICS_TASKS_MIB = GRAPHITE_MIB + GRAFANA_MIB;

/** GraphiteGrafana's props, checked, with the defaults filled in. */
export interface CheckedGraphiteGrafanaProps {
  readonly instanceType: ec2.InstanceType;
  readonly volumeSizeGiB: number;
  readonly backupRetentionDays: number;
  readonly cloudMapNamespaceName: string;
  readonly graphiteNamespace: string;
  readonly schedule: InstanceSchedule;
  readonly removalPolicy: RemovalPolicy;
  readonly running: boolean;
}

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const GRAFANA_PLUGIN = /^[a-z0-9][a-z0-9-]*(@[0-9][0-9A-Za-z.-]*)?$/;

/** Checks GraphiteGrafana's props: an error names the prop and what is allowed. */
export function checkGraphiteGrafanaProps(scope: IConstruct, props: GraphiteGrafanaProps): CheckedGraphiteGrafanaProps {
  const instanceType = props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.SMALL);
  const capacity = instanceCapacity(instanceType.toString());
  if (capacity && taskMemoryReservationMiB(capacity) < METRICS_TASKS_MIB) {
    throw new Error(`instanceType '${instanceType}' has ${capacity.memoryMiB} MiB; Graphite and Grafana reserve ${METRICS_TASKS_MIB} MiB and the ECS agent keeps some.`);
  }
  if (!capacity) {
    warn(scope, 'cdk-sitespeed:metricsInstanceUnknown',
      `instanceType '${instanceType}' is not in the library's table of instance sizes, so its memory is not checked: ` +
      `Graphite and Grafana reserve ${METRICS_TASKS_MIB} MiB, so give it at least 2 GiB (a task that does not fit is never placed).`);
  }
  const volumeSizeGiB = props.volumeSizeGiB ?? 50;
  requirePlain('volumeSizeGiB', volumeSizeGiB, 'aws-ec2 checks the volume\'s size at synth');
  if ((!Number.isInteger(volumeSizeGiB) || volumeSizeGiB < 1 || volumeSizeGiB > 16384)) {
    throw new Error(`volumeSizeGiB (${volumeSizeGiB}) must be a whole number of GiB from 1 to 16384.`);
  }
  if (props.snapshotId !== undefined && !Token.isUnresolved(props.snapshotId) && !/^snap-[0-9a-f]{8,17}$/.test(props.snapshotId)) {
    throw new Error(`snapshotId '${props.snapshotId}' must be an EBS snapshot id such as 'snap-0123456789abcdef0' (a recovery point of the backup plan).`);
  }
  const days = props.backupRetentionDays ?? 35;
  if (!Token.isUnresolved(days) && (!Number.isInteger(days) || days < 1 || days > 36500)) {
    throw new Error(`backupRetentionDays (${days}) must be a whole number of days from 1 to 36500.`);
  }
  const cloudMapNamespaceName = props.cloudMapNamespaceName ?? 'sitespeed.internal';
  if (!isToken(cloudMapNamespaceName) && !DNS_NAME.test(cloudMapNamespaceName)) {
    throw new Error(`cloudMapNamespaceName '${cloudMapNamespaceName}' must be a lower-case DNS name of two or more labels, e.g. 'sitespeed.internal'.`);
  }
  const graphiteNamespace = props.graphiteNamespace ?? 'sitespeed_io.default';
  requirePlain('graphiteNamespace', graphiteNamespace, 'sites build their Graphite keys and check them for clashes at synth');
  if (!METRICS_NAMESPACE.test(graphiteNamespace)) {
    throw new Error(
      `graphiteNamespace '${graphiteNamespace}' must be 'sitespeed_io.<name>' (<name> of [A-Za-z0-9_-]): sitespeed.io's dashboards ` +
      'expect two parts before the slug, and the retention is set for keys under sitespeed_io.');
  }
  for (const plugin of props.grafanaPlugins ?? []) {
    if (!isToken(plugin) && !GRAFANA_PLUGIN.test(plugin)) {
      throw new Error(`grafanaPlugins: '${plugin}' is not a Grafana plugin id such as 'marcusolsson-json-datasource' (optionally '@<version>').`);
    }
  }
  const schedule = props.schedule ?? InstanceSchedule.alwaysOn();
  if (schedule._followsSites) {
    throw new Error('schedule: InstanceSchedule.aroundRuns follows a cluster\'s sites, and the metrics instance has none; use alwaysOn() (the default) or onOff(...) covering every run.');
  }
  if (schedule._warmInstances === 0) {
    throw new Error('schedule: an onOff schedule with warmInstances 0 would never start the metrics instance; leave warmInstances out (1).');
  }
  const running = props.running ?? true;
  if (!running && props.schedule) {
    throw new Error('schedule has no effect when running is false (the instance stays stopped); remove one of them.');
  }
  return {
    instanceType,
    volumeSizeGiB,
    backupRetentionDays: days,
    cloudMapNamespaceName,
    graphiteNamespace,
    schedule,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    running,
  };
}
