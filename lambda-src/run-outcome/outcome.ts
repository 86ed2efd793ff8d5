/**
 * A stopped run's outcome: the detail of the "Sitespeed Run Finished" event (schema:
 * src/contract/run-events.ts). Pure: the S3 reads and the event are in publish.ts.
 */
import { BudgetCheck, RunOutcomeStatus } from '../../src/contract/run-events';

/**
 * The failing checks in a budgetResult.json: `{"failing": {"<page>": [{metric, type, value, limit, …}]}}`
 * (sitespeed.io lib/plugins/budget, proven in test/e2e/budget.e2e.ts). Anything else: none.
 */
export function failingChecks(budget: unknown): BudgetCheck[] {
  const failing = (budget as any)?.failing;
  if (!failing || typeof failing !== 'object' || Array.isArray(failing)) return [];
  return Object.entries<unknown>(failing).flatMap(([page, checks]) => (Array.isArray(checks) ? checks : [])
    .filter((c: any) => c && typeof c === 'object' && typeof c.metric === 'string')
    .map((c: any) => ({
      page,
      metric: c.metric,
      type: String(c.type ?? ''),
      value: c.value,
      limit: c.limit,
      friendlyValue: c.friendlyValue,
      friendlyLimit: c.friendlyLimit,
      limitType: c.limitType,
    })));
}

/**
 * not started: the task stopped before it ever ran (no capacity, runTask's wait limit, a failed
 * image pull), whatever else is known. ok: exit 0 with a report. budget failed: sitespeed.io's exit 1 with failing checks in the
 * report's budget file. no report: the run left no report folder (it failed before uploading,
 * or the upload failed). failed: anything else (an error, a page it could not test, no exit code).
 */
export function statusOf(exitCode: number | undefined, hasReport: boolean, failing: BudgetCheck[], started = true): RunOutcomeStatus {
  if (!started) return 'not started';
  if (!hasReport) return 'no report';
  if (exitCode === 0) return 'ok';
  if (exitCode === 1 && failing.length > 0) return 'budget failed';
  return 'failed';
}

