/**
 * The statistics regression detection decides with: the Mann-Whitney U test (one-sided), the
 * Hodges-Lehmann shift with its one-sided confidence bound, and Holm's correction across many
 * tests. Small and dependency-free on purpose: the npm packages that offer a rank-sum test either
 * give no p-value (simple-statistics' wilcoxonRankSum returns the statistic), are unmaintained
 * single-purpose ports, or pull a whole numerics library into a Lambda bundle; none gives the
 * Hodges-Lehmann bound. So this file mirrors scipy.stats.mannwhitneyu (scipy 1.17,
 * scipy/stats/_mannwhitneyu.py) step for step, and test/lambda/rank-test.test.ts checks every
 * p-value against scipy itself on random samples, for each method and continuity setting.
 */

export type Alternative = 'greater' | 'less' | 'two-sided';
export type Method = 'exact' | 'asymptotic' | 'auto';

export interface MannWhitneyOptions {
  /** 'greater': x tends to be larger than y (scipy's convention). @default 'two-sided' */
  readonly alternative?: Alternative;
  /** @default 'auto' (exact when a sample has at most 8 values and there are no ties, as scipy chooses) */
  readonly method?: Method;
  /** The continuity correction of the normal approximation. @default true */
  readonly useContinuity?: boolean;
}

export interface MannWhitneyResult {
  /** U of x: the number of pairs (x_i, y_j) with x_i > y_j, ties counting one half. */
  readonly statistic: number;
  readonly pvalue: number;
  readonly method: 'exact' | 'asymptotic';
}

/** Average ranks (1-based) of values, and the sizes of the groups of tied values. */
export function rankData(values: number[]): { ranks: number[]; ties: number[] } {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  const ties: number[] = [];
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1][0] === order[start][0]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k][1]] = rank;
    ties.push(end - start + 1);
    start = end + 1;
  }
  return { ranks, ties };
}

/**
 * The null distribution of U for samples of m and n distinct values: the number of arrangements
 * giving each U = 0 … m·n, the coefficients of the Gaussian binomial [m+n choose m]_q, exact in
 * BigInt (the counts pass 2^53 from about 30 + 30 values).
 */
const distributions = new Map<string, bigint[]>();
export function uCounts(m: number, n: number): bigint[] {
  const key = `${Math.min(m, n)},${Math.max(m, n)}`;
  const known = distributions.get(key);
  if (known) return known;
  const [a, b] = [Math.min(m, n), Math.max(m, n)];
  // Product over i = 1..a of (1 - q^(b+i)) / (1 - q^i), each division exact.
  let poly: bigint[] = [1n];
  for (let i = 1; i <= a; i++) {
    const times = new Array<bigint>(poly.length + b + i).fill(0n);
    poly.forEach((c, k) => { times[k] += c; times[k + b + i] -= c; });
    for (let k = i; k < times.length; k++) times[k] += times[k - i];
    poly = times.slice(0, a * b + 1);
  }
  distributions.set(key, poly);
  return poly;
}

/** P(U ≤ u) for u = 0 … m·n, samples of m and n distinct values; kept per (m, n): the decision asks for the same sizes run after run. */
const cdfTables = new Map<string, number[]>();
function cdfTable(m: number, n: number): number[] {
  const key = `${Math.min(m, n)},${Math.max(m, n)}`;
  const known = cdfTables.get(key);
  if (known) return known;
  const counts = uCounts(m, n);
  const total = counts.reduce((s, c) => s + c, 0n);
  let below = 0n;
  const table = counts.map(c => {
    below += c;
    return Number((below * 10n ** 18n) / total) / 1e18;
  });
  cdfTables.set(key, table);
  return table;
}

/** P(U ≤ u) for samples of m and n distinct values. */
export function exactCdf(u: number, m: number, n: number): number {
  if (u < 0) return 0;
  const table = cdfTable(m, n);
  return table[Math.min(Math.floor(u), table.length - 1)];
}

/** P(U ≥ u) for samples of m and n distinct values (the distribution is symmetric: P(U ≥ u) = P(U ≤ m·n − u)). */
export function exactSurvival(u: number, m: number, n: number): number {
  return exactCdf(m * n - Math.ceil(u), m, n);
}

/** The standard normal survival function, 1 - Φ(z), to near double precision in the tail too (p-values of 1e-10 stay exact). */
export function normalSurvival(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** erfc: the Maclaurin series of erf below 2 (no cancellation worth naming there), the continued fraction of erfc above. */
function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 100 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated from the tail.
  let fraction = x;
  for (let k = 120; k >= 1; k--) fraction = x + (k / 2) / fraction;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * fraction);
}

/** scipy.stats.mannwhitneyu(x, y, alternative, method, use_continuity). */
export function mannWhitneyU(x: number[], y: number[], options: MannWhitneyOptions = {}): MannWhitneyResult {
  const alternative = options.alternative ?? 'two-sided';
  const useContinuity = options.useContinuity ?? true;
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new Error('mannWhitneyU: both samples need at least one value');
  if ([...x, ...y].some(v => !Number.isFinite(v))) throw new Error('mannWhitneyU: every value must be a finite number');
  const { ranks, ties } = rankData([...x, ...y]);
  const r1 = ranks.slice(0, n1).reduce((s, r) => s + r, 0);
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const [u, factor] = alternative === 'greater' ? [u1, 1] : alternative === 'less' ? [u2, 1] : [Math.max(u1, u2), 2];
  const hasTies = ties.some(t => t > 1);
  const method = options.method === undefined || options.method === 'auto'
    ? (n1 > 8 && n2 > 8) || hasTies ? 'asymptotic' : 'exact'
    : options.method;
  let p: number;
  if (method === 'exact') {
    // scipy: _mwu_state.sf(U.astype(int), …), i.e. P(U' ≥ trunc(U))
    p = exactSurvival(Math.trunc(u), n1, n2);
  } else {
    const n = n1 + n2;
    const tieTerm = ties.reduce((s, t) => s + t ** 3 - t, 0);
    const sd = Math.sqrt((n1 * n2) / 12 * ((n + 1) - tieTerm / (n * (n - 1))));
    const numerator = u - (n1 * n2) / 2 - (useContinuity ? 0.5 : 0);
    p = normalSurvival(numerator / sd);
  }
  return { statistic: u1, pvalue: Math.min(1, Math.max(0, p * factor)), method };
}

/**
 * The Hodges-Lehmann estimate of the shift from `before` to `after` (the median of every
 * difference after_i - before_j) and its one-sided lower confidence bound at level 1 - alpha:
 * the k-th smallest difference, k the largest with P(U ≤ k - 1) ≤ alpha under the null (the test
 * inverted; Hollander & Wolfe, Nonparametric Statistical Methods, ch. 4). -Infinity when no
 * bound reaches that level with so few values.
 */
export function hodgesLehmann(before: number[], after: number[], alpha: number): { shift: number; lowerBound: number } {
  const differences = after.flatMap(a => before.map(b => a - b)).sort((p, q) => p - q);
  const middle = Math.floor(differences.length / 2);
  const shift = differences.length % 2 === 1 ? differences[middle] : (differences[middle - 1] + differences[middle]) / 2;
  let k = 0;
  while (k < differences.length && exactCdf(k, after.length, before.length) <= alpha) k++;
  // k is now the first with P(U ≤ k) > alpha: the bound is the k-th smallest (1-based).
  return { shift, lowerBound: k === 0 ? -Infinity : differences[k - 1] };
}

/** Holm's step-down adjusted p-values (same order as given): reject where adjusted ≤ alpha. */
export function holm(pvalues: number[]): number[] {
  const order = pvalues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const adjusted = new Array<number>(pvalues.length);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (pvalues.length - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
