import { ECSClient } from '@aws-sdk/client-ecs';
import { parseRunRequest, runnerConfigFromEnv } from './run-task/request';
import { Outcome, runSite } from './run-task/run-site';
import { loggedHandler } from './shared/handler';

const ecs = new ECSClient({});

/**
 * Starts a sitespeed.io run for the site in the event (see run-task/request.ts), or skips it
 * while the site's previous run is in progress. Throws on bad input and on RunTask failures, so
 * EventBridge Scheduler retries and finally dead-letters the invocation.
 */
export const handler = loggedHandler(async (event: unknown): Promise<Outcome> =>
  runSite(ecs, parseRunRequest(event), runnerConfigFromEnv(process.env)));
