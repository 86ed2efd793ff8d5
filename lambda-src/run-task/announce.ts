import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Outcome, RunTaskFailedError } from './run-site';
import { RUN_EVENTS, RUN_METRICS, RunNotStarted, RunSkipped } from '../../src/contract/run-events';
import { metricsLine, putRunEvent } from '../shared/run-events';

/**
 * Starts a run (`start`) and says what became of it: a run skipped by the overlap guard and a run
 * RunTask refused become events ("Sitespeed Run Skipped", "Sitespeed Run Not Started") and
 * metrics, as finished runs do. A refused run still throws afterwards, so Lambda retries it and
 * finally dead-letters it: each attempt is one Not Started event (up to three per schedule
 * firing). The skipped event is best effort: the run's fate is decided, a lost event must not
 * make Lambda start it again.
 */
export async function announcedRun(events: EventBridgeClient, clusterArn: string, site: string, start: () => Promise<Outcome>,
  log: (line: object) => void, perSite = false): Promise<Outcome> {
  const cluster = clusterArn.split('/').pop()!;
  const metrics = (values: Record<string, number>) => metricsLine(cluster, site, values, {}, perSite);
  let outcome: Outcome;
  try {
    outcome = await start();
  } catch (error) {
    if (error instanceof RunTaskFailedError) {
      log(metrics({ [RUN_METRICS.runsNotStarted]: 1 }));
      const detail: RunNotStarted = { version: 1, cluster, site, reason: error.message };
      await putRunEvent(events, RUN_EVENTS.notStarted, detail)
        .catch(e => log({ event: RUN_EVENTS.notStarted, lost: `${e.name}: ${e.message}` }));
    }
    throw error;
  }
  if ('skipped' in outcome) {
    log(metrics({ [RUN_METRICS.runsSkipped]: 1 }));
    const detail: RunSkipped = { version: 1, cluster, site, reason: outcome.skipped, running: outcome.running };
    await putRunEvent(events, RUN_EVENTS.skipped, detail)
      .catch(e => log({ event: RUN_EVENTS.skipped, lost: `${e.name}: ${e.message}` }));
  } else {
    log(metrics({ [RUN_METRICS.runsStarted]: 1 }));
  }
  return outcome;
}
