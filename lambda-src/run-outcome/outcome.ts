/**
 * A stopped run's outcome: the detail of the "Sitespeed Run Finished" event (README "Run
 * events"). Pure: the S3 reads and the event are in publish.ts.
 */
export type RunOutcomeStatus = 'ok' | 'budget failed' | 'failed' | 'no report' | 'not started';
/** Every status of the schema, for the consumers that check events. */
export const RUN_STATUSES: readonly RunOutcomeStatus[] = ['ok', 'budget failed', 'failed', 'no report', 'not started'];

/** One failing budget check, as sitespeed.io writes it into budgetResult.json (--budget.output json). */
export interface BudgetCheck {
  /** The page: its URL alias, or its URL. */
  readonly page: string;
  readonly metric: string;
  readonly type: string;
  readonly value: unknown;
  readonly limit: unknown;
  readonly friendlyValue?: unknown;
  readonly friendlyLimit?: unknown;
  readonly limitType?: string;
}

export interface RunFinished {
  readonly version: 1;
  readonly cluster: string;
  readonly site: string;
  /** The report folder (`<YYYY-MM-DD-HH-mm-ss>`, UTC), or null when the run left none. */
  readonly run: string | null;
  readonly status: RunOutcomeStatus;
  readonly exitCode: number | null;
  readonly reason: string | null;
  /** ECS's stop code, e.g. TaskFailedToStart or UserInitiated (runTask's wait limit). */
  readonly stopCode: string | null;
  /**
   * A run that did not start because it was asked for while the cluster's hardStop schedule held
   * it at zero instances: expected, never alerted.
   */
  readonly heldByHardStop: boolean;
  /** The first failing checks (at most MAX_CHECKS_IN_EVENT, fewer if the event would pass EventBridge's size); all of them are in `budgetResult`. */
  readonly failedBudgetChecks: BudgetCheck[];
  /** How many checks failed in all. */
  readonly failedBudgetCheckCount: number;
  /** The run's whole budget result, `s3://<bucket>/<site>/<run>/budgetResult.json`, when it has one. */
  readonly budgetResult: string | null;
  readonly reportUrl: string | null;
  readonly viewerUrl: string | null;
  readonly startedAt: string;
  readonly stoppedAt: string;
  readonly durationSeconds: number;
  readonly taskArn: string | null;
  /** A confirmation run (started by SiteAlerts after a failure). */
  readonly rerun: boolean;
}

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

export function reportUrlOf(resultBaseUrl: string | undefined, site: string, run: string | undefined): string | null {
  if (!resultBaseUrl || !run) return null;
  return `${resultBaseUrl.replace(/\/+$/, '')}/${site}/${run}/index.html`;
}
