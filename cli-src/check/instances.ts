import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { ContainerInstance } from '@aws-sdk/client-ecs';
import { CheckContext } from './context';
import { fail, Line, pass } from './report';
import { containerInstances } from '../../lambda-src/shared/container-instances';
import { SHAPING_ATTRIBUTE, VOLUME_ATTRIBUTE } from '../../src/contract/check-entry';

const STEP = 'instances';

/** The value of an ECS attribute on a container instance (read from DescribeContainerInstances, which every ECS has). */
export function attributeOf(instance: ContainerInstance, name: string): string | undefined {
  return instance.attributes?.find(a => a.name === name)?.value;
}

/** The shaping attribute's verdict on one instance of a cluster that shapes. */
export function shapingLine(clusterName: string, instance: ContainerInstance): Line {
  const value = attributeOf(instance, SHAPING_ATTRIBUTE);
  if (value === 'ready') return pass(STEP, `${clusterName}: ${instance.ec2InstanceId} loaded the shaping modules (${SHAPING_ATTRIBUTE}=ready)`);
  return fail(STEP, `${clusterName}: ${instance.ec2InstanceId} has ${SHAPING_ATTRIBUTE}=${value ?? '(not set)'}: tasks are never placed on it`,
    `its boot could not load ifb/sch_netem: \`aws ssm start-session --target ${instance.ec2InstanceId}\`, then /var/log/cloud-init-output.log says why (no package in the AMI's repositories provides sch_netem.ko or ifb.ko for its kernel?)`);
}

async function groupInstances(ctx: CheckContext, group: string): Promise<{ desired: number; inService: string[] } | undefined> {
  if (!group) return undefined;
  const described = await ctx.clients.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }));
  const g = described.AutoScalingGroups?.[0];
  if (!g) return undefined;
  return { desired: g.DesiredCapacity ?? 0, inService: (g.Instances ?? []).filter(i => i.LifecycleState === 'InService').map(i => i.InstanceId!) };
}

/** Every cluster's instances: joined to ECS, agent connected, and the attribute its boot sets. */
export async function checkInstances(ctx: CheckContext): Promise<Line[]> {
  const lines: Line[] = [];
  for (const cluster of ctx.deployment.clusters) {
    lines.push(...await clusterLines(ctx, cluster.name, cluster.autoScalingGroup, cluster.shaping === 'none' ? undefined : 'shaping'));
  }
  for (const metrics of ctx.deployment.metrics) {
    lines.push(...await clusterLines(ctx, metrics.clusterName, metrics.autoScalingGroup, 'volume'));
  }
  return lines;
}

async function clusterLines(ctx: CheckContext, cluster: string, group: string, attribute: 'shaping' | 'volume' | undefined): Promise<Line[]> {
  const lines: Line[] = [];
  const instances = await containerInstances(ctx.clients.ecs, cluster);
  const asg = await groupInstances(ctx, group);
  const joined = new Set(instances.map(i => i.ec2InstanceId));
  const strangers = (asg?.inService ?? []).filter(id => !joined.has(id));
  const disconnected = instances.filter(i => i.status === 'ACTIVE' && !i.agentConnected);

  if (instances.length === 0 && attribute === 'volume') {
    lines.push(fail(STEP, `${cluster}: no instance (group ${group || '?'} wants ${asg?.desired ?? '?'}): Graphite and Grafana are down`,
      'its InstanceSchedule may hold it at zero now (running: false, or outside onOff hours); otherwise the group\'s activity history says why: ' +
      `aws autoscaling describe-scaling-activities --auto-scaling-group-name ${group}`));
  } else if (instances.length === 0) {
    lines.push(pass(STEP, `${cluster}: no instance now (the group wants ${asg?.desired ?? '?'}); it scales out when a run starts`));
  } else {
    lines.push(pass(STEP, `${cluster}: ${instances.length} instance(s) joined (${instances.map(i => i.ec2InstanceId).join(', ')})`));
  }
  if (strangers.length > 0) {
    lines.push(fail(STEP, `${cluster}: in service but never joined the cluster: ${strangers.join(', ')}`,
      `the ECS agent could not register: on the instance (aws ssm start-session --target ${strangers[0]}), /var/log/ecs/ecs-init.log and ecs-agent.log say why (a route to ECS: public IP or VPC endpoints?)`));
  }
  for (const i of disconnected) {
    lines.push(fail(STEP, `${cluster}: ${i.ec2InstanceId} joined but its ECS agent is disconnected`,
      'restart it on the instance (sudo systemctl restart ecs) or let the group replace the instance; /var/log/ecs/ecs-agent.log says why'));
  }
  for (const instance of instances) {
    if (attribute === 'shaping') lines.push(shapingLine(cluster, instance));
    if (attribute === 'volume') {
      const value = attributeOf(instance, VOLUME_ATTRIBUTE);
      lines.push(value === 'mounted'
        ? pass(STEP, `${cluster}: ${instance.ec2InstanceId} mounted the metrics volume (${VOLUME_ATTRIBUTE}=mounted)`)
        : fail(STEP, `${cluster}: ${instance.ec2InstanceId} has ${VOLUME_ATTRIBUTE}=${value ?? '(not set)'}: Graphite is not placed on it`,
          `the volume step did not finish: /var/log/cloud-init-output.log on ${instance.ec2InstanceId} says why (another instance still holding the volume?)`));
    }
  }
  return lines;
}
