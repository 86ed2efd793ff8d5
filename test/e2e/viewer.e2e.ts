import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { Browser, chromium, Page } from 'playwright-core';
import { summaryOf, withSiteSummaries } from '../../lambda-src/report-index/index-files';
import { MarkerFile } from '../../src/contract/deploy-markers';
import { Run, SiteIndex } from '../../src/contract/report-index';
import { MARKERS_KEY, regressionMarkersKey, siteIndexKey, SUMMARY_KEY, trendKey } from '../../src/contract/report-keys';
import { emptyTrend, TrendFile, withRun } from '../../src/contract/trends';

/**
 * The calendar viewer as built into assets/viewer, in headless Debian chromium, served from
 * 127.0.0.1 with a fixture index of 200 sites and one report.
 */
const ASSETS = path.join(__dirname, '..', '..', 'assets', 'viewer');
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');
const SITE_COUNT = 200;
const FAILING = ['site-013', 'site-077', 'site-150'];
/** A site with a year of hourly runs, for what opening it costs on the wire. */
const YEAR_SITE = 'site-197';
const HOUR = 3600_000;
const folderAt = (t: number) => new Date(t).toISOString().slice(0, 19).replace(/[T:]/g, '-');

/** A trend file as reportIndex writes it (withRun, run by run): LCP, FCP and TTFB of every run of two URLs. */
function trendOf(site: string, runs: string[], lcp: (i: number) => number): TrendFile {
  return runs.reduce((file, run, i) => withRun(file, {
    run,
    pages: ['/', '/cart'].map((p, u) => ({
      url: `https://${site}.example.com${p}`,
      medians: { largestContentfulPaint: lcp(i) + u * 150, firstContentfulPaint: 600 + (i * 37) % 80, ttfb: 120 + (i * 13) % 30 },
    })),
  }, null), emptyTrend(site));
}

const shopRuns: Run[] = [
  { run: '2026-11-03-08-15-02', status: 'ok', exitCode: 0 },
  { run: '2026-11-10-08-15-03', status: 'ok', exitCode: 0 },
  {
    run: '2026-11-10-10-15-04',
    status: 'failed',
    exitCode: 1,
    reason: 'Essential container in task exited',
    budget: [{ page: 'home', metric: 'Total Requests', value: '42', limit: '30', limitType: 'max' }],
  },
  // A run that never started (its task stopped waiting for capacity).
  { run: '2026-11-10-12-15-00', status: 'failed', reason: 'cdk-sitespeed: waited over 30 min in PROVISIONING (no capacity)', report: false, started: false, stopCode: 'UserInitiated' },
  { run: '2026-11-20-08-15-05', status: 'ok', exitCode: 0 },
  { run: '2026-11-21-08-15-05', status: 'failed', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage', report: false },
];

/** Deploy markers as DeployMarkers' function writes them: one between two of shop's runs, one on a day without runs, one of blog only. */
const markers: MarkerFile = {
  version: 1,
  markers: [
    { id: 'rel-1', at: '2026-11-10T09:30:00.000Z', message: 'shop v1.2.3', sites: ['shop', 'blog'], source: 'cdk-sitespeed mark', annotated: ['blog', 'shop'] },
    {
      id: 'event:abc',
      at: '2026-11-15T14:02:11.000Z',
      message: 'shop-release SUCCEEDED (execution e-1)',
      sites: ['shop'],
      source: 'aws.codepipeline CodePipeline Pipeline Execution State Change',
    },
    { id: 'rel-0', at: '2026-10-30T08:00:00.000Z', message: 'blog theme', sites: ['blog'], source: 'cdk-sitespeed mark' },
    // A regression the detector confirmed, as DeployMarkers marks it: at its first slower run (lambda-src/deploy-marker/regression-marker.ts).
    {
      id: 'regression:shop:2026-11-20-08-15-05',
      at: '2026-11-20T08:15:05.000Z',
      message: 'LCP +30 % (1500 → 1950 ms) /',
      sites: ['shop'],
      source: 'Sitespeed Regression Detected',
      kind: 'regression',
    },
  ],
};

/** 200 sites: shop, blog, and site-000… with a run a day for a week (three of them failing now). */
function fixtureIndex(): { summary: object; files: SiteIndex[] } {
  const files: SiteIndex[] = [
    { version: 2, site: 'shop', revision: 5, runs: shopRuns },
    { version: 2, site: 'blog', revision: 1, runs: [{ run: '2026-10-30-09-00-01', status: 'ok', exitCode: 0 }] },
  ];
  for (let i = 0; files.length < SITE_COUNT; i++) {
    const site = `site-${String(i).padStart(3, '0')}`;
    const runs: Run[] = Array.from({ length: 7 }, (_, d) => ({ run: `2026-11-${String(20 + d).padStart(2, '0')}-06-00-0${i % 10}`, status: 'ok', exitCode: 0 }));
    if (FAILING.includes(site)) runs[6] = { ...runs[6], status: 'failed', exitCode: 1, reason: 'Essential container in task exited' };
    if (site === YEAR_SITE) {
      const end = Date.parse('2026-11-26T23:00:00Z');
      files.push({ version: 2, site, revision: 8760, runs: Array.from({ length: 365 * 24 }, (_, h) => ({ run: folderAt(end - (365 * 24 - 1 - h) * HOUR), status: 'ok', exitCode: 0 })) });
      continue;
    }
    files.push({ version: 2, site, revision: 7, runs });
  }
  // Kept for ever: the fixture's dates are fixed, the clock is not.
  return { summary: withSiteSummaries(undefined, new Map(files.map(f => [f.site, summaryOf(f)])), null), files };
}

let server: http.Server;
let browser: Browser;
let base: string;
let root: string;
const requested: string[] = [];

beforeAll(async () => {
  if (!fs.existsSync(path.join(ASSETS, 'index.html'))) throw new Error('assets/viewer is not built: run npx projen bundle');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'viewer-'));
  fs.cpSync(ASSETS, root, { recursive: true });
  const { summary, files } = fixtureIndex();
  const write = (key: string, body: string) => {
    fs.mkdirSync(path.dirname(path.join(root, key)), { recursive: true });
    fs.writeFileSync(path.join(root, key), body);
  };
  write(SUMMARY_KEY, JSON.stringify(summary));
  write(MARKERS_KEY, JSON.stringify(markers));
  // The report index's own regression markers (lambda-src/regression/series.ts): shop's is DeployMarkers' too (one shown);
  // site-001's only here (no DeployMarkers marked it).
  write(regressionMarkersKey('shop'), JSON.stringify({ version: 1, markers: markers.markers.filter(m => m.kind === 'regression') }));
  write(regressionMarkersKey('site-001'), JSON.stringify({
    version: 1,
    markers: [{
      id: 'regression:site-001:2026-11-24-06-00-01',
      at: '2026-11-24T06:00:01.000Z',
      message: 'TTFB +40 % (250 → 350 ms) /',
      sites: ['site-001'],
      source: 'Sitespeed Regression Detected',
      kind: 'regression',
    }],
  }));
  for (const file of files) write(siteIndexKey(file.site), JSON.stringify(file));
  // Trend files: shop's runs (slower from 2026-11-20, where its regression marker is), and a year of hourly runs.
  const shopMeasured = shopRuns.filter(r => r.status === 'ok' || r.budget).map(r => r.run);
  write(trendKey('shop'), JSON.stringify(trendOf('shop', shopMeasured, i => (shopMeasured[i] >= '2026-11-20' ? 1950 : 1500) + (i * 53) % 90)));
  const yearRuns = files.find(f => f.site === YEAR_SITE)!.runs.map(r => r.run);
  write(trendKey(YEAR_SITE), JSON.stringify(trendOf(YEAR_SITE, yearRuns, i => 1400 + (i * 7919) % 300 + (i > 8000 ? 300 : 0))));
  write('shop/2026-11-10-08-15-03/index.html', '<title>Report shop 08:15:03</title><h1>report</h1>');
  write('shop/2026-11-20-08-15-05/index.html', '<title>Report shop 2026-11-20 08:15:05</title><h1>report</h1>');
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
  server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    requested.push(url.pathname);
    const file = path.join(root, decodeURIComponent(url.pathname));
    const target = file.endsWith('/') ? path.join(file, 'index.html') : file;
    if (!target.startsWith(root) || !fs.existsSync(target)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(target)] ?? 'application/octet-stream' });
    res.end(fs.readFileSync(target));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  // Playwright starts chromium with a new empty --user-data-dir of its own.
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const sites = (page: Page) => page.locator('#sites button .name').allTextContents();
const month = '.flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)';

test('200 sites: the list shows each site\'s latest status and time from the summary alone; failing first; a filter', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  requested.length = 0;
  await page.goto(`${base}/`);
  await page.waitForFunction(n => document.querySelectorAll('#sites button').length === n, SITE_COUNT);
  expect(await page.locator('#status').textContent()).toBe('200 sites, 4 failing');
  // The site list came from the summary; of the 200 sites' files, only the opened one's is fetched.
  await page.waitForSelector('.flatpickr-calendar');
  // The deploy markers and the site's trend come with the first opened site, not before the list.
  expect(requested.filter(p => p.includes('/index/')).sort()).toEqual(['/.cdk-sitespeed/index/markers.json', '/.cdk-sitespeed/index/regressions/blog.json',
    '/.cdk-sitespeed/index/sites/blog.json', '/.cdk-sitespeed/index/summary.json', '/.cdk-sitespeed/index/trends/blog.json']);
  expect((await sites(page)).slice(0, 3)).toEqual(['blog', 'shop', 'site-000']);
  expect(await page.locator('#sites button[data-site="shop"] .last').textContent()).toBe('failing · 2026-11-21 08:15');
  expect(await page.locator('#sites button[data-site="site-000"] .last').textContent()).toBe('ok · 2026-11-26 06:00');

  await page.check('#failing-first');
  expect((await sites(page)).slice(0, 5)).toEqual(['shop', ...FAILING, 'blog']);
  expect(await page.locator('#sites button.failed').count()).toBe(4);

  await page.fill('#filter', '07');
  expect(await sites(page)).toEqual(['site-077', 'site-007', 'site-070', 'site-071', 'site-072', 'site-073', 'site-074', 'site-075', 'site-076', 'site-078', 'site-079', 'site-107']);
  expect(await page.locator('#shown').textContent()).toBe('12 of 200 shown');
  await page.close();
});

test('a site\'s trend: LCP, FCP and TTFB of its runs per URL, deploys and regressions as lines; a point opens its run\'s report', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(`${base}/#site=shop`);
  await page.waitForSelector('#trend canvas');
  expect(await page.locator('#trend-box').isVisible()).toBe(true);
  expect(await page.locator('#trend .u-legend th, #trend .u-series .u-label').allTextContents()).toEqual(expect.arrayContaining(['LCP (ms)', 'FCP (ms)', 'TTFB (ms)']));
  expect(await page.locator('#trend-url option').allTextContents()).toEqual(['https://shop.example.com/', 'https://shop.example.com/cart']);
  await page.locator('#trend-box').screenshot({ path: path.join(ARTIFACTS, 'viewer-trend.png') });
  // The right edge of the plot is the newest run with a report (2026-11-21's run left none).
  const over = (await page.locator('#trend .u-over').boundingBox())!;
  await page.mouse.move(over.x + over.width - 2, over.y + over.height / 2);
  await page.mouse.click(over.x + over.width - 2, over.y + over.height / 2);
  await page.waitForURL(`${base}/shop/2026-11-20-08-15-05/index.html`);
  expect(await page.title()).toBe('Report shop 2026-11-20 08:15:05');
  // A site without a trend file yet: no chart.
  await page.goto(`${base}/#site=blog`);
  await page.waitForFunction(() => document.getElementById('site-name')?.textContent === 'blog');
  await page.waitForSelector('.flatpickr-calendar');
  expect(await page.locator('#trend-box').isVisible()).toBe(false);
  await page.close();
});

test('on the wire, gzipped as CloudFront sends it: the first view under 100 kB, opening a site with a year of hourly runs under 150 kB', async () => {
  const gzipped = (paths: string[]) => paths.map(p => {
    const file = path.join(root, decodeURIComponent(p.endsWith('/') ? `${p}index.html` : p));
    return fs.existsSync(file) ? gzipSync(fs.readFileSync(file), { level: 6 }).length : 0;
  }).reduce((a, b) => a + b, 0);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  requested.length = 0;
  await page.goto(`${base}/`);
  await page.waitForFunction(n => document.querySelectorAll('#sites button').length === n, SITE_COUNT);
  await page.waitForSelector('.flatpickr-calendar');
  // The first view opens the first site too: what the list alone costs is before the calendar's files.
  const firstView = requested.filter(p => !p.startsWith('/.viewer/') && !p.includes('/sites/') && !p.includes('/trends/') && !p.includes('markers')
    && !p.includes('/regressions/'));
  requested.length = 0;
  await page.click(`#sites button[data-site="${YEAR_SITE}"]`);
  await page.waitForSelector('#trend canvas');
  await page.waitForFunction(site => document.getElementById('site-name')?.textContent === site, YEAR_SITE);
  const opening = [...requested, '/.viewer/calendar.js', '/.viewer/calendar.css'];
  const figures = { firstViewBytes: gzipped(firstView), firstViewFiles: firstView, openYearSiteBytes: gzipped(opening), openYearSiteFiles: opening };
  fs.writeFileSync(path.join(ARTIFACTS, 'viewer-bytes.json'), `${JSON.stringify(figures, null, 2)}\n`);
  expect(figures.firstViewBytes).toBeLessThan(100_000);
  expect(figures.openYearSiteBytes).toBeLessThan(150_000);
  expect(await page.locator('#trend-url option').count()).toBe(2);
  await page.close();
});

test('the calendar stays in view however long the list: the list scrolls on its own', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${base}/`);
  await page.waitForSelector('.flatpickr-calendar');
  const list = await page.locator('#sites').evaluate(e => ({ scroll: e.scrollHeight, client: e.clientHeight }));
  expect(list.scroll).toBeGreaterThan(list.client * 3);
  await page.locator('#sites button[data-site="site-190"]').click();
  await page.waitForFunction(() => document.getElementById('site-name')?.textContent === 'site-190');
  const calendar = await page.locator('.flatpickr-calendar').boundingBox();
  expect(calendar!.y).toBeGreaterThanOrEqual(0);
  expect(calendar!.y + calendar!.height).toBeLessThanOrEqual(800);
  expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThanOrEqual(820);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'viewer-200-sites.png') });
  await page.close();
});

test('a site: failed days marked, a day\'s runs with why they failed (budget checks, reason), the report link; the URL holds site and day', async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  await page.goto(`${base}/`);
  await page.waitForSelector('#sites button');
  await page.click('#sites button[data-site="shop"]');
  await page.waitForFunction(() => document.getElementById('day-title')?.textContent === '2026-11-21 (UTC)');
  expect(page.url()).toBe(`${base}/#site=shop&day=2026-11-21`);
  expect(await page.locator('#site-meta').textContent()).toBe('6 runs since 2026-11-03 (UTC)');
  expect(await page.locator('#runs li').allTextContents()).toEqual(['08:15:05 UTCfailed (exit 137), OutOfMemoryError: Container killed due to memory usage, no report']);
  expect(await page.locator(`${month}.has-runs`).evaluateAll(days => days.map(d => d.getAttribute('aria-label')))).toEqual(['November 3, 2026', 'November 20, 2026']);
  // Deploy markers: a diamond on their days (a day with no runs too); blog's own marker is not shop's.
  expect(await page.locator(`${month}.has-deploy`).evaluateAll(days => days.map(d => `${d.getAttribute('aria-label')}: ${d.getAttribute('title')}`)))
    .toEqual(['November 10, 2026: 3 runs\ndeploy: shop v1.2.3', 'November 15, 2026: deploy: shop-release SUCCEEDED (execution e-1)',
      'November 20, 2026: 1 run\nslower: LCP +30 % (1500 → 1950 ms) /']);
  // A regression's day: a red triangle instead of the diamond.
  expect(await page.locator(`${month}.has-regression`).evaluateAll(days => days.map(d => d.getAttribute('aria-label')))).toEqual(['November 20, 2026']);
  expect(await page.locator(`${month}.has-regression`).first().evaluate(d => getComputedStyle(d, '::after').content)).toBe('"▲"');
  expect(await page.locator(`${month}.has-deploy`).first().evaluate(d => getComputedStyle(d, '::after').content)).toBe('"◆"');
  expect(await page.locator(`${month}.has-failed`).evaluateAll(days => days.map(d => d.getAttribute('aria-label')))).toEqual(['November 10, 2026', 'November 21, 2026']);
  const background = (selector: string) => page.locator(selector).first().evaluate(d => getComputedStyle(d).backgroundColor);
  expect(await background(`${month}.has-failed:not(.selected)`)).not.toBe(await background(`${month}.has-runs:not(.selected)`));

  await page.click(`${month}[aria-label="November 10, 2026"]`);
  await page.waitForFunction(() => document.getElementById('day-title')?.textContent === '2026-11-10 (UTC)');
  expect(page.url()).toBe(`${base}/#site=shop&day=2026-11-10`);
  const runs = page.locator('#runs > li');
  expect(await runs.nth(0).textContent()).toBe('08:15:03 UTCok');
  // The deploy between the runs, in time order: the runs after it measured the new release.
  expect(await runs.nth(1).textContent()).toBe('◆ 09:30:00 UTC deploy: shop v1.2.3cdk-sitespeed mark');
  expect(await runs.nth(1).getAttribute('class')).toBe('marker deploy');
  expect(await runs.nth(2).locator('.status').textContent()).toBe('failed (exit 1), budget: 1 check failing');
  expect(await runs.nth(2).locator('.reason').textContent()).toBe('Essential container in task exited');
  expect(await runs.nth(2).locator('.budget li').allTextContents()).toEqual(['home: Total Requests is 42, at most 30 allowed']);
  expect(await runs.nth(2).getAttribute('class')).toBe('failed');
  expect(await runs.nth(3).textContent()).toBe('12:15:00 UTCnever started, UserInitiated, cdk-sitespeed: waited over 30 min in PROVISIONING (no capacity)');
  expect(await runs.nth(3).locator('a').count()).toBe(0);
  await page.screenshot({ path: path.join(ARTIFACTS, 'viewer.png'), fullPage: true });

  // A day with a deploy and no runs opens too, and says so.
  await page.click(`${month}[aria-label="November 15, 2026"]`);
  await page.waitForFunction(() => document.getElementById('day-title')?.textContent === '2026-11-15 (UTC)');
  expect(await page.locator('#runs > li').allTextContents()).toEqual(['◆ 14:02:11 UTC deploy: shop-release SUCCEEDED (execution e-1)aws.codepipeline CodePipeline Pipeline Execution State Change']);
  await page.screenshot({ path: path.join(ARTIFACTS, 'viewer-deploy-markers.png'), fullPage: true });
  // The regression right after the first slower run, which has a badge; what moved in its line.
  await page.click(`${month}[aria-label="November 20, 2026"]`);
  await page.waitForFunction(() => document.getElementById('day-title')?.textContent === '2026-11-20 (UTC)');
  expect(await page.locator('#runs > li').allTextContents()).toEqual(['08:15:05 UTCok▲ slower', '▲ 08:15:05 UTC slower: LCP +30 % (1500 → 1950 ms) /Sitespeed Regression Detected']);
  expect(await page.locator('#runs > li .badge').count()).toBe(1);
  expect(await page.locator('#runs > li').nth(1).getAttribute('class')).toBe('marker regression');
  await page.screenshot({ path: path.join(ARTIFACTS, 'viewer-regression.png'), fullPage: true });
  await page.click(`${month}[aria-label="November 10, 2026"]`);
  await page.waitForFunction(() => document.getElementById('day-title')?.textContent === '2026-11-10 (UTC)');

  // A regression only the report index recorded (no DeployMarkers): on the calendar all the same.
  await page.click('#sites button[data-site="site-001"]');
  await page.waitForFunction(() => document.getElementById('site-name')?.textContent === 'site-001');
  await page.waitForSelector(`${month}.has-regression[aria-label="November 24, 2026"]`);
  expect(await page.locator(`${month}.has-regression`).evaluateAll(days => days.map(d => `${d.getAttribute('aria-label')}: ${d.getAttribute('title')}`)))
    .toEqual(['November 24, 2026: 1 run\nslower: TTFB +40 % (250 → 350 ms) /']);
  await page.click('#sites button[data-site="shop"]');
  await page.waitForFunction(() => document.getElementById('site-name')?.textContent === 'shop');
  await page.click(`${month}[aria-label="November 10, 2026"]`);
  await page.waitForFunction(() => document.getElementById('day-title')?.textContent === '2026-11-10 (UTC)');

  await runs.nth(0).locator('a').click();
  await page.waitForURL(`${base}/shop/2026-11-10-08-15-03/index.html`);
  expect(await page.title()).toBe('Report shop 08:15:03');
  await page.close();
});

test('a shared link opens its site and day; the old #<site> links still open the site', async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/#site=shop&day=2026-11-03`);
  await page.waitForFunction(() => document.getElementById('day-title')?.textContent === '2026-11-03 (UTC)');
  expect(await page.locator('#site-name').textContent()).toBe('shop');
  expect(await page.locator('#sites button[aria-current="true"] .name').textContent()).toBe('shop');
  await page.goto(`${base}/#blog`);
  await page.reload();
  await page.waitForFunction(() => document.getElementById('day-title')?.textContent === '2026-10-30 (UTC)');
  expect(page.url()).toBe(`${base}/#site=blog&day=2026-10-30`);
  await page.close();
});

test('keyboard: / focuses the filter, Tab and Enter open a site, the day buttons walk the days with runs or deploys', async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/`);
  await page.waitForSelector('.flatpickr-calendar');
  await page.keyboard.press('/');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('filter');
  await page.keyboard.type('shop');
  await page.keyboard.press('Tab'); // the failing-first box
  await page.keyboard.press('Tab'); // the first site shown
  expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.site)).toBe('shop');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('day-title')?.textContent === '2026-11-21 (UTC)');
  expect(await page.locator('#later').isDisabled()).toBe(true);
  await page.focus('#earlier');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('day-title')?.textContent === '2026-11-20 (UTC)');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('day-title')?.textContent === '2026-11-15 (UTC)');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('day-title')?.textContent === '2026-11-10 (UTC)');
  expect(await page.locator('.flatpickr-day.selected').getAttribute('aria-label')).toBe('November 10, 2026');
  await page.close();
});

test('on a phone: one column, the site list above the calendar, nothing wider than the screen', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await page.goto(`${base}/#site=shop&day=2026-11-10`);
  await page.waitForFunction(() => document.getElementById('day-title')?.textContent === '2026-11-10 (UTC)');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const nav = (await page.locator('nav').boundingBox())!;
  const calendar = (await page.locator('.flatpickr-calendar').boundingBox())!;
  expect(calendar.y).toBeGreaterThanOrEqual(nav.y + nav.height);
  expect(nav.height).toBeLessThanOrEqual(844 * 0.5);
  await page.screenshot({ path: path.join(ARTIFACTS, 'viewer-phone.png'), fullPage: true });
  await page.close();
});

test('says so when there is no index yet', async () => {
  const page = await browser.newPage();
  await page.route(`**/${SUMMARY_KEY}`, route => route.fulfill({ status: 404, body: '' }));
  await page.goto(`${base}/`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('No runs yet'));
  expect(await page.locator('#status').textContent()).toContain(`no ${SUMMARY_KEY}`);
  await page.close();
});

test('runs and deploy markers older than the retention are not shown, even from a site that stopped running', async () => {
  const page = await browser.newPage();
  const { summary } = fixtureIndex();
  await page.route(`**/${SUMMARY_KEY}`, route => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ...summary, retentionDays: 30 }) }));
  const today = new Date();
  const recent = new Date(today.getTime() - 2 * 86_400_000).toISOString().slice(0, 19).replace(/[T:]/g, '-');
  await page.route('**/sites/blog.json', route => route.fulfill({
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify({ version: 2, site: 'blog', revision: 2, runs: [{ run: '2025-01-01-09-00-00', status: 'ok' }, { run: recent, status: 'ok' }] }),
  }));
  // A deploy marker as old as the dropped run: not shown either.
  await page.route(`**/${MARKERS_KEY}`, route => route.fulfill({
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify({ version: 1, markers: [{ id: 'old', at: '2025-01-01T10:00:00.000Z', message: 'old', sites: ['blog'], source: 'cdk-sitespeed mark' }] }),
  }));
  await page.goto(`${base}/#site=blog`);
  await page.waitForFunction(d => document.getElementById('day-title')?.textContent === `${d} (UTC)`, recent.slice(0, 10));
  expect(await page.locator('#status').textContent()).toBe('200 sites, 4 failing; reports are kept 30 days');
  expect(await page.locator('#earlier').isDisabled()).toBe(true);
  await page.close();
});
