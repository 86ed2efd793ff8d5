import type { Delivery } from './alerts';
import { RunFinished } from '../../src/contract/run-events';

/** What SiteAlerts remembers of a site (one DynamoDB item): enough to alert on change only. */
export interface SiteState {
  readonly site: string;
  readonly state: 'ok' | 'failing';
  /** Confirmed failed runs in a row. */
  readonly failures: number;
  /** When the site started failing (the first confirmed failed run's stop). */
  readonly since?: string;
  readonly reminded: boolean;
  readonly lastRun?: string;
  readonly lastStatus?: string;
  readonly lastFinishedAt?: string;
  /** Alerted as not running for too long (sweep.ts); cleared by its next finished run. */
  readonly stale?: boolean;
  /** Runs in a row that never started (no capacity), and whether that was alerted. */
  readonly notStarted?: number;
  readonly notStartedAlerted?: boolean;
  /** The last runs handled (alerts.ts runIdOf): a copy of one of their events does nothing. */
  readonly runIds?: string[];
  /** Deliveries decided and saved but not yet done (alerts.ts). */
  readonly outbox?: Delivery[];
  readonly outboxSavedAt?: string;
  /** The invocation that saved the outbox failed delivering it (its retry does the rest at once). */
  readonly outboxFailed?: boolean;
}

export type AlertKind = 'failing' | 'still failing' | 'recovered' | 'running again' | 'not starting' | 'starting again';
export type Action = { readonly kind: 'rerun' } | { readonly kind: 'alert'; readonly alert: AlertKind };

export interface AlertOptions {
  /** Re-run a failed run once and alert only when that fails too. */
  readonly confirm: boolean;
  /** Remind once when a site has failed this many confirmed runs in a row (0: never). */
  readonly remindAfter: number;
  /** Alert once when this many runs in a row never started (0: never). */
  readonly notStartedAfter: number;
}

/**
 * The next state of a site and what to do, for one finished run:
 * - ok after failing: "recovered"; ok otherwise: nothing (a failure whose re-run passed was a flake).
 * - a failure of a site that is ok: one re-run first (unless confirm is off, or this is the re-run),
 *   then "failing" when it is confirmed.
 * - a failure of a site already failing: counted; "still failing" once at remindAfter.
 * A re-run never starts another.
 */
export function decide(previous: SiteState | undefined, run: RunFinished, options: AlertOptions): { next: SiteState; actions: Action[] } {
  if (run.status === 'not started') return decideNotStarted(previous, run, options);
  const decided = startedAgain(previous, decideRun(previous, run, options));
  if (!previous?.stale) return decided;
  // A site alerted as stale runs again: say so once, then alert on its outcome as usual.
  return { next: { ...decided.next, stale: false }, actions: [{ kind: 'alert', alert: 'running again' }, ...decided.actions] };
}

/**
 * A run that never started: no confirmation run (there is nothing to confirm, and it would wait
 * for the same capacity), and not a finished run (the stale clock keeps running). After
 * `notStartedAfter` in a row, one alert; a run held back by a hardStop schedule is expected and
 * leaves the state as it is.
 */
function decideNotStarted(previous: SiteState | undefined, run: RunFinished, options: AlertOptions): { next: SiteState; actions: Action[] } {
  const was: SiteState = previous ?? { site: run.site, state: 'ok', failures: 0, reminded: false };
  if (run.heldByHardStop) return { next: was, actions: [] };
  const notStarted = (was.notStarted ?? 0) + 1;
  const alert = options.notStartedAfter > 0 && notStarted >= options.notStartedAfter && !was.notStartedAlerted;
  const next: SiteState = { ...was, notStarted, notStartedAlerted: was.notStartedAlerted || alert };
  return { next, actions: alert ? [{ kind: 'alert', alert: 'not starting' }] : [] };
}

/** A run that started after runs that did not: the count restarts, and an alerted site says it starts again. */
function startedAgain(previous: SiteState | undefined, decided: { next: SiteState; actions: Action[] }): { next: SiteState; actions: Action[] } {
  if (!previous?.notStarted) return decided;
  const { notStarted: _count, notStartedAlerted: _alerted, ...rest } = decided.next;
  const actions: Action[] = previous.notStartedAlerted ? [{ kind: 'alert', alert: 'starting again' }, ...decided.actions] : decided.actions;
  return { next: rest, actions };
}

function decideRun(previous: SiteState | undefined, run: RunFinished, options: AlertOptions): { next: SiteState; actions: Action[] } {
  const seen = { lastRun: run.run ?? undefined, lastStatus: run.status, lastFinishedAt: run.stoppedAt, stale: false };
  const was: SiteState = previous ?? { site: run.site, state: 'ok', failures: 0, reminded: false };
  if (run.status === 'ok') {
    const next: SiteState = { site: run.site, state: 'ok', failures: 0, reminded: false, ...seen };
    return { next, actions: was.state === 'failing' ? [{ kind: 'alert', alert: 'recovered' }] : [] };
  }
  if (was.state === 'ok') {
    if (options.confirm && !run.rerun) return { next: { ...was, ...seen }, actions: [{ kind: 'rerun' }] };
    const next: SiteState = { site: run.site, state: 'failing', failures: 1, since: run.stoppedAt, reminded: false, ...seen };
    return { next, actions: [{ kind: 'alert', alert: 'failing' }] };
  }
  const failures = was.failures + 1;
  const remind = options.remindAfter > 0 && failures >= options.remindAfter && !was.reminded;
  const next: SiteState = { ...was, failures, reminded: was.reminded || remind, ...seen };
  return { next, actions: remind ? [{ kind: 'alert', alert: 'still failing' }] : [] };
}
