import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Browser, chromium } from 'playwright-core';

/**
 * The calendar viewer as built into assets/viewer, in headless Debian chromium, served from
 * 127.0.0.1 with a fixture tree.json and one report.
 */
const ASSETS = path.join(__dirname, '..', '..', 'assets', 'viewer');
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');
const tree = {
  version: 1,
  sites: {
    blog: [{ run: '2026-10-30-09-00-01', status: 'ok', exitCode: 0 }],
    shop: [
      { run: '2026-11-03-08-15-02', status: 'ok', exitCode: 0 },
      { run: '2026-11-10-08-15-03', status: 'ok', exitCode: 0 },
      { run: '2026-11-10-10-15-04', status: 'failed', exitCode: 1, reason: 'budget' },
      { run: '2026-11-20-08-15-05', status: 'ok', exitCode: 0 },
    ],
  },
};

let server: http.Server;
let browser: Browser;
let base: string;

beforeAll(async () => {
  if (!fs.existsSync(path.join(ASSETS, 'index.html'))) throw new Error('assets/viewer is not built: run npx projen bundle');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'viewer-'));
  fs.cpSync(ASSETS, root, { recursive: true });
  fs.writeFileSync(path.join(root, 'tree.json'), JSON.stringify(tree));
  fs.mkdirSync(path.join(root, 'shop', '2026-11-10-08-15-03'), { recursive: true });
  fs.writeFileSync(path.join(root, 'shop', '2026-11-10-08-15-03', 'index.html'), '<title>Report shop 08:15:03</title><h1>report</h1>');
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
  server = http.createServer((req, res) => {
    const file = path.join(root, decodeURIComponent(new URL(req.url!, 'http://x').pathname));
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
});

test('lists the sites, marks the days with runs and failed days, lists a day\'s runs and links to the report', async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  await page.goto(`${base}/`);
  await page.waitForSelector('#sites button');
  expect(await page.locator('#sites button').allTextContents()).toEqual(['blog', 'shop']);

  await page.click('#sites button:has-text("shop")');
  await page.waitForSelector('.flatpickr-day.has-runs');
  const month = '.flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)';
  expect(await page.locator(`${month}.has-runs`).evaluateAll(days => days.map(d => d.getAttribute('aria-label'))))
    .toEqual(['November 3, 2026', 'November 20, 2026']);
  expect(await page.locator(`${month}.has-failed`).evaluateAll(days => days.map(d => d.getAttribute('aria-label'))))
    .toEqual(['November 10, 2026']);
  // Visibly different: the failed day's background is not the one of a day with good runs.
  const background = (selector: string) => page.locator(selector).first().evaluate(d => getComputedStyle(d).backgroundColor);
  expect(await background(`${month}.has-failed`)).not.toBe(await background(`${month}.has-runs:not(.selected)`));

  await page.click(`${month}[aria-label="November 10, 2026"]`);
  await page.waitForFunction(() => document.getElementById('day-title')?.textContent === '2026-11-10 (UTC)');
  const runs = page.locator('#runs li');
  expect(await runs.allTextContents()).toEqual(['08:15:03 UTCok', '10:15:04 UTCfailed (exit 1): budget']);
  expect(await runs.nth(1).getAttribute('class')).toBe('failed');

  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'viewer.png'), fullPage: true });

  await runs.nth(0).locator('a').click();
  await page.waitForURL(`${base}/shop/2026-11-10-08-15-03/index.html`);
  expect(await page.title()).toBe('Report shop 08:15:03');
  await page.close();
});

test('says so when there is no tree yet', async () => {
  const page = await browser.newPage();
  await page.route('**/tree.json', route => route.fulfill({ status: 404, body: '' }));
  await page.goto(`${base}/`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('No runs yet'));
  expect(await page.locator('#status').textContent()).toContain('HTTP 404');
  await page.close();
});
