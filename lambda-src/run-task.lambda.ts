import { ECSClient } from '@aws-sdk/client-ecs';
import { parseRunRequest, runnerConfigFromEnv } from './run-task/request';
import { Outcome, runSite } from './run-task/run-site';

const ecs = new ECSClient({});

/**
 * Starts a sitespeed.io run for the site in the event (see run-task/request.ts), or skips it
 * while the site's previous run is in progress. Throws on bad input and on RunTask failures, so
 * EventBridge Scheduler retries and finally dead-letters the invocation.
 */
export async function handler(event: unknown): Promise<Outcome> {
  try {
    const request = parseRunRequest(event);
    const outcome = await runSite(ecs, request, runnerConfigFromEnv(process.env));
    console.log(JSON.stringify(outcome));
    return outcome;
  } catch (error) {
    const err = error as Error;
    console.error(JSON.stringify({ error: err.name, message: err.message }));
    throw error;
  }
}
