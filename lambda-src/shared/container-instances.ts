import { ContainerInstance, DescribeContainerInstancesCommand, ECSClient, ListContainerInstancesCommand } from '@aws-sdk/client-ecs';

/** DescribeContainerInstances takes at most 100 container instances a call. */
const DESCRIBE_BATCH = 100;

/**
 * Every container instance registered in a cluster (all pages), described: its EC2 instance id,
 * agent state and attributes. Shared by the check command and the SiteAlerts sweep.
 */
export async function containerInstances(ecs: ECSClient, cluster: string): Promise<ContainerInstance[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListContainerInstancesCommand({ cluster, nextToken }));
    arns.push(...(page.containerInstanceArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const described: ContainerInstance[] = [];
  for (let i = 0; i < arns.length; i += DESCRIBE_BATCH) {
    const batch = await ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: arns.slice(i, i + DESCRIBE_BATCH) }));
    described.push(...(batch.containerInstances ?? []));
  }
  return described;
}
