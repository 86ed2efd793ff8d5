import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Stack, TimeZone } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { listen, LOCAL_ONLY, requireSitespeed, run, SITESPEED } from './sitespeed-cli';
import { writeExtract } from '../../lambda-src/report-index/run-extract';
import { SitespeedCluster } from '../../src';
import { startCarbon } from '../harness/carbon';
import { motoClientConfig, motoEndpoint, resetMoto } from '../harness/moto';
import { testApp } from '../harness/nag';

/**
 * End to end: the real sitespeed.io CLI (test/e2e/install-sitespeed.sh) runs with exactly the
 * arguments a ScheduledSite renders, plus only what differs on this machine (the S3 endpoint
 * of moto, Debian's chromium). Run with `npm run e2e`.
 */
describe('a ScheduledSite run with the real sitespeed.io CLI', () => {
  const s3client = new S3Client(motoClientConfig());
  const metricLines: string[] = [];
  let page: http.Server;
  let pagePort = 0;
  let graphite: net.Server;
  let result: { code: number | null; output: string };
  let args: string[];
  const startedAt = new Date();
  let runSeconds = 0;

  beforeAll(async () => {
    requireSitespeed();
    await resetMoto();
    await s3client.send(new CreateBucketCommand({ Bucket: 'e2e-reports' }));

    page = http.createServer((req, res) => {
      if (req.url === '/' || req.url === '/cart') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<!doctype html><html><head><title>E2E ${req.url}</title></head><body><h1>Shop</h1><p>${req.url}</p></body></html>`);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    pagePort = await listen(page);
    // A stand-in for Graphite's plain text listener (carbon's line receiver, port 2003: graphite-project/carbon
    // lib/carbon/protocols.py MetricLineReceiver, `path value timestamp` per line): it records every metric line.
    // What the real carbon makes of sitespeed.io's lines: test/integration/carbon.test.ts.
    graphite = net.createServer(socket => {
      let buffer = '';
      socket.on('data', d => {
        buffer += d;
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        metricLines.push(...lines);
      });
    });
    const graphitePort = await listen(graphite);

    const app = testApp();
    const stack = new Stack(app, 'E2e', { env: { account: '123456789012', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc, reportsBucket: s3Bucket(stack) });
    const site = cluster.addSite('Shop', {
      schedule: ScheduleExpression.cron({ minute: '0', hour: '9', timeZone: TimeZone.of('Europe/Stockholm') }),
      urls: [{ url: `http://127.0.0.1:${pagePort}/`, alias: 'home' }, { url: `http://127.0.0.1:${pagePort}/cart`, alias: 'cart' }],
      iterations: 1,
      graphiteHost: '127.0.0.1',
      graphitePort,
      graphiteNamespace: 'sitespeed_io.e2e',
      sitespeedArgs: ['--plugins.remove', 'screenshot'],
    });
    args = stack.resolve(site.sitespeedArgs);
    expect(args.every(a => typeof a === 'string')).toBe(true);

    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-sitespeed-'));
    const runStart = Date.now();
    result = await run(SITESPEED, [...args, ...LOCAL_ONLY(motoEndpoint())], {
      PATH: process.env.PATH,
      HOME: cwd,
      // Far from UTC, so a report folder named in local time could not pass for UTC.
      TZ: 'Asia/Tokyo',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    }, cwd);
    fs.mkdirSync(path.join(__dirname, '..', '..', 'test-artifacts'), { recursive: true });
    fs.writeFileSync(path.join(__dirname, '..', '..', 'test-artifacts', 'e2e-sitespeed.log'), `${JSON.stringify(args)}\n\n${result.output}`);
    runSeconds = (Date.now() - runStart) / 1000;
  }, 300_000);

  afterAll(async () => {
    page?.close();
    graphite?.close();
    s3client.destroy();
  });

  test('the CLI accepts every argument and the run succeeds', () => {
    expect(result.output).not.toMatch(/Unknown argument|Invalid values|Not enough arguments/);
    expect({ code: result.code, tail: result.output.slice(-1500) }).toEqual({ code: 0, tail: expect.any(String) });
    expect(result.output).toContain('Finished upload to S3');
  });

  test('the report lands in S3 at <slug>/<UTC timestamp>/index.html', async () => {
    const listed = await s3client.send(new ListObjectsV2Command({ Bucket: 'e2e-reports', Prefix: 'shop/' }));
    const keys = (listed.Contents ?? []).map(o => o.Key!);
    const index = keys.filter(k => /^shop\/\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\/index\.html$/.test(k));
    expect(index).toHaveLength(1);
    const [, y, mo, d, h, mi, s] = /^shop\/(\d+)-(\d+)-(\d+)-(\d+)-(\d+)-(\d+)\//.exec(index[0])!;
    const folderTime = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
    expect(Math.abs(folderTime - startedAt.getTime())).toBeLessThan(10 * 60_000);
    expect(keys).toContain(index[0].replace('index.html', 'pages/127_0_0_1/home/index.html'));
    expect(keys).toContain(index[0].replace('index.html', 'pages/127_0_0_1/cart/index.html'));
    // What the cost model's assumptions are calibrated against (cli-src/cost/assumptions.ts): a
    // two-request page, screenshots off, no video, so a floor for real pages.
    const figures = {
      sitespeed: '39.2.0',
      pages: 2,
      iterations: 1,
      runSeconds,
      reportObjects: keys.length,
      reportBytes: (listed.Contents ?? []).reduce((n, o) => n + (o.Size ?? 0), 0),
    };
    expect(figures.runSeconds).toBeGreaterThan(0);
    fs.writeFileSync(path.join(__dirname, '..', '..', 'test-artifacts', 'e2e-run-figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
  });

  test('the run extract reads what the real run uploaded: each URL\'s HAR with its paint times, and the setup', async () => {
    const listed = await s3client.send(new ListObjectsV2Command({ Bucket: 'e2e-reports', Prefix: 'shop/' }));
    const folder = /^shop\/([^/]+)\/index\.html$/.exec((listed.Contents ?? []).map(o => o.Key!).find(k => /^shop\/[^/]+\/index\.html$/.test(k))!)![1];
    const extract = (await writeExtract(s3client, 'e2e-reports', { site: 'shop', run: folder, status: 'ok', rerun: false }, () => {}))!;
    fs.writeFileSync(path.join(__dirname, '..', '..', 'test-artifacts', 'e2e-run-extract.json'), `${JSON.stringify(extract, null, 2)}\n`);
    expect(extract.problems).toEqual([]);
    expect(extract.pages.map(p => [p.url, p.iterations])).toEqual([[`http://127.0.0.1:${pagePort}/`, 1], [`http://127.0.0.1:${pagePort}/cart`, 1]]);
    for (const { medians } of extract.pages) {
      expect(medians.ttfb).toBeGreaterThanOrEqual(0);
      expect(medians.firstContentfulPaint).toBeGreaterThan(0);
      expect(medians.largestContentfulPaint).toBeGreaterThanOrEqual(medians.firstContentfulPaint!);
      expect(medians.cumulativeLayoutShift).toBe(0);
      expect(medians.requests).toBeGreaterThanOrEqual(1);
      expect(medians.transferSize).toBeGreaterThan(0);
      expect(medians.fullyLoaded).toBeGreaterThan(0);
    }
    // sitespeed.io 39.2.0 runs browsertime 26.2.0, which takes Chrome's HAR from chrome-har 1.1.1 (their package.json files);
    // the HAR is stored uncompressed (gzipHAR defaults to false).
    expect(extract.setup).toEqual({
      browser: expect.stringMatching(/^(Chrome|Chromium|HeadlessChrome)$/),
      browserVersion: expect.stringMatching(/^\d+\./),
      harCreator: 'chrome-har 1.1.1',
      connectivity: 'native',
      iterations: 1,
      urls: [`http://127.0.0.1:${pagePort}/`, `http://127.0.0.1:${pagePort}/cart`],
    });
  });

  test('metrics reach Graphite under the namespace, the slug and the URL aliases', () => {
    expect(metricLines.length).toBeGreaterThan(50);
    for (const line of metricLines) expect(line).toMatch(/^sitespeed_io\.e2e\.shop\.\S+ \S+ \d+$/);
    expect(metricLines.some(l => l.startsWith('sitespeed_io.e2e.shop.pageSummary.127_0_0_1.home.chrome.'))).toBe(true);
    expect(metricLines.some(l => l.startsWith('sitespeed_io.e2e.shop.pageSummary.127_0_0_1.cart.chrome.'))).toBe(true);
  });

  test('a carbon with GraphiteGrafana\'s configuration stores every one of those keys, with sitespeed.io\'s retention', async () => {
    const carbon = await startCarbon();
    try {
      await carbon.send(metricLines);
      const keys = [...new Set(metricLines.map(l => l.split(' ')[0]))];
      expect(await carbon.waitForFiles(keys.length)).toHaveLength(keys.length);
      const summary = keys.find(k => k.startsWith('sitespeed_io.e2e.shop.pageSummary.127_0_0_1.home.chrome.'))!;
      expect(carbon.archives(summary)).toEqual([[3600, 65 * 86400]]);
    } finally {
      carbon.stop();
    }
  }, 120_000);
});

function s3Bucket(stack: Stack) {
  return s3.Bucket.fromBucketName(stack, 'Reports', 'e2e-reports');
}
