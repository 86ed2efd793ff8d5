/**
 * Does a site's latest run say it got slower? Run by run, on run extracts
 * (src/contract/run-extracts.ts): the unit is the run (the median of its iterations), never the
 * iteration, since a run's iterations share an instance, an hour and a backend state.
 *
 * - Baseline: the site's recent comparable runs (ok or budget failed, scheduled, not a
 *   confirmation run, the same test setup) before the recent window, at least `minBaselineRuns`
 *   of them and at most `maxBaselineRuns`, none older than `maxBaselineAgeDays`; until there are
 *   enough, the site is warming up. Runs flagged by an open regression stay out of it.
 * - Test ('shift', the default): per URL and primary metric (LCP, FCP, TTFB), the mean log of the
 *   last `recentRuns` runs against the baseline's median log, each run first corrected by its
 *   hour's typical offset (a daily cycle learnt from the baseline), in units of the baseline's
 *   robust spread widened for autocorrelated runs; Holm's correction across every metric and URL
 *   keeps the chance of any false finding per decision at `alpha`. A finding must also move by a
 *   real amount: the shift's lower confidence bound is at least `floorPercent` of the baseline
 *   median and `floorMs`. ('rank': a one-sided Mann-Whitney U test with the Hodges-Lehmann bound
 *   instead; bench/regressions.ts prints both, and the rank test with k = 3 finds +10 % LCP within
 *   two runs far less often at the same false-alarm rate, since 3 runs against many cannot reach
 *   a corrected level unless all 3 are above nearly every baseline run.)
 * - Confirmation: a finding is a candidate until the runs since its window began confirm it:
 *   together (their lower median, so outlier runs short of half cannot carry it), once there are
 *   as many as the baseline's autocorrelation needs to tell a change from a slow spell (about
 *   (1 + φ) / (1 − φ) runs, at least `recentRuns` + 1), and the latest by itself; an immediate
 *   re-run would share the state that caused the first, so only scheduled runs count. A candidate
 *   whose runs fall back to the baseline is dropped. Then the regression is open, its baseline
 *   frozen. It recovers when the recent runs' median is back within half the floor of the frozen
 *   baseline's (hysteresis), or is accepted after `acceptAfterRuns` runs, when the new level
 *   becomes the baseline.
 * - Deploy markers (change points): the runs since a marker are judged together against the runs
 *   before it (the first alone, so a pipeline's `cdk-sitespeed run` right after `mark` has a
 *   verdict), confirmed as a candidate is; the runs since stay out of the baseline until that
 *   verdict is in (ok for `recentRuns` runs with nothing suspect, or detected). A marker that
 *   accepts (`mark --accept`) makes an open regression's level the new baseline at the next run.
 * Pure: test/lambda/regression.test.ts, and bench/regressions.ts measures its error rates.
 */
import { alsoChanged, ReportedChange } from './also-changed';
import { hodgesLehmann, holm, mannWhitneyU, normalSurvival } from './rank-test';
import { ChangePoint } from '../../src/contract/deploy-markers';
import { median } from '../../src/contract/median';
import { MarkerRef } from '../../src/contract/run-events';
import { ExtractMetric, RunExtract, setupKeyOf } from '../../src/contract/run-extracts';
import { timeOfFolder } from '../../src/contract/run-folders';

export type { ChangePoint };

export const PRIMARY_METRICS: readonly ExtractMetric[] = ['largestContentfulPaint', 'firstContentfulPaint', 'ttfb'];

export interface RegressionSettings {
  /**
   * 'shift': the mean log of the recent runs against the baseline's median log, in units of the
   * baseline's robust spread (MAD) widened for the correlation between consecutive runs.
   * 'rank': a one-sided Mann-Whitney U test of the recent runs against the baseline, with the
   * Hodges-Lehmann bound. bench/regressions.ts compares them.
   */
  readonly method: 'shift' | 'rank';
  readonly minBaselineRuns: number;
  readonly maxBaselineRuns: number;
  readonly maxBaselineAgeDays: number;
  readonly recentRuns: number;
  /** Runs since a candidate's window began that must show the change before it is confirmed (at least recentRuns + 1). */
  readonly confirmRuns: number;
  readonly alpha: number;
  readonly floorPercent: number;
  readonly floorMs: number;
  readonly acceptAfterRuns: number;
}

export const DEFAULT_SETTINGS: RegressionSettings = {
  method: 'shift',
  minBaselineRuns: 15,
  maxBaselineRuns: 168,
  maxBaselineAgeDays: 30,
  recentRuns: 2,
  confirmRuns: 3,
  alpha: 0.01,
  floorPercent: 3,
  floorMs: 50,
  acceptAfterRuns: 72,
};

export interface Finding {
  readonly url: string;
  readonly metric: ExtractMetric;
  readonly baselineMedian: number;
  readonly recentMedian: number;
  /** Hodges-Lehmann shift, recent minus baseline, and its one-sided lower bound at 1 - alpha. */
  readonly shift: number;
  readonly lowerBound: number;
  readonly pvalue: number;
  /** Holm-adjusted across everything tested in this decision. */
  readonly adjusted: number;
}

export interface Assessment {
  readonly baselineRuns: number;
  /** Tests made (URLs × primary metrics with values on both sides). */
  readonly tested: number;
  /** The findings that pass the corrected test and the effect floor. */
  readonly findings: Finding[];
}

/** Runs that can be judged: measured (ok or budget failed, with pages and a setup), not a confirmation run. */
export function isMeasured(extract: RunExtract): boolean {
  return (extract.status === 'ok' || extract.status === 'budget failed') && !extract.rerun && extract.setup !== undefined && extract.pages.length > 0;
}

/** Runs that may feed a baseline or a confirmation: measured and scheduled (not on demand). */
export function isComparable(extract: RunExtract): boolean {
  return isMeasured(extract) && extract.onDemand !== true;
}

function observationsOf(runs: RunExtract[], url: string, metric: ExtractMetric): Observation[] {
  return runs.flatMap(r => {
    const value = r.pages.find(p => p.url === url)?.medians[metric];
    return value !== undefined && value > 0 ? [{ value, hour: Number(r.run.slice(11, 13)) }] : [];
  });
}

function valuesOf(runs: RunExtract[], url: string, metric: ExtractMetric): number[] {
  return observationsOf(runs, url, metric).map(o => o.value);
}

/** The smallest shift that counts: floorPercent of the baseline median, and at least floorMs. */
function floorOf(f: { baselineMedian: number }, settings: RegressionSettings): number {
  return Math.max(f.baselineMedian * settings.floorPercent / 100, settings.floorMs);
}

/** The z for which P(Z > z) = p (bisection on the survival function: called once per test). */
function normalQuantileAbove(p: number): number {
  let low = -10;
  let high = 10;
  for (let i = 0; i < 80; i++) {
    const mid = (low + high) / 2;
    if (normalSurvival(mid) > p) low = mid; else high = mid;
  }
  return (low + high) / 2;
}

/** A run's value of one metric with the UTC hour it ran at (for the daily cycle). */
export interface Observation {
  readonly value: number;
  readonly hour: number;
}

/** Runs at an hour before its offset is learnt: a week of an hourly site. Fewer fit the noise more than the cycle. */
const MIN_RUNS_PER_HOUR = 7;

/** Each hour's typical offset from the baseline's median log, where the baseline has MIN_RUNS_PER_HOUR runs at that hour (else 0). */
function hourEffects(logs: number[], hours: number[], center: number): { effects: Map<number, number>; fewest: number } {
  const effects = new Map<number, number>();
  let fewest = Infinity;
  for (const hour of new Set(hours)) {
    const at = logs.filter((_, i) => hours[i] === hour);
    if (at.length >= MIN_RUNS_PER_HOUR) {
      effects.set(hour, median(at) - center);
      fewest = Math.min(fewest, at.length);
    }
  }
  return { effects, fewest };
}

export interface BaselineModel {
  /** The baseline's median log. */
  readonly center: number;
  /** Each hour's offset from it (hours with at least 7 baseline runs). */
  readonly effects: Map<number, number>;
  /** The robust spread of the hour-corrected logs. */
  readonly scale: number;
  /** Lag-1 autocorrelation of the baseline runs, clamped to 0 … 0.9. */
  readonly phi: number;
}

export function baselineModel(before: Observation[]): BaselineModel {
  const logs = before.map(o => Math.log(o.value));
  const center = median(logs);
  const { effects, fewest } = hourEffects(logs, before.map(o => o.hour), center);
  const residuals = logs.map((v, i) => v - center - (effects.get(before[i].hour) ?? 0));
  // An offset learnt from n runs fits part of their noise: the residuals look tighter than a new run's
  // (by √((n-1)/n)), and the new run also carries the offset's own error (a median's: π/2n of the variance).
  const learnt = effects.size > 0 ? Math.sqrt(fewest / (fewest - 1) * (1 + Math.PI / (2 * fewest))) : 1;
  // Run medians are whole milliseconds: a spread below 0.5 % is rounding, not stability.
  const scale = Math.max(1.4826 * median(residuals.map(Math.abs)) * learnt, 0.005);
  const mean = residuals.reduce((a, b) => a + b, 0) / residuals.length;
  const deviations = residuals.map(v => v - mean);
  const variance = deviations.reduce((a, d) => a + d * d, 0);
  const lag1 = variance > 0 ? deviations.slice(1).reduce((a, d, i) => a + d * deviations[i], 0) / variance : 0;
  return { center, effects, scale, phi: Math.min(0.9, Math.max(0, lag1)) };
}

/**
 * Runs needed before a change can be told from a slow spell of autocorrelated runs: about the
 * correlation time (1 + φ) / (1 − φ), and at least `confirmRuns` and one more than the candidate's window.
 */
export function runsToConfirm(phi: number, recentRuns: number, confirmRuns = DEFAULT_SETTINGS.confirmRuns): number {
  // (less a hair, so 1.8 / 0.2 in floating point is 9, not 10)
  return Math.max(recentRuns + 1, confirmRuns, Math.ceil((1 + phi) / (1 - phi) - 1e-9));
}

/**
 * The shift of the recent runs' mean log over the baseline's median log, its one-sided p-value
 * and the lower bound of the shift (in the metric's unit) at 1 - alpha. A site that runs at many
 * hours has a daily cycle (traffic, backends): each run is compared after taking off its hour's
 * typical offset, learnt from the baseline (at least 7 runs at that hour). The spread is the
 * MAD of what is left (robust to the baseline's outlier runs), and the variance of a mean of k
 * consecutive runs that of an AR(1) with the baseline's lag-1 autocorrelation.
 */
export function shiftTest(
  before: Observation[] | BaselineModel, after: Observation[], alpha: number, robust = false,
): { shift: number; lowerBound: number; pvalue: number } {
  const { center, effects, scale, phi } = Array.isArray(before) ? baselineModel(before) : before;
  const k = after.length;
  let factor = 1;
  for (let i = 1; i < k; i++) factor += 2 * (1 - i / k) * phi ** i;
  const residuals = after.map(o => Math.log(o.value) - center - (effects.get(o.hour) ?? 0));
  // robust: the lower median of the runs (of an even count, the lower middle one), so a change needs at least half
  // of them high: outlier runs (cold instances) short of half cannot move it. Its spread is about √(π/2) the mean's.
  const se = scale * Math.sqrt(factor / k) * (robust ? Math.sqrt(Math.PI / 2) : 1);
  const d = robust ? [...residuals].sort((a, b) => a - b)[Math.floor((k - 1) / 2)] : residuals.reduce((a, b) => a + b, 0) / k;
  const base = Math.exp(center);
  return { shift: base * (Math.exp(d) - 1), lowerBound: base * (Math.exp(d - normalQuantileAbove(alpha) * se) - 1), pvalue: normalSurvival(d / se) };
}

/** The recent runs against the baseline: every primary metric of every URL, Holm across all of them. */
export function assess(baseline: RunExtract[], recent: RunExtract[], settings: RegressionSettings = DEFAULT_SETTINGS): Assessment {
  const urls = recent[recent.length - 1]?.setup?.urls ?? [];
  const tests: Omit<Finding, 'adjusted'>[] = [];
  for (const url of urls) {
    for (const metric of PRIMARY_METRICS) {
      const before = valuesOf(baseline, url, metric);
      const after = valuesOf(recent, url, metric);
      if (before.length < settings.minBaselineRuns || after.length < settings.recentRuns) continue;
      if (settings.method === 'shift') {
        tests.push({
          url,
          metric,
          baselineMedian: median(before),
          recentMedian: median(after),
          ...shiftTest(observationsOf(baseline, url, metric), observationsOf(recent, url, metric), settings.alpha),
        });
        continue;
      }
      // Exact for the few recent runs even with ties (scipy's method='exact' ignores them: run medians rounded to the
      // millisecond tie rarely); scipy's 'auto' would take the normal approximation, which is far off in the tail at k = 3.
      const { pvalue } = mannWhitneyU(after, before, { alternative: 'greater', method: after.length <= 8 ? 'exact' : 'asymptotic' });
      const { shift, lowerBound } = hodgesLehmann(before, after, settings.alpha);
      tests.push({ url, metric, baselineMedian: median(before), recentMedian: median(after), shift, lowerBound, pvalue });
    }
  }
  const adjusted = holm(tests.map(t => t.pvalue));
  const findings = tests.map((t, i) => ({ ...t, adjusted: adjusted[i] }))
    .filter(f => f.adjusted <= settings.alpha && f.lowerBound >= floorOf(f, settings));
  return { baselineRuns: baseline.length, tested: tests.length, findings };
}

export type Verdict = (
  | { readonly kind: 'warming up'; readonly run: string; readonly baselineRuns: number }
  | { readonly kind: 'ok'; readonly run: string }
  | {
    readonly kind: 'candidate';
    readonly run: string;
    readonly findings: Finding[];
    /** Page weight, requests, CLS or TBT that rose with it over their thresholds: reported, not tested (also-changed.ts). */
    readonly alsoChanged: ReportedChange[];
    /** Kept as a candidate only because its runs are still above the baseline (p ≤ 0.2), not significantly so. */
    readonly weak?: boolean;
  }
  | {
    readonly kind: 'detected';
    readonly run: string;
    readonly since: string;
    readonly firstSlowRun: string;
    readonly findings: Finding[];
    readonly alsoChanged: ReportedChange[];
    readonly baselineRuns: number;
    readonly baselineRun: string;
  }
  | { readonly kind: 'still regressed'; readonly run: string; readonly since: string }
  | { readonly kind: 'recovered'; readonly run: string; readonly since: string }
  | { readonly kind: 'accepted'; readonly run: string; readonly since: string }
  | { readonly kind: 'new setup'; readonly run: string; readonly setup: string }
  | { readonly kind: 'not comparable'; readonly run: string }
) & { readonly marker?: MarkerRef };


/** What the detector remembers between runs. */
export interface DetectorState {
  readonly setup?: string;
  readonly candidate?: string;
  readonly open?: { readonly since: string; readonly findings: Finding[]; readonly runsSince: number };
  /** Runs kept out of baselines: those of an open or recovered regression. */
  readonly flagged: string[];
  /** After a regression was accepted, the baseline starts at the new level: no run before this one. */
  readonly baselineFrom?: string;
  /** The time (ms) of the newest deploy marker whose verdict is in: markers up to it are judged. */
  readonly markersThrough?: number;
}

export const INITIAL_STATE: DetectorState = { flagged: [] };

// The setup key of an extract, computed once per extract object (decide() compares it for every run of the history).
const setupKeys = new WeakMap<RunExtract, string>();
function setupOf(extract: RunExtract): string {
  let key = setupKeys.get(extract);
  if (key === undefined) setupKeys.set(extract, key = setupKeyOf(extract.setup!));
  return key;
}

/**
 * The verdict on `latest` given the site's earlier extracts (any order, any kind), the state
 * after the previous run and the site's deploy markers; returns the next state. Deterministic:
 * the same inputs give the same verdict.
 */
export function decide(
  history: RunExtract[], latest: RunExtract, state: DetectorState, settings: RegressionSettings = DEFAULT_SETTINGS,
  changePoints: readonly ChangePoint[] = [],
): { verdict: Verdict; state: DetectorState } {
  const run = latest.run;
  if (!isMeasured(latest)) return { verdict: { kind: 'not comparable', run }, state };
  if (latest.onDemand) {
    // Judged as a scheduled run would be, and remembered by nothing: only scheduled runs confirm, recover or reset.
    const { verdict } = decide(history, { ...latest, onDemand: false }, state, settings, changePoints);
    return { verdict: onDemandVerdict(verdict), state };
  }
  const setup = setupOf(latest);
  const time = timeOfFolder(run);
  // Deploy markers up to this run whose verdict is not in yet, oldest first.
  const unjudged = changePoints.filter(cp => cp.at > (state.markersThrough ?? -Infinity) && cp.at <= time).sort((a, b) => a.at - b.at);
  const judgedAll = unjudged.length > 0 ? { markersThrough: unjudged[unjudged.length - 1].at } : {};
  if (state.setup !== undefined && state.setup !== setup) {
    // A new browser, URL set or iteration count: a new baseline; an open regression cannot be judged against the old one.
    return { verdict: { kind: 'new setup', run, setup }, state: { setup, flagged: [], ...judgedAll } };
  }
  const oldest = time - settings.maxBaselineAgeDays * 86_400_000;
  // A flagged run older than any baseline reaches no longer needs remembering.
  const flagged = new Set(state.flagged.filter(f => timeOfFolder(f) >= oldest));
  const earlier = history.filter(e => e.run < run && isComparable(e) && setupOf(e) === setup)
    .sort((a, b) => (a.run < b.run ? -1 : a.run > b.run ? 1 : 0));
  const recent = [...(settings.recentRuns > 1 ? earlier.slice(-(settings.recentRuns - 1)) : []), latest];
  const kept = {
    ...(state.baselineFrom !== undefined ? { baselineFrom: state.baselineFrom } : {}),
    ...(state.markersThrough !== undefined ? { markersThrough: state.markersThrough } : {}),
  };

  if (state.open) {
    const open = state.open;
    const back = open.findings.every(f => {
      const now = median(valuesOf(recent, f.url, f.metric));
      return now <= f.baselineMedian + Math.max(f.baselineMedian * settings.floorPercent / 200, settings.floorMs / 2);
    });
    // Deploy markers while a regression is open are judged by it: the runs after them against its frozen baseline.
    if (back && recent.length >= settings.recentRuns) {
      return { verdict: { kind: 'recovered', run, since: open.since }, state: { ...kept, ...judgedAll, setup, flagged: [...flagged] } };
    }
    const accepting = unjudged.filter(cp => cp.accept && cp.at > timeOfFolder(open.since)).pop();
    if (accepting || open.runsSince + 1 >= settings.acceptAfterRuns) {
      // The new level is the new normal: its runs may feed the baseline again.
      const since = open.since;
      return {
        verdict: { kind: 'accepted', run, since, ...(accepting ? { marker: refOf(accepting) } : {}) },
        state: { ...judgedAll, setup, flagged: [...flagged].filter(f => f < since), baselineFrom: since },
      };
    }
    const next = { ...state, ...judgedAll, setup, flagged: [...flagged, run], open: { ...open, runsSince: open.runsSince + 1 } };
    return { verdict: { kind: 'still regressed', run, since: open.since }, state: next };
  }

  const from = state.baselineFrom ?? '';
  // While a change is suspected, the runs since it started are not its baseline.
  const until = state.candidate ?? '~';
  const baselineOf = (runs: RunExtract[]) => runs
    .filter(e => !flagged.has(e.run) && e.run >= from && e.run < until && timeOfFolder(e.run) >= oldest)
    .slice(-settings.maxBaselineRuns);
  const runsFrom = (since: string) => [...earlier.filter(e => e.run >= since), latest];
  const also = (baseline: RunExtract[], runs: RunExtract[]) => alsoChanged(baseline, runs, settings.minBaselineRuns);
  const detected = (since: string, findings: Finding[], baseline: RunExtract[], marker?: ChangePoint) => {
    const changedRuns = runsFrom(since);
    // For people: the first run above the floor on a metric that moved (the window may start one run before it).
    const slow = (r: RunExtract) => findings.some(f => (valuesOf([r], f.url, f.metric)[0] ?? 0) >= f.baselineMedian + floorOf(f, settings));
    const firstSlowRun = changedRuns.find(slow) ?? latest;
    return {
      verdict: {
        kind: 'detected' as const,
        run,
        since,
        firstSlowRun: firstSlowRun.run,
        findings,
        alsoChanged: also(baseline, changedRuns),
        baselineRuns: baseline.length,
        baselineRun: baseline[baseline.length - 1].run,
        ...(marker ? { marker: refOf(marker) } : {}),
      },
      state: {
        ...kept,
        ...judgedAll,
        setup,
        flagged: [...new Set([...flagged, ...changedRuns.map(r => r.run)])],
        open: { since, findings, runsSince: 0 },
      },
    };
  };

  if (unjudged.length > 0) {
    // A deploy: the runs since the newest marker, together, against the runs before the oldest marker not judged yet.
    const marker = unjudged[unjudged.length - 1];
    const baseline = baselineOf(earlier.filter(e => timeOfFolder(e.run) < unjudged[0].at));
    const first = [...earlier, latest].find(e => timeOfFolder(e.run) >= marker.at)!;
    if (baseline.length >= settings.minBaselineRuns) {
      const judged = confirmation(baseline, earlier, latest, first.run, settings);
      if (judged.confirmed) return detected(first.run, judged.confirmed, baseline, marker);
      const waiting = { ...kept, setup, flagged: [...flagged], ...(state.candidate ? { candidate: state.candidate } : {}) };
      if (judged.passing) {
        return { verdict: { kind: 'candidate', run, findings: judged.passing, alsoChanged: also(baseline, runsFrom(first.run)), marker: refOf(marker) }, state: waiting };
      }
      const runsSince = earlier.filter(e => e.run >= first.run).length + 1;
      if (judged.waiting || runsSince < settings.recentRuns) return { verdict: { kind: 'ok', run, marker: refOf(marker) }, state: waiting };
      // Judged ok: the runs since the deploy may join the baseline, and a change suspected before it is superseded.
      return { verdict: { kind: 'ok', run, marker: refOf(marker) }, state: { ...kept, ...judgedAll, setup, flagged: [...flagged] } };
    }
  }

  // (Markers with too few runs before them to judge by are passed: the baseline warms up through them.)
  const plain = { ...kept, ...judgedAll };
  const baseline = baselineOf(earlier.slice(0, Math.max(0, earlier.length - (settings.recentRuns - 1))));
  if (baseline.length < settings.minBaselineRuns || recent.length < settings.recentRuns) {
    return { verdict: { kind: 'warming up', run, baselineRuns: baseline.length }, state: { ...plain, setup, flagged: [...flagged] } };
  }
  const pending = state.candidate !== undefined ? confirmation(baseline, earlier, latest, state.candidate, settings) : undefined;
  if (pending?.confirmed) return detected(state.candidate!, pending.confirmed, baseline);
  if (pending?.waiting) {
    return {
      verdict: { kind: 'candidate', run, findings: pending.waiting, alsoChanged: also(baseline, runsFrom(state.candidate!)), ...(pending.passing ? {} : { weak: true }) },
      state: { ...plain, setup, flagged: [...flagged], candidate: state.candidate },
    };
  }
  const { findings } = assess(baseline, recent, settings);
  if (findings.length === 0) return { verdict: { kind: 'ok', run }, state: { ...plain, setup, flagged: [...flagged] } };
  // The window, not its first slow run: starting at a slow outlier would let a second outlier make half the runs since.
  return {
    verdict: { kind: 'candidate', run, findings, alsoChanged: also(baseline, recent) },
    state: { ...plain, setup, flagged: [...flagged], candidate: recent[0].run },
  };
}

const refOf = (marker: ChangePoint): MarkerRef => ({ id: marker.id, message: marker.message });

/**
 * What a verdict means for a run started on demand: never confirmed by itself, never a new
 * baseline, and a candidate only when significantly slower (a gate fails on it: a candidate the
 * schedule keeps waiting on at p ≤ 0.2 would fail a gate on about one run in four of a noisy site).
 */
function onDemandVerdict(verdict: Verdict): Verdict {
  switch (verdict.kind) {
    case 'candidate': return verdict.weak ? { kind: 'ok', run: verdict.run } : verdict;
    case 'detected': return { kind: 'candidate', run: verdict.run, findings: verdict.findings, alsoChanged: verdict.alsoChanged };
    case 'accepted': return { kind: 'still regressed', run: verdict.run, since: verdict.since };
    case 'new setup': return { kind: 'not comparable', run: verdict.run };
    default: return verdict;
  }
}

/**
 * A candidate (a change suspected from the window starting at `since`) after one more run: every
 * run since then is tested together against the baseline, for each URL and primary metric, Holm
 * across them. Confirmed once there are as many runs as the baseline's autocorrelation needs
 * (runsToConfirm: a slow spell of correlated runs ends, a change does not) and the latest run
 * shows the change by itself (one outlier run can carry a mean, not a run of its own); still
 * waiting while the runs since stay above the baseline; dropped otherwise. `passing`: the runs
 * since are significantly slower together, not (yet) confirmed (a deploy's window shows it).
 */
function confirmation(
  baseline: RunExtract[], earlier: RunExtract[], latest: RunExtract, since: string, settings: RegressionSettings,
): { confirmed?: Finding[]; passing?: Finding[]; waiting?: Finding[] } {
  const runs = [...earlier.filter(e => e.run >= since), latest];
  const tests: (Omit<Finding, 'adjusted'> & { needed: number; latestAlone: { pvalue: number; lowerBound: number } })[] = [];
  for (const url of latest.setup?.urls ?? []) {
    for (const metric of PRIMARY_METRICS) {
      const before = observationsOf(baseline, url, metric);
      const after = observationsOf(runs, url, metric);
      const own = observationsOf([latest], url, metric);
      if (before.length < settings.minBaselineRuns || after.length === 0 || own.length === 0) continue;
      const model = baselineModel(before);
      tests.push({
        url,
        metric,
        baselineMedian: median(before.map(o => o.value)),
        recentMedian: median(after.map(o => o.value)),
        ...shiftTest(model, after, settings.alpha, after.length >= 3),
        needed: runsToConfirm(model.phi, settings.recentRuns, settings.confirmRuns),
        latestAlone: shiftTest(model, own, settings.alpha),
      });
    }
  }
  const adjusted = holm(tests.map(t => t.pvalue));
  const scored = tests.map((t, i) => ({ ...t, adjusted: adjusted[i] }));
  const floor = (f: { baselineMedian: number }) => floorOf(f, settings);
  const strip = ({ needed, latestAlone, ...finding }: typeof scored[number]): Finding => finding;
  const passing = scored.filter(f => f.adjusted <= settings.alpha && f.lowerBound >= floor(f));
  const confirmed = passing.filter(f => runs.length >= f.needed
    && f.latestAlone.pvalue <= settings.alpha / passing.length && f.latestAlone.lowerBound >= floor(f));
  // Once the change is confirmed on one metric, every metric that moved significantly is named: a metric whose baseline
  // runs are more correlated needs more runs to confirm alone (with a 5-run baseline, TTFB lagged FCP and LCP in the e2e).
  if (confirmed.length > 0) return { confirmed: passing.map(strip) };
  // Still above the baseline, and not waiting longer than three times what confirmation needs.
  const waiting = scored.filter(f => f.pvalue <= 0.2 && f.shift > 0 && runs.length < 3 * f.needed);
  const slower = passing.filter(f => runs.length < 3 * f.needed);
  return {
    ...(slower.length > 0 ? { passing: slower.map(strip) } : {}),
    ...(waiting.length > 0 ? { waiting: waiting.map(strip) } : {}),
  };
}
