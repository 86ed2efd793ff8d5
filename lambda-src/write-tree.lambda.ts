import { S3Client } from '@aws-sdk/client-s3';
import { rebuildTree, updateSite } from './write-tree/s3-tree';
import { stoppedTaskOf } from './write-tree/task-event';

const s3 = new S3Client({});
const log = (line: object) => console.log(JSON.stringify(line));

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set; the function was not deployed by cdk-sitespeed`);
  return value;
}

/**
 * On a stopped sitespeed.io task: merges that site's runs into tree.json. Invoked with
 * {"rebuild": true}: rebuilds the whole tree from a full listing of the bucket.
 */
export async function handler(event: any): Promise<object> {
  try {
    const location = { bucket: env('REPORTS_BUCKET'), key: process.env.TREE_KEY || 'tree.json' };
    if (event?.rebuild === true) {
      const tree = await rebuildTree(s3, location, log);
      const outcome = { rebuilt: Object.keys(tree.sites).length };
      log(outcome);
      return outcome;
    }
    const task = stoppedTaskOf(event, { clusterArn: env('CLUSTER_ARN'), family: env('TASK_FAMILY'), containerName: env('CONTAINER_NAME') });
    if ('ignored' in task) {
      log(task);
      return task;
    }
    const run = await updateSite(s3, location, task, log);
    const outcome = { site: task.site, run };
    log(outcome);
    return outcome;
  } catch (error) {
    const err = error as Error;
    console.error(JSON.stringify({ error: err.name, message: err.message }));
    throw error;
  }
}
