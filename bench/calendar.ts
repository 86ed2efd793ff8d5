/**
 * The calendar viewer at scale (200 sites × 6 runs a day × a year, bench/calendar-fixture.ts),
 * today's single-tree.json viewer (bench/baseline/viewer-v1, bundled here as it was shipped)
 * against the per-site index, side by side in the same run: bytes transferred before the site
 * list shows, time until it shows in headless Chromium, and bytes to open one site. Served from
 * 127.0.0.1 compressed as CloudFront would: gzip for 1,000 B to 10,000,000 B, nothing above
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { Browser, chromium } from 'playwright-core';
import { allFailingSummaries, calendarFixture, DAYS, RUNS_PER_DAY, SITES, siteName } from './calendar-fixture';
import { MAX_MARKERS } from '../src/contract/deploy-markers';
import { median } from '../src/contract/median';
import { siteIndexKey, SUMMARY_KEY } from '../src/contract/report-keys';

const ROOT = path.join(__dirname, '..');
const REPEATS = Number(process.env.BENCH_VIEWER_REPEATS ?? 5);
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
const MB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

function write(file: string, body: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, body);
}

/** Both viewers with their index, under <root>/v1 and <root>/v2. */
function buildSite(): { root: string; sizes: Record<string, number> } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-calendar-'));
  const fixture = calendarFixture();
  const esbuild = path.join(ROOT, 'node_modules', '.bin', 'esbuild');
  const baseline = path.join(ROOT, 'bench', 'baseline', 'viewer-v1');
  fs.mkdirSync(path.join(root, 'v1', '.viewer'), { recursive: true });
  fs.copyFileSync(path.join(baseline, 'index.html'), path.join(root, 'v1', 'index.html'));
  execFileSync(esbuild, [path.join(baseline, 'viewer.ts'), '--bundle', '--minify', '--format=iife', '--target=es2019',
    `--outfile=${path.join(root, 'v1', '.viewer', 'viewer.js')}`, '--log-level=warning'], { cwd: ROOT });
  execFileSync(esbuild, [path.join(baseline, 'viewer.css'), '--bundle', '--minify', `--outfile=${path.join(root, 'v1', '.viewer', 'viewer.css')}`, '--log-level=warning'], { cwd: ROOT });
  const tree = JSON.stringify(fixture.v1);
  write(path.join(root, 'v1', 'tree.json'), tree);

  fs.cpSync(path.join(ROOT, 'assets', 'viewer'), path.join(root, 'v2'), { recursive: true });
  const summary = JSON.stringify(fixture.summary);
  // Floors: a page whose only script records when it runs (what any page costs this browser here),
  // and the barest page that fetches the same summary and lists its sites as 200 buttons.
  write(path.join(root, 'floor', 'index.html'), '<!doctype html><title>floor</title><script>window.listShownAt = performance.now()</script>');
  write(path.join(root, 'bare', 'summary.json'), summary);
  write(path.join(root, 'bare', 'index.html'), '<!doctype html><meta charset="utf-8"><title>bare</title><h1>sitespeed.io reports</h1><ul id="sites"></ul>' +
    '<script>fetch("summary.json", { cache: "no-cache" }).then(r => r.json()).then(s => document.getElementById("sites").replaceChildren(' +
    '...Object.keys(s.sites).map(k => { const li = document.createElement("li"); const b = document.createElement("button"); b.textContent = k; li.append(b); return li; })));</script>');
  write(path.join(root, 'v2', SUMMARY_KEY), summary);
  for (const [site, file] of fixture.siteFiles) write(path.join(root, 'v2', siteIndexKey(site)), JSON.stringify(file));
  const one = JSON.stringify(fixture.siteFiles.get(siteName(Math.floor(SITES / 2))));
  console.log(`calendar fixture: ${SITES} sites × ${RUNS_PER_DAY} runs a day × ${DAYS} days = ${fixture.runs} runs`);
  console.log(`calendar   v1 tree.json ${MB(tree.length)} (${MB(zlib.gzipSync(tree).length)} gzipped, but CloudFront compresses up to 10 MB only)`);
  console.log(`calendar   v2 summary ${kB(summary.length)} (${kB(zlib.gzipSync(summary).length)} gzipped); one site's file ${kB(one.length)} (${kB(zlib.gzipSync(one).length)} gzipped)`);
  // The deploy markers file at its cap, each marking 4 sites: what opening the first site adds.
  const markers = JSON.stringify({
    version: 1,
    markers: Array.from({ length: MAX_MARKERS }, (_, i) => ({
      id: `event:${String(i).padStart(8, '0')}-1c2a-4a4b-9b8e-000000000001`,
      at: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString(),
      message: `shop-release SUCCEEDED (execution ${String(i).padStart(8, '0')}-5d2e-4c55-8a40-b1d3e2c1f0aa)`,
      sites: ['shop', 'blog', 'docs', 'checkout'],
      source: 'aws.codepipeline CodePipeline Pipeline Execution State Change',
      annotated: ['blog', 'checkout', 'docs', 'shop'],
    })),
  });
  console.log(`calendar   deploy markers at their cap (${MAX_MARKERS}, loaded with the first site opened): ${kB(markers.length)} ` +
    `(${kB(zlib.gzipSync(markers).length)} gzipped)`);
  const failing = allFailingSummaries();
  console.log(`calendar   the day all ${SITES} sites fail 20 budget checks: summary ${kB(failing.after.length)} (goal ≤ 100 kB); ` +
    `holding each whole last run as before: ${kB(failing.before.length)}`);
  return { root, sizes: { tree: tree.length } };
}

/** A static server that compresses as CloudFront does and counts the body bytes it sends. */
async function serve(root: string): Promise<{ base: string; bytes: () => number; reset: () => void; close: () => void }> {
  let sent = 0;
  const gzipped = new Map<string, Buffer>();
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    const file = path.join(root, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
    if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404);
      res.end();
      return;
    }
    let body: Buffer = fs.readFileSync(file);
    const headers: Record<string, string> = { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' };
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && body.length >= 1000 && body.length <= 10_000_000) {
      if (!gzipped.has(file)) gzipped.set(file, zlib.gzipSync(body));
      body = gzipped.get(file)!;
      headers['content-encoding'] = 'gzip';
    }
    sent += body.length;
    res.writeHead(200, { ...headers, 'content-length': String(body.length) });
    res.end(body);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    base: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    bytes: () => sent,
    reset: () => { sent = 0; },
    close: () => server.close(),
  };
}

interface Throttle { readonly name: string; readonly latencyMs: number; readonly bytesPerSecond: number }
type Figures = { ms: number[]; bytes: number[]; openBytes: number[]; openMs: number[] };

/** When a page (floor/ or bare/) shows its list, or runs its script, in a fresh context (median). */
async function floorMs(browser: Browser, server: Awaited<ReturnType<typeof serve>>, repeats: number, page: 'floor' | 'bare'): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const context = await browser.newContext();
    await context.addInitScript(`new MutationObserver((_, observer) => {
      if (document.querySelectorAll('#sites button').length === ${SITES}) { window.listShownAt = performance.now(); observer.disconnect(); }
    }).observe(document, { childList: true, subtree: true });`);
    const tab = await context.newPage();
    await tab.goto(`${server.base}/${page}/`);
    times.push(await (await tab.waitForFunction(() => (window as any).listShownAt)).jsonValue() as number);
    await context.close();
  }
  return median(times);
}

async function measure(browser: Browser, server: Awaited<ReturnType<typeof serve>>, repeats: number, throttle?: Throttle): Promise<Record<'v1' | 'v2', Figures>> {
  const results: Record<'v1' | 'v2', Figures> = { v1: { ms: [], bytes: [], openBytes: [], openMs: [] }, v2: { ms: [], bytes: [], openBytes: [], openMs: [] } };
  const site = siteName(Math.floor(SITES / 2));
  for (let i = 0; i < repeats; i++) {
    for (const version of ['v1', 'v2'] as const) {
      // A fresh context each time: nothing cached, as a first visit.
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      // The moment the list has every site, seen by an observer in the page (a poll from here would wait out the page's long tasks).
      await context.addInitScript(`new MutationObserver((_, observer) => {
        if (document.querySelectorAll('#sites button').length === ${SITES}) { window.listShownAt = performance.now(); observer.disconnect(); }
      }).observe(document, { childList: true, subtree: true });`);
      const page = await context.newPage();
      if (throttle) {
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.emulateNetworkConditions', {
          offline: false, latency: throttle.latencyMs, downloadThroughput: throttle.bytesPerSecond, uploadThroughput: throttle.bytesPerSecond,
        });
      }
      server.reset();
      await page.goto(`${server.base}/${version}/`);
      const shownAt = await page.waitForFunction(() => (window as any).listShownAt, null, { timeout: 300_000 });
      results[version].ms.push(await shownAt.jsonValue() as number);
      results[version].bytes.push(server.bytes());
      // Let the first site (which both open on load) settle, then open another one.
      await page.waitForSelector('#runs li', { timeout: 300_000 });
      server.reset();
      const start = Date.now();
      await page.locator('#sites button').filter({ hasText: site }).first().click();
      await page.waitForFunction(s => document.getElementById('site-name')?.textContent === s && document.querySelectorAll('#runs li').length > 0, site, { timeout: 300_000 });
      results[version].openMs.push(Date.now() - start);
      results[version].openBytes.push(server.bytes());
      await context.close();
    }
  }
  return results;
}

function report(where: string, results: Record<'v1' | 'v2', Figures>, floor?: { empty: number; bare: number }): void {
  const m = (f: Figures) => ({ ms: median(f.ms), bytes: median(f.bytes), open: median(f.openBytes), openMs: median(f.openMs) });
  const v1 = m(results.v1);
  const v2 = m(results.v2);
  const runs = `runs v1 ${results.v1.ms.map(x => x.toFixed(0)).join(' ')}, v2 ${results.v2.ms.map(x => x.toFixed(0)).join(' ')}`;
  console.log(`calendar [${where}] bytes before the site list shows: v1 ${MB(v1.bytes)}, v2 ${kB(v2.bytes)} ` +
    `(${(v1.bytes / v2.bytes).toFixed(0)}x less; goal ≤ 100 kB: ${v2.bytes <= 100_000 ? 'met' : 'MISSED'})`);
  console.log(`calendar [${where}] time until the site list shows, median: v1 ${v1.ms.toFixed(0)} ms, v2 ${v2.ms.toFixed(0)} ms ` +
    `(${(v1.ms / v2.ms).toFixed(1)}x faster; goal ≥ 10x: ${v1.ms / v2.ms >= 10 ? 'met' : 'MISSED'}; ${runs})`);
  if (floor !== undefined) {
    console.log(`calendar [${where}] floors in the same run: an empty page runs its script at ${floor.empty.toFixed(0)} ms; the barest page that fetches ` +
      `the summary and lists ${SITES} buttons shows them at ${floor.bare.toFixed(0)} ms (v1 is ${(v1.ms / floor.bare).toFixed(1)}x that, v2 ${(v2.ms / floor.bare).toFixed(1)}x)`);
  }
  console.log(`calendar [${where}] opening one site: v2 ${kB(v2.open)} in ${v2.openMs} ms (goal ≤ 60 kB: ${v2.open <= 60_000 ? 'met' : 'MISSED'}); ` +
    `v1 ${kB(v1.open)} in ${v1.openMs} ms, having loaded every site's runs first`);
}

export async function benchCalendar(): Promise<void> {
  const { root } = buildSite();
  const server = await serve(root);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const floor = { empty: await floorMs(browser, server, REPEATS, 'floor'), bare: await floorMs(browser, server, REPEATS, 'bare') };
    report(`127.0.0.1, ${REPEATS} runs each`, await measure(browser, server, REPEATS), floor);
    // The same on a link like a good office connection (Chromium's network emulation): what a team sees.
    const office = { name: '50 Mbit/s, 20 ms', latencyMs: 20, bytesPerSecond: 50e6 / 8 };
    report(`${office.name}, 3 runs each`, await measure(browser, server, 3, office));
  } finally {
    await browser.close();
    server.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
