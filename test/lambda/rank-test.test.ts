import { execFileSync } from 'child_process';
import { exactCdf, exactSurvival, hodgesLehmann, holm, mannWhitneyU, MannWhitneyOptions, normalSurvival, rankData, uCounts } from '../../lambda-src/regression/rank-test';
import { testTool } from '../harness/tools';

/** A seeded generator (Park and Miller's minimal standard), so a failing sample can be run again. */
function random(seed: number): () => number {
  let state = seed % 2147483647 || 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

interface Case { x: number[]; y: number[]; alternative: 'greater' | 'less' | 'two-sided'; method: 'exact' | 'asymptotic' | 'auto'; useContinuity: boolean }

/** scipy.stats.mannwhitneyu on each case, run by the test tools' Python (scipy pinned in test/tools/requirements.txt). */
function scipy(cases: Case[]): { statistic: number; pvalue: number }[] {
  const script = `
import json, sys, warnings
from scipy.stats import mannwhitneyu
warnings.simplefilter('ignore')
out = []
for c in json.load(sys.stdin):
    r = mannwhitneyu(c['x'], c['y'], alternative=c['alternative'], method=c['method'], use_continuity=c['useContinuity'])
    out.append({'statistic': float(r.statistic), 'pvalue': float(r.pvalue)})
print(json.dumps(out))
`;
  return JSON.parse(execFileSync(testTool('python'), ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
}

describe('the Mann-Whitney U test gives scipy.stats.mannwhitneyu\'s statistic and p-value', () => {
  const next = random(20261206);
  const sample = (n: number, shift: number, rounded: boolean) => Array.from({ length: n }, () => {
    // Log-normal like page timings; rounded to 10 ms to make ties, as real medians have.
    const v = Math.exp(6.5 + 0.2 * Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next())) + shift;
    return rounded ? Math.round(v / 10) * 10 : v;
  });
  const cases: Case[] = [];
  for (let i = 0; i < 400; i++) {
    const n1 = 1 + Math.floor(next() * 12);
    const n2 = 1 + Math.floor(next() * 40);
    const shift = [0, 0, 50, 150, -100, 600, -400][i % 7];
    const rounded = i % 3 === 0;
    const alternative = (['greater', 'less', 'two-sided'] as const)[i % 3];
    // exact only without ties: scipy's exact distribution assumes none (it warns and goes on).
    const method = rounded ? (['asymptotic', 'auto'] as const)[i % 2] : (['exact', 'asymptotic', 'auto'] as const)[i % 3];
    cases.push({ x: sample(n1, shift, rounded), y: sample(n2, 0, rounded), alternative, method, useContinuity: i % 4 !== 0 });
  }
  // The corners: one value each, all tied, one sample far above the other.
  cases.push({ x: [5], y: [5], alternative: 'two-sided', method: 'asymptotic', useContinuity: true });
  cases.push({ x: [1, 1, 1], y: [1, 1, 1, 1], alternative: 'greater', method: 'auto', useContinuity: true });
  cases.push({ x: [100, 101, 102], y: Array.from({ length: 30 }, (_, k) => k), alternative: 'greater', method: 'exact', useContinuity: true });
  cases.push({ x: Array.from({ length: 30 }, (_, k) => k + 0.5), y: Array.from({ length: 30 }, (_, k) => k), alternative: 'greater', method: 'exact', useContinuity: true });

  test(`${cases.length} random and corner cases, each method, continuity on and off`, () => {
    const expected = scipy(cases.map(c => ({ ...c, x: c.x, y: c.y })));
    const differences = cases.flatMap((c, i) => {
      const ours = mannWhitneyU(c.x, c.y, c);
      const theirs = expected[i];
      // Relative 1e-9, or absolute 1e-15 near zero.
      const close = (a: number, b: number) => (Number.isNaN(b) ? Number.isNaN(a) : Math.abs(a - b) <= Math.max(1e-9 * Math.abs(b), 1e-15));
      return close(ours.statistic, theirs.statistic) && close(ours.pvalue, theirs.pvalue) ? [] : [{ case: i, c, ours, theirs }];
    });
    expect(differences).toEqual([]);
    // The cases do reach both methods and small p-values.
    expect(cases.filter(c => mannWhitneyU(c.x, c.y, c).method === 'exact').length).toBeGreaterThan(50);
    expect(expected.filter(e => e.pvalue < 1e-4).length).toBeGreaterThan(5);
  }, 60_000);
});

describe('its parts', () => {
  test('average ranks and tie groups', () => {
    expect(rankData([10, 20, 10, 30])).toEqual({ ranks: [1.5, 3, 1.5, 4], ties: [2, 1, 1] });
  });

  test('the exact null distribution counts every arrangement: C(m+n, m) in all, symmetric', () => {
    const counts = uCounts(3, 4);
    expect(counts.map(Number)).toEqual([1, 1, 2, 3, 4, 4, 5, 4, 4, 3, 2, 1, 1]);
    expect(uCounts(30, 30).reduce((s, c) => s + c, 0n)).toBe(118264581564861424n); // C(60, 30)
    expect(exactCdf(2, 3, 4) + exactSurvival(3, 3, 4)).toBeCloseTo(1, 12);
  });

  test('the normal tail to near double precision', () => {
    expect(normalSurvival(1.96)).toBeCloseTo(0.024997895148220435, 15);
    expect(normalSurvival(8) / 6.22096057427178e-16).toBeCloseTo(1, 9);
    expect(normalSurvival(-3)).toBeCloseTo(0.9986501019683699, 15);
  });

  test('the Hodges-Lehmann bound is the test inverted: with a true shift, it lies below it in at least 1 - alpha of samples', () => {
    const next = random(7);
    const draw = (n: number, shift: number) => Array.from({ length: n }, () => 800 + 100 * (next() + next() + next()) + shift);
    let covered = 0;
    const trials = 400;
    for (let t = 0; t < trials; t++) if (hodgesLehmann(draw(20, 0), draw(4, 60), 0.05).lowerBound <= 60) covered++;
    expect(covered / trials).toBeGreaterThanOrEqual(0.93);
    expect(covered / trials).toBeLessThan(1);
    // The estimate is the median of the differences; too few values for the level give no bound.
    expect(hodgesLehmann([1, 2, 3], [11, 12], 0.05)).toEqual({ shift: 9.5, lowerBound: -Infinity });
    expect(hodgesLehmann([1, 2, 3, 4, 5, 6, 7], [21, 22, 23], 0.05).lowerBound).toBeGreaterThan(10);
  });

  test('Holm\'s adjusted p-values: the smallest times m, then never below the one before', () => {
    expect(holm([0.01, 0.04, 0.03, 0.005])).toEqual([0.03, 0.06, 0.06, 0.02]);
    expect(holm([0.5, 0.9])).toEqual([1, 1]);
  });

  test('bad input is an error that says what is allowed', () => {
    expect(() => mannWhitneyU([], [1])).toThrow('mannWhitneyU: both samples need at least one value');
    expect(() => mannWhitneyU([NaN], [1])).toThrow('every value must be a finite number');
    expect(() => mannWhitneyU([1], [2], {} as MannWhitneyOptions)).not.toThrow();
  });
});
