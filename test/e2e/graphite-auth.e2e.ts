import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { App, Stack, TimeZone } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { listen, LOCAL_ONLY, requireSitespeed, run, SITESPEED } from './sitespeed-cli';
import { SitespeedCluster } from '../../src';
import { motoClientConfig, motoEndpoint, resetMoto } from '../harness/moto';

/**
 * Graphite's HTTP credentials end to end: the real sitespeed.io CLI started the way ECS starts the
 * container (the task definition's EntryPoint, with the image's /start.sh replaced by the CLI),
 * the credentials in the environment as ECS injects its secrets, against a stand-in for
 * Graphite whose HTTP side (annotations) rejects requests without them — and against one
 * without authentication. Run with `npm run e2e`.
 */
const USER = 'sitespeed';
const PASSWORD = 'e2eN0tAReal0ne';

interface Annotation { readonly authorization?: string; readonly status: number; readonly body: string }

/** A Graphite stand-in: a plain text listener, and an HTTP /events/ that may demand basic auth. */
async function graphiteStandIn(requireAuth: boolean) {
  const annotations: Annotation[] = [];
  const lines = net.createServer(socket => socket.resume());
  const web = http.createServer((req, res) => {
    let body = '';
    req.on('data', d => { body += d; });
    req.on('end', () => {
      const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
      const status = req.url === '/events/' && (!requireAuth || req.headers.authorization === expected) ? 200 : 401;
      annotations.push({ authorization: req.headers.authorization, status, body });
      res.writeHead(status);
      res.end();
    });
  });
  return { annotations, linePort: await listen(lines), httpPort: await listen(web), close: () => { lines.close(); web.close(); } };
}

describe('Graphite credentials with the real sitespeed.io CLI', () => {
  let page: http.Server;
  let pagePort: number;
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
  });

  afterAll(() => { page?.close(); s3client.destroy(); });

  /** One run of a site rendered by the library, started through the container's EntryPoint. */
  async function runSite(graphite: Awaited<ReturnType<typeof graphiteStandIn>>, env: Record<string, string>) {
    const app = new App();
    const stack = new Stack(app, 'E2eAuth', { env: { account: '123456789012', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc, reportsBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'e2e-auth-reports') });
    const site = cluster.addSite('Auth', {
      schedule: ScheduleExpression.cron({ minute: '0', hour: '9', timeZone: TimeZone.of('Europe/Stockholm') }),
      urls: [{ url: `http://127.0.0.1:${pagePort}/`, alias: 'home' }],
      iterations: 1,
      graphiteHost: '127.0.0.1',
      graphitePort: graphite.linePort,
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
    // What differs on this machine only: the stand-in's HTTP port, and LOCAL_ONLY.
    const command = [...entryPoint.slice(1, -1), SITESPEED, ...args, '--graphite.httpPort', String(graphite.httpPort), ...LOCAL_ONLY(motoEndpoint())];
    const result = await run(entryPoint[0], command, {
      PATH: process.env.PATH, HOME: cwd, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', ...env,
    }, cwd);
    fs.mkdirSync(path.join(__dirname, '..', '..', 'test-artifacts'), { recursive: true });
    fs.writeFileSync(path.join(__dirname, '..', '..', 'test-artifacts', `e2e-graphite-auth-${Object.keys(env).length ? 'with' : 'without'}.log`), result.output);
    expect(args.join(' ')).not.toContain(PASSWORD);
    expect(result.output).not.toContain(PASSWORD);
    return result;
  }

  // As ECS injects the GraphiteGrafana's secrets, with the cluster's Graphite host.
  const SECRETS = { GRAPHITE_AUTH_USER: USER, GRAPHITE_AUTH_PASSWORD: PASSWORD, GRAPHITE_AUTH_HOST: '127.0.0.1' };

  test('a Graphite that demands credentials accepts the run\'s annotation; the run succeeds', async () => {
    const graphite = await graphiteStandIn(true);
    try {
      const result = await runSite(graphite, SECRETS);
      expect({ code: result.code, tail: result.output.slice(-1500) }).toEqual({ code: 0, tail: expect.any(String) });
      expect(graphite.annotations.map(a => a.status)).toEqual([200]);
      expect(graphite.annotations[0].body).toContain('reports.example.com');
    } finally {
      graphite.close();
    }
  }, 300_000);

  test('the same Graphite without the credentials refuses the annotation (what runs met before): the control', async () => {
    const graphite = await graphiteStandIn(true);
    try {
      const result = await runSite(graphite, {});
      expect(graphite.annotations.length).toBeGreaterThan(0);
      expect(graphite.annotations.every(a => a.status === 401 && a.authorization === undefined)).toBe(true);
      expect(result.output).toMatch(/401/);
    } finally {
      graphite.close();
    }
  }, 300_000);

  test('a Graphite without authentication takes the annotation whether or not credentials are sent', async () => {
    const graphite = await graphiteStandIn(false);
    try {
      const result = await runSite(graphite, SECRETS);
      expect(result.code).toBe(0);
      expect(graphite.annotations.map(a => a.status)).toEqual([200]);
    } finally {
      graphite.close();
    }
  }, 300_000);
});
