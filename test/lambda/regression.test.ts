import { extract, HOUR, START, URLS, wobble } from './fixtures/extracts';
import { baselineModel, ChangePoint, decide, DEFAULT_SETTINGS, DetectorState, INITIAL_STATE, runsToConfirm, shiftTest, Verdict } from '../../lambda-src/regression/decide';
import { RunExtract } from '../../src/contract/run-extracts';

/** Feeds the runs through decide() as the Lambda would, one at a time; returns each verdict. */
function replay(runs: RunExtract[], settings = DEFAULT_SETTINGS): { verdicts: Verdict[]; state: DetectorState } {
  const verdicts: Verdict[] = [];
  let state = INITIAL_STATE;
  runs.forEach((latest, i) => {
    const result = decide(runs.slice(0, i), latest, state, settings);
    verdicts.push(result.verdict);
    state = result.state;
  });
  return { verdicts, state };
}

const stable = (n: number, from = 0) => Array.from({ length: n }, (_, i) => extract(from + i));

test('a new site warms up until its baseline has enough runs, then stable runs are ok', () => {
  const { verdicts } = replay(stable(60));
  const kinds = verdicts.map(v => v.kind);
  const firstOk = kinds.indexOf('ok');
  expect(kinds.slice(0, firstOk).every(k => k === 'warming up')).toBe(true);
  expect(firstOk).toBe(DEFAULT_SETTINGS.minBaselineRuns + DEFAULT_SETTINGS.recentRuns - 1);
  expect(kinds.slice(firstOk).every(k => k === 'ok')).toBe(true);
});

test('a +30 % LCP step on one URL: a candidate, confirmed by the runs after it, naming that metric and URL with both medians', () => {
  const runs = [...stable(40), ...Array.from({ length: 4 }, (_, i) => extract(40 + i, { lcp: 1.3 }))];
  const { verdicts, state } = replay(runs);
  const after = verdicts.slice(40).map(v => v.kind);
  expect(after.slice(0, 3)).toContain('detected');
  expect(after.indexOf('candidate')).toBeLessThan(after.indexOf('detected'));
  const detected = verdicts.find(v => v.kind === 'detected') as Extract<Verdict, { kind: 'detected' }>;
  expect(detected.findings.map(f => [f.url, f.metric])).toEqual([[URLS[0], 'largestContentfulPaint']]);
  const finding = detected.findings[0];
  expect(finding.baselineMedian).toBeGreaterThan(1450);
  expect(finding.baselineMedian).toBeLessThan(1550);
  expect(finding.recentMedian / finding.baselineMedian).toBeGreaterThan(1.25);
  expect(finding.lowerBound).toBeGreaterThan(0.03 * finding.baselineMedian);
  expect(state.open?.since).toBeDefined();
});

test('one outlier run (a cold instance, every metric +60 %) is never a regression', () => {
  const runs = [...stable(40), extract(40, { all: 1.6 }), ...stable(10, 41)];
  const kinds = replay(runs).verdicts.map(v => v.kind);
  expect(kinds).not.toContain('detected');
});

test('an open regression: its runs stay out of the baseline; it recovers when the runs are back, with hysteresis', () => {
  const runs = [...stable(40), ...Array.from({ length: 5 }, (_, i) => extract(40 + i, { lcp: 1.3 })), ...stable(6, 45)];
  const { verdicts, state } = replay(runs);
  const kinds = verdicts.map(v => v.kind);
  expect(kinds.slice(40, 45)).toContain('still regressed');
  expect(kinds.slice(45)).toContain('recovered');
  expect(kinds.slice(kinds.indexOf('recovered') + 1).every(k => k === 'ok')).toBe(true);
  // The slow runs are remembered as flagged, so they never become "normal".
  expect(state.flagged).toEqual(expect.arrayContaining([runs[42].run, runs[43].run]));
  expect(state.open).toBeUndefined();
});

test('a regression that stays is accepted after acceptAfterRuns: the new level becomes the baseline', () => {
  const settings = { ...DEFAULT_SETTINGS, acceptAfterRuns: 6 };
  const runs = [...stable(40), ...Array.from({ length: 30 }, (_, i) => extract(40 + i, { lcp: 1.3 }))];
  const { verdicts } = replay(runs, settings);
  const kinds = verdicts.map(v => v.kind);
  const accepted = kinds.indexOf('accepted');
  expect(accepted).toBeGreaterThan(40);
  expect(kinds.slice(accepted + 1)).not.toContain('detected');
  expect(kinds[kinds.length - 1]).toBe('ok');
});

test('a new setup (here the browser version) starts a new baseline: never compared with the old one', () => {
  const runs = [...stable(40), ...Array.from({ length: 20 }, (_, i) => extract(40 + i, { lcp: 1.3, browserVersion: '132.0' }))];
  const kinds = replay(runs).verdicts.map(v => v.kind);
  expect(kinds[40]).toBe('new setup');
  expect(kinds.slice(41, 41 + DEFAULT_SETTINGS.minBaselineRuns).every(k => k === 'warming up')).toBe(true);
  expect(kinds).not.toContain('detected');
});

test('runs that are not comparable (failed, a confirmation run, an extract without pages) change nothing and invent nothing', () => {
  const base = stable(40);
  const { state } = replay(base);
  const odd: RunExtract[] = [
    extract(40, { status: 'failed', all: 3 }),
    extract(41, { rerun: true, all: 3 }),
    { ...extract(42), pages: [], setup: undefined, problems: ['shop/…/browsertime.har: unreadable'] },
  ];
  for (const latest of odd) {
    const result = decide(base, latest, state);
    expect(result.verdict).toEqual({ kind: 'not comparable', run: latest.run });
    expect(result.state).toBe(state);
  }
  // An extract that lacks a metric is tested on what it has.
  const partial = { ...extract(40), pages: extract(40).pages.map(p => ({ ...p, medians: { transferSize: 1 } })) };
  expect(decide(base, partial, state).verdict.kind).not.toBe('detected');
});

test('the same history and state give the same verdict', () => {
  const runs = [...stable(40), extract(40, { lcp: 1.3 })];
  const a = decide(runs.slice(0, 40), runs[40], replay(runs.slice(0, 40)).state);
  const b = decide(runs.slice(0, 40), runs[40], replay(runs.slice(0, 40)).state);
  expect(a).toEqual(b);
});

test('the shift test takes the daily cycle off: the slow hour is not slower than itself', () => {
  // 7 days of hourly runs, 15 % slower at 09:00 UTC every day.
  const at = (day: number, hour: number) => ({ value: (hour === 9 ? 1150 : 1000) * wobble(day * 24 + hour, 1), hour });
  const baseline = Array.from({ length: 7 * 24 }, (_, i) => at(Math.floor(i / 24), i % 24));
  expect(shiftTest(baseline, [at(8, 9)], 0.01).pvalue).toBeGreaterThan(0.05);
  expect(shiftTest(baseline, [{ value: 1150 * 1.15, hour: 9 }], 0.01).pvalue).toBeLessThan(0.001);
  // Without enough runs at an hour, no offset is learnt for it.
  expect(shiftTest(baseline.filter(o => o.hour !== 9), [{ value: 1150, hour: 9 }], 0.01).pvalue).toBeLessThan(0.001);
});

test('outlier runs short of half of the runs since a candidate never confirm it', () => {
  // Two cold-instance runs within three: each +60 % on everything.
  const runs = [...stable(40), extract(40, { all: 1.6 }), extract(41), extract(42, { all: 1.6 }), ...stable(8, 43)];
  const kinds = replay(runs).verdicts.map(v => v.kind);
  expect(kinds.slice(40)).toContain('candidate');
  expect(kinds).not.toContain('detected');
});

test('confirmation waits about the correlation time of the baseline\'s runs: a slow spell of correlated runs is not a change', () => {
  expect(runsToConfirm(0, 2)).toBe(3);
  expect(runsToConfirm(0.5, 2)).toBe(3);
  expect(runsToConfirm(0.8, 2)).toBe(9);
  expect(runsToConfirm(0.9, 2)).toBe(19);
  // confirmRuns raises the least number (fewer alarms from pairs of outlier runs), never lowers the correlation's.
  expect(runsToConfirm(0.5, 2, 4)).toBe(4);
  expect(runsToConfirm(0.8, 2, 4)).toBe(9);
  // A baseline that drifts slowly (strong autocorrelation) asks for more runs than the test's window.
  const drifting = Array.from({ length: 100 }, (_, i) => ({ value: 1000 * Math.exp(0.05 * Math.sin(i / 6)), hour: 0 }));
  expect(baselineModel(drifting).phi).toBeGreaterThan(0.8);
});

test('a run on demand is judged as a scheduled run would be, changes nothing, never confirms and never joins a baseline', () => {
  const before = stable(40);
  const { state } = replay(before);
  const slow = { ...extract(40, { lcp: 1.3 }), onDemand: true };
  const judged = decide(before, slow, state);
  expect(judged.verdict.kind).toBe('candidate');
  expect(judged.state).toBe(state);
  // Scheduled runs after it, back to normal: the on-demand run is not among their recent runs nor their baseline.
  const later = [extract(41), extract(42)];
  const history = [...before, slow];
  let next = state;
  for (const run of later) {
    const result = decide(history, run, next);
    expect(result.verdict.kind).toBe('ok');
    history.push(run);
    next = result.state;
  }
  // A candidate from scheduled runs is not confirmed by a slow run on demand: it stays a candidate.
  const slowScheduled = [41, 42, 43].map(i => extract(i, { lcp: 1.3 }));
  const withCandidate = replay([...before, ...slowScheduled.slice(0, 1)]);
  expect(withCandidate.verdicts[40].kind).toBe('candidate');
  const onDemand = decide([...before, slowScheduled[0]], { ...slowScheduled[1], onDemand: true }, withCandidate.state);
  expect(onDemand.verdict.kind).toBe('candidate');
  expect(onDemand.state).toBe(withCandidate.state);
});

test('a run on demand fails a gate only when significantly slower: a candidate the schedule keeps waiting on at p ≤ 0.2 is ok for it', () => {
  // One slow scheduled run makes a candidate; the next one back to normal keeps it waiting (weakly).
  const runs = [...stable(40), extract(40, { lcp: 1.3 }), extract(41)];
  const { verdicts, state } = replay(runs);
  expect(verdicts.slice(40).map(v => v.kind)).toEqual(['candidate', 'candidate']);
  expect(decide(runs, extract(42), state).verdict).toMatchObject({ kind: 'candidate', weak: true });
  expect(decide(runs, { ...extract(42), onDemand: true }, state).verdict.kind).toBe('ok');
  // Significantly slower, on demand: a candidate (bench/regressions.ts "deploy gate" measures both rates).
  expect(decide(runs, { ...extract(42, { lcp: 1.3 }), onDemand: true }, state).verdict.kind).toBe('candidate');
});

describe('deploy markers are change points', () => {
  /** Feeds the runs through decide() with the site's markers, as the Lambda would. */
  function replayWith(runs: RunExtract[], markers: ChangePoint[], settings = DEFAULT_SETTINGS) {
    const verdicts: Verdict[] = [];
    let state = INITIAL_STATE;
    runs.forEach((latest, i) => {
      const result = decide(runs.slice(0, i), latest, state, settings, markers);
      verdicts.push(result.verdict);
      state = result.state;
    });
    return { verdicts, state };
  }
  // Between run 39 and run 40 (runs are hourly from START).
  const deploy = (id: string, hours: number, accept = false): ChangePoint =>
    ({ id, at: START + hours * HOUR, message: id, ...(accept ? { accept } : {}) });

  test('a change at a deploy: the first run after it is judged alone against the runs before it; detected from that run, baseline before the marker', () => {
    const runs = [...stable(40), ...Array.from({ length: 6 }, (_, i) => extract(40 + i, { lcp: 1.3 }))];
    const { verdicts, state } = replayWith(runs, [deploy('v2', 39.5)]);
    // The first slow run already fails a gate (without a marker its window holds a run from before the deploy).
    expect(verdicts[40]).toMatchObject({ kind: 'candidate', marker: { id: 'v2', message: 'v2' } });
    const detected = verdicts.find(v => v.kind === 'detected') as Extract<Verdict, { kind: 'detected' }>;
    expect(detected).toMatchObject({ since: runs[40].run, firstSlowRun: runs[40].run, marker: { id: 'v2' } });
    expect(detected.baselineRun).toBe(runs[39].run);
    expect(state.open?.since).toBe(runs[40].run);
    // Without the marker the change is found too, from a window that starts before it.
    const plain = replay(runs).verdicts.find(v => v.kind === 'detected') as Extract<Verdict, { kind: 'detected' }>;
    expect(plain.since).toBe(runs[39].run);
  });

  test('a deploy that changed nothing: ok, judged at the marker until nothing is suspect, then the runs since join the baseline', () => {
    const runs = stable(60);
    const { verdicts, state } = replayWith(runs, [deploy('v2', 39.5)]);
    expect(verdicts.slice(40).every(v => v.kind === 'ok')).toBe(true);
    const judgedAtMarker = verdicts.slice(40).findIndex(v => !v.marker);
    // At least recentRuns runs, at most the three correlation times a suspect change may wait for.
    expect(judgedAtMarker).toBeGreaterThanOrEqual(DEFAULT_SETTINGS.recentRuns);
    expect(judgedAtMarker).toBeLessThanOrEqual(3 * runsToConfirm(0.9, DEFAULT_SETTINGS.recentRuns));
    expect(verdicts.slice(40, 40 + judgedAtMarker).every(v => v.marker?.id === 'v2')).toBe(true);
    expect(verdicts.slice(40 + judgedAtMarker).some(v => v.marker)).toBe(false);
    expect(state.markersThrough).toBe(START + 39.5 * HOUR);
  });

  test('a small step right at a deploy fails the gate of the first run after it; without the marker that run is diluted by the one before', () => {
    // A run on demand right after `mark`: judged alone against the runs before the marker.
    const before = stable(40);
    const { state } = replayWith(before, []);
    const slow = { ...extract(40, { lcp: 1.07 }), onDemand: true };
    expect(decide(before, slow, state, DEFAULT_SETTINGS, [deploy('v2', 39.5)]).verdict).toMatchObject({ kind: 'candidate', marker: { id: 'v2' } });
    expect(decide(before, slow, state).verdict.kind).toBe('ok');
  });

  test('an accepting marker accepts the open regression at the next run: its level is the baseline, no detection after', () => {
    const runs = [...stable(40), ...Array.from({ length: 30 }, (_, i) => extract(40 + i, { lcp: 1.3 }))];
    const { verdicts } = replayWith(runs, [deploy('hero-image', 49.5, true)]);
    const kinds = verdicts.map(v => v.kind);
    expect(kinds.slice(40, 50)).toContain('detected');
    expect(verdicts[50]).toMatchObject({ kind: 'accepted', marker: { id: 'hero-image' } });
    expect(kinds.slice(51)).not.toContain('detected');
    expect(kinds[kinds.length - 1]).toBe('ok');
    // A plain deploy marker does not accept: the regression stays open.
    expect(replayWith(runs, [deploy('v3', 49.5)]).verdicts[50].kind).toBe('still regressed');
  });

  test('a marker with too few runs before it is passed while the baseline warms up; markers already judged are not judged again', () => {
    const runs = stable(40);
    const early = replayWith(runs, [deploy('v1', 4.5)]);
    expect(early.verdicts.slice(5).some(v => v.marker)).toBe(false);
    expect(early.state.markersThrough).toBe(START + 4.5 * HOUR);
    // Replays are deterministic with markers too.
    expect(replayWith(runs, [deploy('v1', 4.5)]).verdicts).toEqual(early.verdicts);
  });
});

describe('what else changed: page weight, requests and layout shift are reported by threshold, never tested', () => {
  const detectedIn = (verdicts: Verdict[]) => verdicts.find(v => v.kind === 'detected') as Extract<Verdict, { kind: 'detected' }>;

  test('a 500 kB image added with a slower LCP: the detection names LCP and reports the bytes and the request it added', () => {
    const runs = [...stable(40), ...Array.from({ length: 4 }, (_, i) => extract(40 + i, { lcp: 1.3, bytes: 500_000, requests: 1 }))];
    const detected = detectedIn(replay(runs).verdicts);
    expect(detected.findings.map(f => f.metric)).toEqual(['largestContentfulPaint']);
    expect(detected.alsoChanged.map(c => [c.url, c.metric])).toEqual([[URLS[0], 'transferSize'], [URLS[0], 'requests']]);
    const bytes = detected.alsoChanged[0];
    expect(bytes.recentMedian - bytes.baselineMedian).toBeGreaterThan(499_000);
    expect(bytes.baselineHigh).toBeGreaterThan(bytes.baselineMedian);
    // The candidate before it reports them too (a gate's `cdk-sitespeed run` shows them).
    const candidate = replay(runs).verdicts.find(v => v.kind === 'candidate') as Extract<Verdict, { kind: 'candidate' }>;
    expect(candidate.alsoChanged.map(c => c.metric)).toEqual(['transferSize', 'requests']);
  });

  test('a layout shift from zero is reported; page weight within what the baseline did, or 5 kB more, is not', () => {
    const runs = [...stable(40), ...Array.from({ length: 4 }, (_, i) => extract(40 + i, { lcp: 1.3, cls: 0.08, bytes: 5_000 }))];
    const detected = detectedIn(replay(runs).verdicts);
    expect(detected.alsoChanged.map(c => [c.metric, c.baselineMedian, c.recentMedian])).toEqual([['cumulativeLayoutShift', 0, 0.08]]);
  });

  test('more bytes alone (LCP unchanged) alert nothing: reported only beside a timing that moved', () => {
    const runs = [...stable(40), ...Array.from({ length: 6 }, (_, i) => extract(40 + i, { bytes: 500_000, requests: 3 }))];
    expect(replay(runs).verdicts.map(v => v.kind)).not.toContain('detected');
  });

  test('one heavy run among the runs since (less than half) is not a change in weight', () => {
    const runs = [...stable(40), ...[0, 1, 2, 3].map(i => extract(40 + i, { lcp: 1.3, bytes: i === 1 ? 500_000 : 0 }))];
    const detected = detectedIn(replay(runs).verdicts);
    expect(detected.findings.length).toBeGreaterThan(0);
    expect(detected.alsoChanged).toEqual([]);
  });
});

test('confirmRuns 4 confirms the same step one run later than the default 3', () => {
  const runs = [...stable(40), ...Array.from({ length: 6 }, (_, i) => extract(40 + i, { lcp: 1.3 }))];
  const at = (settings: typeof DEFAULT_SETTINGS) => replay(runs, settings).verdicts.findIndex(v => v.kind === 'detected');
  expect(at(DEFAULT_SETTINGS)).toBeGreaterThan(40);
  expect(at({ ...DEFAULT_SETTINGS, confirmRuns: 4 })).toBe(at(DEFAULT_SETTINGS) + 1);
});
