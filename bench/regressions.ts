/**
 * `BENCH_ONLY=regressions`: how often regression detection (lambda-src/regression/decide.ts) is
 * wrong, on synthetic runs. Each run's median per URL and metric is drawn on a log scale from:
 * the site's level, a daily cycle (sin over 24 h), run-to-run noise that is autocorrelated between
 * runs (AR(1): a slow backend stays slow for a few hours), and now and then an outlier run on
 * every metric at once (a cold instance). Printed at the defaults and over a grid around them:
 * - false alarms per site-month: confirmed regressions on an hourly site with two URLs where
 *   nothing changed (goal ≤ 1);
 * - the share of +10 % LCP steps on one URL found within two scheduled runs after the change
 *   (a candidate: what a CI gate reads) and confirmed within three (what alerts).
 * The defaults are an assumption, not a measurement of your site: the e2e measures a page on
 * 127.0.0.1, whose spread says nothing about the Internet. Measure your own from the extracts.
 */
import { decide, DEFAULT_SETTINGS, DetectorState, INITIAL_STATE, RegressionSettings } from '../lambda-src/regression/decide';
import { RunExtract } from '../src/contract/run-extracts';

interface World {
  /** Run-to-run noise, standard deviation of the log (0.04 ≈ 4 %). */
  readonly sigma: number;
  /** AR(1) coefficient between consecutive runs. */
  readonly phi: number;
  /** Daily cycle amplitude on the log scale. */
  readonly daily: number;
  /** Chance of an outlier run, and its size (log). */
  readonly outlierRate: number;
  readonly outlierSize: number;
}

export const DEFAULT_WORLD: World = { sigma: 0.04, phi: 0.5, daily: 0.03, outlierRate: 0.02, outlierSize: 0.4 };
const URLS = ['https://shop.example.com/', 'https://shop.example.com/cart'];
const LEVELS = { largestContentfulPaint: 1500, firstContentfulPaint: 900, ttfb: 250 } as const;
const HOUR = 3600_000;

function generator(seed: number): () => number {
  let state = seed % 2147483647 || 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

function normal(next: () => number): number {
  return Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
}

const folder = (t: number) => new Date(t).toISOString().slice(0, 19).replace(/[T:]/g, '-');

/** An hourly site's runs; `effect(i)` is the log shift of LCP on the first URL at run i. */
function* runs(world: World, seed: number, start: number, effect: (i: number) => number): Generator<RunExtract> {
  const next = generator(seed);
  const noise = new Map<string, number>();
  for (let i = 0; ; i++) {
    const t = start + i * HOUR;
    const cycle = world.daily * Math.sin((2 * Math.PI * (t / HOUR % 24)) / 24);
    const outlier = next() < world.outlierRate ? world.outlierSize * (0.5 + next()) : 0;
    const pages = URLS.map((url, u) => ({
      url,
      iterations: 5,
      medians: Object.fromEntries(Object.entries(LEVELS).map(([metric, level]) => {
        const key = `${u}:${metric}`;
        const e = world.phi * (noise.get(key) ?? 0) + Math.sqrt(1 - world.phi ** 2) * world.sigma * normal(next);
        noise.set(key, e);
        const shift = u === 0 && metric === 'largestContentfulPaint' ? effect(i) : 0;
        return [metric, Math.round(level * Math.exp(e + cycle + outlier + shift))];
      })),
    }));
    yield {
      version: 1,
      site: 'shop',
      run: folder(t),
      status: 'ok',
      rerun: false,
      pages,
      problems: [],
      setup: { browser: 'Chrome', browserVersion: '131', harCreator: 'chrome-har 1.3.1', connectivity: 'native', iterations: 5, urls: URLS },
    };
  }
}

/** Replays `count` runs through the detector; calls `onVerdict` with each verdict kind and run index. */
function replay(source: Generator<RunExtract>, count: number, settings: RegressionSettings, onVerdict: (kind: string, i: number) => void): void {
  const history: RunExtract[] = [];
  let state: DetectorState = INITIAL_STATE;
  for (let i = 0; i < count; i++) {
    const latest = source.next().value as RunExtract;
    const result = decide(history, latest, state, settings);
    state = result.state;
    onVerdict(result.verdict.kind, i);
    history.push(latest);
    if (history.length > settings.maxBaselineRuns + settings.recentRuns + settings.acceptAfterRuns) history.shift();
  }
}

const START = Date.parse('2026-01-05T00:00:00Z');

export function falseAlarmsPerMonth(world: World, settings: RegressionSettings, months: number): number {
  let alarms = 0;
  for (let m = 0; m < months; m++) {
    replay(runs(world, 1000 + m, START, () => 0), 30 * 24, settings, kind => { if (kind === 'detected') alarms++; });
  }
  return alarms / months;
}

/** After a step on one URL's LCP: within how many scheduled runs it was a candidate, and confirmed (each share: within 1 … 6 runs). */
export function caught(world: World, settings: RegressionSettings, trials: number, relative = 0.10): { candidate: number[]; confirmed: number[] } {
  const candidate = new Array<number>(7).fill(0);
  const confirmed = new Array<number>(7).fill(0);
  const before = settings.maxBaselineRuns + settings.recentRuns;
  for (let t = 0; t < trials; t++) {
    let firstCandidate = Infinity;
    let firstDetected = Infinity;
    replay(runs(world, 5000 + t, START + (t % 24) * HOUR, i => (i >= before ? Math.log(1 + relative) : 0)), before + 6, settings, (kind, i) => {
      if (i < before) return;
      if ((kind === 'candidate' || kind === 'detected') && firstCandidate === Infinity) firstCandidate = i - before + 1;
      if (kind === 'detected' && firstDetected === Infinity) firstDetected = i - before + 1;
    });
    for (let n = 1; n <= 6; n++) {
      if (firstCandidate <= n) candidate[n]++;
      if (firstDetected <= n) confirmed[n]++;
    }
  }
  return { candidate: candidate.map(c => c / trials), confirmed: confirmed.map(c => c / trials) };
}

/**
 * A ceiling for "found within two runs" at a false-alarm budget: an oracle that knows the noise
 * (σ and φ exactly, on one metric, with no daily cycle and no outlier runs: a kinder world than
 * the detector's) and alarms when the mean log of the last two runs crosses a threshold set so
 * that noise alone crosses it `alarmsPerMonth` times a month (upcrossings over 720 hourly runs).
 * The share of `relative` steps it sees within two runs after the step: what the statistic of a
 * two-run step test can reach in the kindest version of that world, a yardstick for the
 * detector's rate (which must learn σ, φ and the cycle, and survive outlier runs).
 */
export function twoRunCeiling(world: World, relative = 0.10, alarmsPerMonth = 1, months = 300): number {
  const next = generator(424242);
  const n = months * 720;
  const e = new Float64Array(n);
  let previous = 0;
  for (let i = 0; i < n; i++) {
    previous = world.phi * previous + Math.sqrt(1 - world.phi ** 2) * world.sigma * normal(next);
    e[i] = previous;
  }
  const upcrossings = (c: number) => {
    let count = 0;
    for (let i = 2; i < n; i++) if (e[i] + e[i - 1] >= 2 * c && e[i - 1] + e[i - 2] < 2 * c) count++;
    return count;
  };
  let low = 0;
  let high = 10 * world.sigma;
  for (let i = 0; i < 40; i++) {
    const mid = (low + high) / 2;
    if (upcrossings(mid) > alarmsPerMonth * months) low = mid; else high = mid;
  }
  const c = high;
  const delta = Math.log(1 + relative);
  let seen = 0;
  let steps = 0;
  for (let i = 2; i + 1 < n; i += 97) {
    steps++;
    if ((e[i] + delta + e[i - 1]) / 2 >= c || (e[i] + e[i + 1]) / 2 + delta >= c) seen++;
  }
  return seen / steps;
}

/**
 * The deploy gate: a run on demand right after a deploy marker (`mark` then `run`), judged with the
 * marker (alone against the runs before it) and without (in a window with the run before it).
 * The share of runs that fail the gate (candidate) for a step of `relative` on one URL's LCP at
 * the deploy, and for no change (a false fail).
 */
export function deployGate(world: World, settings: RegressionSettings, trials: number, relative = 0.10):
{ withMarker: number; without: number; falseWithMarker: number; falseWithout: number } {
  const before = settings.maxBaselineRuns + settings.recentRuns;
  const counts = { withMarker: 0, without: 0, falseWithMarker: 0, falseWithout: 0 };
  for (let t = 0; t < trials; t++) {
    const start = START + (t % 24) * HOUR;
    const source = runs(world, 9000 + t, start, () => 0);
    const history: RunExtract[] = [];
    let state: DetectorState = INITIAL_STATE;
    for (let i = 0; i < before; i++) {
      const latest = source.next().value as RunExtract;
      state = decide(history, latest, state, settings).state;
      history.push(latest);
    }
    const same = { ...(source.next().value as RunExtract), onDemand: true };
    const slower = {
      ...same,
      pages: same.pages.map((p, u) => (u === 0
        ? { ...p, medians: { ...p.medians, largestContentfulPaint: Math.round(p.medians.largestContentfulPaint! * (1 + relative)) } } : p)),
    };
    const marker = [{ id: 'deploy', at: start + (before - 0.5) * HOUR, message: 'deploy' }];
    const fails = (run: RunExtract, markers: typeof marker | []) => (decide(history, run, state, settings, markers).verdict.kind === 'candidate' ? 1 : 0);
    counts.withMarker += fails(slower, marker);
    counts.without += fails(slower, []);
    counts.falseWithMarker += fails(same, marker);
    counts.falseWithout += fails(same, []);
  }
  return {
    withMarker: counts.withMarker / trials,
    without: counts.without / trials,
    falseWithMarker: counts.falseWithMarker / trials,
    falseWithout: counts.falseWithout / trials,
  };
}

export function benchRegressions(settings: RegressionSettings = DEFAULT_SETTINGS): void {
  // About 11 s a cell at these sizes on the 2-core machine; BENCH_MONTHS and BENCH_TRIALS buy precision.
  const months = Number(process.env.BENCH_MONTHS ?? 6);
  const trials = Number(process.env.BENCH_TRIALS ?? 60);
  // The default world's lines take four times the months: 6 site-months hold about 8 alarms, too few to tell 1.3 from 1.
  const defaultMonths = Number(process.env.BENCH_DEFAULT_MONTHS ?? 4 * months);
  const cell = (label: string, world: World, s: RegressionSettings, m = months, t = trials) => {
    const alarms = falseAlarmsPerMonth(world, s, m);
    const { candidate, confirmed } = caught(world, s, t);
    return { label: `${label}${m !== months ? ` (${m} months, ${t} steps)` : ''}`, alarms, candidateWithin2: candidate[2], confirmedWithin3: confirmed[3], confirmedWithin6: confirmed[6] };
  };
  const pct = (x: number) => `${(100 * x).toFixed(0).padStart(3)}%`;
  const show = (r: ReturnType<typeof cell>) => console.log(`regressions ${r.label.padEnd(40)} false alarms ${r.alarms.toFixed(2).padStart(5)}/site-month (goal ≤ 1)  `
    + `+10% LCP: found within 2 runs ${pct(r.candidateWithin2)} (goal ≥ 90%), confirmed within 3 ${pct(r.confirmedWithin3)}, within 6 ${pct(r.confirmedWithin6)}`);
  const s = settings;
  for (const [label, world] of [['defaults', DEFAULT_WORLD], ['sigma 0.02', { ...DEFAULT_WORLD, sigma: 0.02 }], ['sigma 0.03', { ...DEFAULT_WORLD, sigma: 0.03 }]] as const) {
    console.log(`regressions ceiling, ${label}: an oracle on the last two runs (sigma ${world.sigma}, phi ${world.phi} known; one metric, no cycle, `
      + `no outliers) at 1 false alarm a month finds +10% within 2 runs in ${pct(twoRunCeiling(world))} of steps`);
  }
  const gateTrials = Number(process.env.BENCH_GATE_TRIALS ?? 200);
  for (const [label, world] of [['defaults', DEFAULT_WORLD], ['quiet (sigma 0.02, no outliers)', { ...DEFAULT_WORLD, sigma: 0.02, outlierRate: 0 }]] as const) {
    const g = deployGate(world, s, gateTrials);
    console.log(`regressions deploy gate, ${label}: the first run after a deploy marker (mark, then run) fails the gate for +10% LCP `
      + `in ${pct(g.withMarker)} of ${gateTrials} deploys with the marker, ${pct(g.without)} without; with no change in ${pct(g.falseWithMarker)} with, `
      + `${pct(g.falseWithout)} without`);
  }
  if (process.env.BENCH_GATE_ONLY) return;
  console.log(`regressions: hourly site, 2 URLs, ${months} site-months and ${trials} steps per cell; method ${s.method}, k=${s.recentRuns} recent runs, `
    + `baseline ${s.minBaselineRuns}-${s.maxBaselineRuns} runs, alpha ${s.alpha} (Holm), floor ${s.floorPercent}% and ${s.floorMs} ms on the bound`);
  show(cell(`defaults ${JSON.stringify(DEFAULT_WORLD)}`, DEFAULT_WORLD, s, defaultMonths, 2 * trials));
  // The tuning docs/regressions.md offers against outlier pairs: one more run before confirming.
  show(cell(`the same world, confirmRuns ${s.confirmRuns + 1}`, DEFAULT_WORLD, { ...s, confirmRuns: s.confirmRuns + 1 }, defaultMonths, 2 * trials));
  if (s.method === 'shift') show(cell('the same world, method rank', DEFAULT_WORLD, { ...s, method: 'rank', recentRuns: 3 }));
  const grid: ReturnType<typeof cell>[] = [];
  for (const sigma of [0.02, 0.04, 0.08]) {
    for (const phi of [0, 0.8]) {
      for (const outlierRate of [0, 0.05]) grid.push(cell(`sigma ${sigma} phi ${phi} outliers ${outlierRate}`, { ...DEFAULT_WORLD, sigma, phi, outlierRate }, s));
    }
  }
  grid.forEach(show);
  const worstAlarms = grid.reduce((a, b) => (b.alarms > a.alarms ? b : a));
  const worstCatch = grid.reduce((a, b) => (b.candidateWithin2 < a.candidateWithin2 ? b : a));
  console.log(`regressions worst cell for false alarms: ${worstAlarms.label} (${worstAlarms.alarms.toFixed(2)}/site-month); `
    + `for catching: ${worstCatch.label} (${pct(worstCatch.candidateWithin2)} found within 2 runs)`);
}
