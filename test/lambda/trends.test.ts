import { gzipSync } from 'zlib';
import { emptyTrend, parseTrendFile, RECENT_DAYS, TrendFile, withRun } from '../../src/contract/trends';

const HOUR = 3600_000;
const START = Date.parse('2026-01-01T00:00:00Z');
const folder = (t: number) => new Date(t).toISOString().slice(0, 19).replace(/[T:]/g, '-');
const run = (t: number, lcp = 1000, urls = ['https://shop.example.com/', 'https://shop.example.com/cart']) => ({
  run: folder(t),
  pages: urls.map((url, i) => ({ url, medians: { largestContentfulPaint: lcp + i * 100, firstContentfulPaint: 500, ttfb: 100 } })),
});

test('each run adds a row per URL; the same run again changes nothing; a late run lands in time order', () => {
  let file = withRun(emptyTrend('shop'), run(START + 2 * HOUR), 90);
  file = withRun(file, run(START + 2 * HOUR), 90);
  expect(file.runs).toEqual([['2026-01-01-02-00-00', 0, 1000, 500, 100, 1], ['2026-01-01-02-00-00', 1, 1100, 500, 100, 1]]);
  file = withRun(file, run(START, 900), 90);
  expect(file.runs.map(r => [r[0], r[1], r[2]])).toEqual([
    ['2026-01-01-00-00-00', 0, 900], ['2026-01-01-00-00-00', 1, 1000], ['2026-01-01-02-00-00', 0, 1000], ['2026-01-01-02-00-00', 1, 1100],
  ]);
  expect(file.urls).toEqual(['https://shop.example.com/', 'https://shop.example.com/cart']);
});

test(`runs of whole days older than ${RECENT_DAYS} days before the newest become one row per day and URL: the median and the count`, () => {
  let file: TrendFile = emptyTrend('shop');
  // Day 1: 24 hourly runs, LCP 1000…1023; then a run 40 days later.
  for (let h = 0; h < 24; h++) file = withRun(file, run(START + h * HOUR, 1000 + h, ['https://shop.example.com/']), null);
  file = withRun(file, run(START + 40 * 24 * HOUR, 2000, ['https://shop.example.com/']), null);
  expect(file.days).toEqual([['2026-01-01', 0, 1012, 500, 100, 24]]);
  expect(file.runs.map(r => r[0])).toEqual(['2026-02-10-00-00-00']);
  // A late run of that day joins its median.
  file = withRun(file, run(START + 30 * 60_000, 5000, ['https://shop.example.com/']), null);
  expect(file.days).toEqual([['2026-01-01', 0, 1012, 500, 100, 25]]);
});

test('days older than the retention are dropped; null keeps them for ever', () => {
  let kept = emptyTrend('shop');
  let expiring = emptyTrend('shop');
  for (const t of [START, START + 100 * 24 * HOUR]) {
    kept = withRun(kept, run(t), null);
    expiring = withRun(expiring, run(t), 90);
  }
  expect(kept.days.map(d => d[0])).toEqual(['2026-01-01', '2026-01-01']);
  expect(expiring.days).toEqual([]);
});

test('a year of hourly runs of two URLs: about 2,900 rows, under 30 kB gzipped (what the viewer downloads when a site opens)', () => {
  let file = emptyTrend('shop');
  for (let h = 0; h < 365 * 24; h++) file = withRun(file, run(START + h * HOUR, 1000 + (h * 7919) % 300), 400);
  const text = JSON.stringify(file);
  const gzipped = gzipSync(text).length;
  expect(file.runs.length).toBeLessThanOrEqual((RECENT_DAYS + 1) * 24 * 2);
  expect(file.days.length).toBeGreaterThan(330 * 2);
  expect(gzipped).toBeLessThan(30_000);
  expect(parseTrendFile(text, 'shop')).toEqual(file);
});

test('a file that is not a trend file, or another site\'s, is refused', () => {
  expect(parseTrendFile('{', 'shop')).toBeUndefined();
  expect(parseTrendFile(JSON.stringify({ ...emptyTrend('blog') }), 'shop')).toBeUndefined();
  expect(parseTrendFile(JSON.stringify({ ...emptyTrend('shop'), runs: [['x', 0, 'slow', null, null, 1]] }), 'shop')).toBeUndefined();
});
