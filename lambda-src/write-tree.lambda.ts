import { S3Client } from '@aws-sdk/client-s3';
import { loggedHandler, requiredEnv } from './shared/handler';
import { stoppedTaskOf } from './shared/task-event';
import { rebuildTree, updateSite } from './write-tree/s3-tree';

const s3 = new S3Client({});
const log = (line: object) => console.log(JSON.stringify(line));

/**
 * On a stopped sitespeed.io task: merges that site's runs into tree.json. Invoked with
 * {"rebuild": true}: rebuilds the whole tree from a full listing of the bucket.
 */
export const handler = loggedHandler(async (event: any): Promise<object> => {
  const location = { bucket: requiredEnv(process.env, 'REPORTS_BUCKET'), key: process.env.TREE_KEY || 'tree.json' };
  if (event?.rebuild === true) {
    const tree = await rebuildTree(s3, location, log);
    return { rebuilt: Object.keys(tree.sites).length };
  }
  const task = stoppedTaskOf(event, {
    clusterArn: requiredEnv(process.env, 'CLUSTER_ARN'),
    family: requiredEnv(process.env, 'TASK_FAMILY'),
    containerName: requiredEnv(process.env, 'CONTAINER_NAME'),
  });
  if ('ignored' in task) return task;
  const run = await updateSite(s3, location, task, log);
  return { site: task.site, run };
});
