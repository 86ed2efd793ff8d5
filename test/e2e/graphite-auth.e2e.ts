import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Stack, TimeZone } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { listen, LOCAL_ONLY, requireSitespeed, run, SITESPEED } from './sitespeed-cli';
import { remoteCommand } from '../../cli-src/check/remote-shell';
import { SitespeedCluster } from '../../src';
import { htpasswdFromBootStep } from '../harness/graphite-htpasswd';
import { motoClientConfig, motoEndpoint, resetMoto } from '../harness/moto';
import { testApp } from '../harness/nag';
import { graphiteWeb, Nginx, request, startNginx } from '../harness/nginx';

/**
 * Graphite's HTTP credentials end to end, with the real programs: the metrics instance's boot step
 * (shell/sitespeed-graphite-auth.sh) turns the stack's secret into the htpasswd file; the real
 * nginx serves the site GraphiteGrafana mounts (shell/graphite-statsd.nginx.conf) in front of a
 * graphite-web stand-in on 127.0.0.1:8080 (test/harness/nginx.ts); the real sitespeed.io CLI is
 * started the way ECS starts the container (the task definition's EntryPoint, with the image's
 * /start.sh replaced by the CLI) with the credentials in its environment as ECS injects its
 * secrets. The image's own site (test/fixtures/upstream/graphite-statsd.conf, 1.1.10-3) is the
 * control: it lets anyone in. Run with `npm run e2e` (it needs Debian's nginx-light).
 */
const USER = 'sitespeed';
const PASSWORD = 'e2eN0tAReal0ne';
const SHIPPED_SITE = fs.readFileSync(path.join(__dirname, '..', '..', 'shell', 'graphite-statsd.nginx.conf'), 'utf8');
const UPSTREAM_SITE = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'upstream', 'graphite-statsd.conf'), 'utf8');

let web: Awaited<ReturnType<typeof graphiteWeb>>;
let shipped: Nginx;
let upstream: Nginx;

beforeAll(async () => {
  const box = htpasswdFromBootStep(JSON.stringify({ username: USER, password: PASSWORD }));
  expect(box.result.status).toBe(0);
  web = await graphiteWeb();
  shipped = await startNginx(SHIPPED_SITE, box.file);
  upstream = await startNginx(UPSTREAM_SITE, box.file);
});

afterAll(() => { shipped?.stop(); upstream?.stop(); web?.close(); });

describe('Graphite behind the real nginx with the site GraphiteGrafana mounts', () => {
  test('anonymous 401, the secret\'s credentials 200, wrong ones 401; only the right ones reach graphite-web', async () => {
    const before = web.requests.length;
    const event = JSON.stringify({ what: 'probe', tags: ['e2e'], data: '' });
    expect(await request(shipped.port, '/events/', undefined, event)).toBe(401);
    expect(await request(shipped.port, '/render?target=x&format=json')).toBe(401);
    expect(await request(shipped.port, '/events/', `${USER}:${PASSWORD}`, event)).toBe(200);
    expect(await request(shipped.port, '/render?target=x&format=json', `${USER}:${PASSWORD}`)).toBe(200);
    expect(await request(shipped.port, '/events/', `${USER}:wrong`, event)).toBe(401);
    expect(await request(shipped.port, '/events/', 'guest:guest', event)).toBe(401);
    expect(await request(shipped.port, '/media/')).toBe(401);
    expect(web.requests.slice(before).map(r => `${r.method} ${r.url}`)).toEqual(['POST /events/', 'GET /render?target=x&format=json']);
  });

  test('the image\'s collectd still reads /nginx_status from 127.0.0.1 without credentials', async () => {
    expect(await request(shipped.port, '/nginx_status')).toBe(200);
  });

  test('cdk-sitespeed check\'s metrics probe, run as SSM runs it, reads 401 and 200 from the shipped site, 200 and 200 from the image\'s', async () => {
    const probe = async (nginx: Nginx) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-'));
      // The instance's aws CLI, answering get-secret-value as Secrets Manager would.
      fs.writeFileSync(path.join(dir, 'aws'), `#!/bin/bash\necho '${JSON.stringify({ username: USER, password: PASSWORD })}'\n`, { mode: 0o755 });
      const command = remoteCommand(fs.readFileSync(path.join(__dirname, '..', '..', 'shell', 'sitespeed-check-metrics.sh'), 'utf8'), {
        GRAPHITE_URL: `http://127.0.0.1:${nginx.port}`, SECRET_ARN: 'arn:aws:secretsmanager:eu-north-1:123456789012:secret:g', AWS_REGION: 'eu-north-1', GRAFANA_PORT: '1',
      });
      return (await run('bash', ['-c', command], { PATH: `${dir}:/usr/bin:/bin` }, dir)).output;
    };
    expect(await probe(shipped)).toMatch(/^graphite_anonymous=401\ngraphite_authenticated=200\n/);
    expect(await probe(upstream)).toMatch(/^graphite_anonymous=200\ngraphite_authenticated=200\n/);
  });

  test('the image\'s own site (what every deploy had before) lets anyone in: the control', async () => {
    expect(await request(upstream.port, '/events/', undefined, JSON.stringify({ what: 'anyone' }))).toBe(200);
  });
});

describe('Graphite credentials with the real sitespeed.io CLI, through the real nginx', () => {
  let page: http.Server;
  let pagePort: number;
  // Carbon's plain-text receiver, as a sink: what Graphite makes of the lines is test/integration/carbon.test.ts.
  const lines = net.createServer(socket => socket.resume());
  let linePort: number;
  const s3client = new S3Client(motoClientConfig());

  beforeAll(async () => {
    requireSitespeed();
    await resetMoto();
    await s3client.send(new CreateBucketCommand({ Bucket: 'e2e-auth-reports' }));
    page = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><html><head><title>E2E auth</title></head><body><h1>Auth</h1></body></html>');
    });
    pagePort = await listen(page);
    linePort = await listen(lines);
  });

  afterAll(() => { page?.close(); lines.close(); s3client.destroy(); });

  /** One run of a site rendered by the library, started through the container's EntryPoint, annotating through `nginx`. */
  async function runSite(nginx: Nginx, env: Record<string, string>) {
    const app = testApp();
    const stack = new Stack(app, 'E2eAuth', { env: { account: '123456789012', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc, reportsBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'e2e-auth-reports') });
    const site = cluster.addSite('Auth', {
      schedule: ScheduleExpression.cron({ minute: '0', hour: '9', timeZone: TimeZone.of('Europe/Stockholm') }),
      urls: [{ url: `http://127.0.0.1:${pagePort}/`, alias: 'home' }],
      iterations: 1,
      graphiteHost: '127.0.0.1',
      graphitePort: linePort,
      graphiteNamespace: 'sitespeed_io.e2e',
      // Annotations are sent only for runs with a report URL.
      resultBaseUrl: 'https://reports.example.com',
      sitespeedArgs: ['--plugins.remove', 'screenshot'],
    });
    const args: string[] = stack.resolve(site.sitespeedArgs);
    const container = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition'))[0].Properties.ContainerDefinitions[0];
    const entryPoint: string[] = container.EntryPoint;
    expect(entryPoint.slice(-1)).toEqual(['/start.sh']);
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-auth-'));
    // What differs on this machine only: nginx's port (80 in the container), and LOCAL_ONLY.
    const command = [...entryPoint.slice(1, -1), SITESPEED, ...args, '--graphite.httpPort', String(nginx.port), ...LOCAL_ONLY(motoEndpoint())];
    const before = web.requests.length;
    const result = await run(entryPoint[0], command, {
      PATH: process.env.PATH, HOME: cwd, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', ...env,
    }, cwd);
    const name = `${nginx === shipped ? 'shipped' : 'upstream'}-${Object.keys(env).length ? 'with' : 'without'}`;
    fs.mkdirSync(path.join(__dirname, '..', '..', 'test-artifacts'), { recursive: true });
    fs.writeFileSync(path.join(__dirname, '..', '..', 'test-artifacts', `e2e-graphite-auth-${name}.log`), result.output);
    expect(args.join(' ')).not.toContain(PASSWORD);
    expect(result.output).not.toContain(PASSWORD);
    return { ...result, reached: web.requests.slice(before) };
  }

  // As ECS injects the GraphiteGrafana's secrets, with the cluster's Graphite host.
  const SECRETS = { GRAPHITE_AUTH_USER: USER, GRAPHITE_AUTH_PASSWORD: PASSWORD, GRAPHITE_AUTH_HOST: '127.0.0.1' };

  test('with the stack\'s credentials the run\'s annotation passes nginx and reaches graphite-web; the run succeeds', async () => {
    const result = await runSite(shipped, SECRETS);
    expect({ code: result.code, tail: result.output.slice(-1500) }).toEqual({ code: 0, tail: expect.any(String) });
    expect(result.reached.map(r => `${r.method} ${r.url}`)).toEqual(['POST /events/']);
    expect(result.reached[0].authorization).toBe(`Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`);
    expect(result.reached[0].body).toContain('reports.example.com');
  }, 300_000);

  test('without the credentials nginx refuses the annotation and nothing reaches graphite-web', async () => {
    const result = await runSite(shipped, {});
    expect(result.reached).toEqual([]);
    expect(result.output).toMatch(/401/);
  }, 300_000);

  test('the image\'s own site takes the annotation without credentials (why ours is mounted): the control', async () => {
    const result = await runSite(upstream, {});
    expect(result.code).toBe(0);
    expect(result.reached.map(r => `${r.method} ${r.url} ${r.authorization ?? 'anonymous'}`)).toEqual(['POST /events/ anonymous']);
  }, 300_000);
});
