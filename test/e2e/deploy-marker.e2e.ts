import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { annotate, annotationEvents } from '../../lambda-src/deploy-marker/annotate';
import { DeployMarker } from '../../src/contract/deploy-markers';
import { htpasswdFromBootStep } from '../harness/graphite-htpasswd';
import { GraphiteWebProcess, startGraphiteWeb } from '../harness/graphite-web';
import { Nginx, startNginx } from '../harness/nginx';

/**
 * A deploy marker's Graphite annotations end to end with the real programs: DeployMarkers'
 * annotate() sends its script as SSM Run Command would (the command string runs here with bash,
 * with the instance's `aws` answering get-secret-value); the script posts through the real nginx
 * with the site GraphiteGrafana mounts (shell/graphite-statsd.nginx.conf, basic auth from the
 * boot step's htpasswd) to the real graphite-web 1.1.10 from PyPI, whose events API stores them;
 * then graphite-web's /events/get_data finds them by the tags Grafana's annotation queries use.
 */
const USER = 'sitespeed';
const PASSWORD = 'e2eN0tAReal0ne';
const SHIPPED_SITE = fs.readFileSync(path.join(__dirname, '..', '..', 'shell', 'graphite-statsd.nginx.conf'), 'utf8');

let web: GraphiteWebProcess;
let nginx: Nginx;

beforeAll(async () => {
  const box = htpasswdFromBootStep(JSON.stringify({ username: USER, password: PASSWORD }));
  expect(box.result.status).toBe(0);
  web = await startGraphiteWeb();
  nginx = await startNginx(SHIPPED_SITE, box.file);
}, 180_000);

afterAll(async () => {
  nginx?.stop();
  await web?.stop();
});

/** The metrics instance as annotate() sees it: ECS lists it, SSM runs the command on it (here: bash). */
function instance(password = PASSWORD) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'marker-e2e-'));
  fs.writeFileSync(path.join(dir, 'aws'), `#!/bin/bash\n[ "$1 $2" = "secretsmanager get-secret-value" ] || exit 2\necho '${JSON.stringify({ username: USER, password })}'\n`, { mode: 0o755 });
  const results = new Map<string, any>();
  const ecs = { send: async (c: any) => (c.constructor.name === 'ListContainerInstancesCommand' ? { containerInstanceArns: ['ci'] } : { containerInstances: [{ ec2InstanceId: 'i-1', status: 'ACTIVE' }] }) };
  const ssm = {
    send: async (c: any) => {
      if (c.constructor.name !== 'SendCommandCommand') return results.get(c.input.CommandId);
      // On the instance Graphite is http://graphite.<namespace>:80; here it is nginx's port.
      const command = String(c.input.Parameters.commands[0]).replace(/GRAPHITE_URL='[^']*'/, `GRAPHITE_URL='http://127.0.0.1:${nginx.port}'`);
      const result = await new Promise<any>(resolve => execFile('bash', ['-c', command], { env: { PATH: `${dir}:/usr/bin:/bin` } },
        (error, stdout, stderr) => resolve({ Status: error ? 'Failed' : 'Success', ResponseCode: error ? (error as any).code : 0, StandardOutputContent: stdout, StandardErrorContent: stderr })));
      results.set('c1', result);
      return { Command: { CommandId: 'c1' } };
    },
  };
  return { ecs: ecs as any, ssm: ssm as any };
}

async function getJson(urlPath: string, credentials?: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`http://127.0.0.1:${nginx.port}${urlPath}`, credentials ? { headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } } : {});
  const text = await response.text();
  return { status: response.status, body: response.status === 200 ? JSON.parse(text) : text };
}

test('a marker\'s annotations pass nginx with the stack\'s credentials and are stored by graphite-web, found by their tags', async () => {
  const at = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  const marker: DeployMarker = { id: 'e2e', at, message: 'v1.2.3 "quoted" & \'apostrophe\'', sites: ['shop', 'blog'], source: 'cdk-sitespeed mark' };
  const { ecs, ssm } = instance();
  const outcome = await annotate(ecs, ssm, { cluster: 'metrics', url: 'http://graphite.sitespeed.internal:80', secretArn: 'arn:s', region: 'eu-north-1' },
    annotationEvents(marker, [{ site: 'shop', namespace: 'sitespeed_io.prod' }, { site: 'blog', namespace: 'sitespeed_io.prod' }]),
    { now: () => Date.now(), sleep: async () => undefined, pollMs: 1, timeoutSeconds: 10 });
  expect(outcome).toEqual({ accepted: ['shop', 'blog'], problems: [] });

  // The dashboards' annotation queries are tag sets (all must match): the site's deploys, and every deploy under the namespace.
  const shop = await getJson('/events/get_data?from=-1h&tags=deploy%20shop', `${USER}:${PASSWORD}`);
  expect(shop.status).toBe(200);
  expect(shop.body).toEqual([{
    id: expect.any(Number),
    when: Date.parse(at) / 1000,
    what: `Deploy: ${marker.message}`,
    data: `${marker.message} (cdk-sitespeed mark)`,
    tags: ['sitespeed_io', 'prod', 'shop', 'deploy'],
  }]);
  const all = await getJson('/events/get_data?from=-1h&tags=sitespeed_io%20prod%20deploy', `${USER}:${PASSWORD}`);
  expect(all.body.map((e: any) => e.tags[2]).sort()).toEqual(['blog', 'shop']);
  // Reading them takes the credentials too: nginx's auth covers graphite-web's whole API.
  expect((await getJson('/events/get_data?from=-1h&tags=deploy')).status).toBe(401);
}, 60_000);

test('with a password nginx does not know (a secret rotated without the boot step), graphite-web stores nothing and each site is refused (401)', async () => {
  const count = async () => (await getJson('/events/get_data?from=-1h&tags=deploy', `${USER}:${PASSWORD}`)).body.length;
  const before = await count();
  const { ecs, ssm } = instance('rotated-elsewhere');
  const marker: DeployMarker = { id: 'e2e-2', at: new Date().toISOString(), message: 'v2', sites: ['shop'], source: 'cdk-sitespeed mark' };
  const outcome = await annotate(ecs, ssm, { cluster: 'metrics', url: 'http://graphite.sitespeed.internal:80', secretArn: 'arn:s', region: 'eu-north-1' },
    annotationEvents(marker, [{ site: 'shop', namespace: 'sitespeed_io.prod' }]), { now: () => Date.now(), sleep: async () => undefined, pollMs: 1, timeoutSeconds: 10 });
  expect(outcome).toEqual({ accepted: [], problems: ['shop: Graphite answered 401 to POST /events/'] });
  expect(await count()).toBe(before);
});
