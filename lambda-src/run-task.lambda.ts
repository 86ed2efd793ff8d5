import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { announcedRun } from './run-task/announce';
import { parseRunRequest, runnerConfigFromEnv } from './run-task/request';
import { Outcome, runSite } from './run-task/run-site';
import { loggedHandler } from './shared/handler';
import { siteMetricsFromEnv } from './shared/run-events';

const ecs = new ECSClient({});
const events = new EventBridgeClient({});

/**
 * Starts a sitespeed.io run for the site in the event (see run-task/request.ts), or skips it
 * while the site's previous run is in progress. Throws on bad input and on RunTask failures:
 * Scheduler invokes the function asynchronously, so Lambda retries it (twice) and then sends the
 * event to the runner's dead-letter queue (src/private/site-runner.ts). Scheduler's own retries
 * and dead-letter queue cover only invocations it could not deliver. Skipped and refused runs
 * are events too (run-task/announce.ts).
 */
export const handler = loggedHandler(async (event: unknown): Promise<Outcome> => {
  const request = parseRunRequest(event);
  const config = runnerConfigFromEnv(process.env);
  return announcedRun(events, config.cluster, request.site, () => runSite(ecs, request, config), line => console.log(JSON.stringify(line)),
    siteMetricsFromEnv(process.env)(request.site));
});
