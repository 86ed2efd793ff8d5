/**
 * The real nginx (Debian's package: `apt-get install nginx-light`, which .ci/run does before the
 * e2e) serving a Graphite nginx site exactly as the container would, in front of a stand-in for
 * graphite-web on 127.0.0.1:8080 (the address the site's proxy_pass names, unchanged).
 *
 * The main config stands in for the image's /etc/nginx/nginx.conf
 * (graphite-project/docker-graphite-statsd conf/etc/nginx/nginx.conf at 1.1.10-3: `daemon off`,
 * `include /etc/nginx/sites-enabled/*` inside `http`); only what a user without root needs
 * differs (pid, logs and temp folders in a folder of the test's own). In the site, only `listen`
 * (a free port of 127.0.0.1), `root`, `alias` and the htpasswd path (the container's mount point)
 * are rewritten to folders of the test's own.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { freePort } from './local-server';

export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find(p => fs.existsSync(p));

/** Fails at once, with the fix, when nginx is not installed. */
export function requireNginx(): string {
  if (!NGINX) throw new Error('nginx is missing: apt-get install nginx-light (.ci/run installs it before the e2e)');
  return NGINX;
}

/** What reached graphite-web behind nginx. */
export interface GraphiteWebRequest { readonly method: string; readonly url: string; readonly authorization?: string; readonly body: string }

/**
 * A stand-in for graphite-web's HTTP API on 127.0.0.1:8080 (graphite-project/graphite-web
 * webapp/graphite/events/views.py: POST /events/ with a JSON event answers 200; /render answers
 * JSON). It checks nothing itself: in the image, authentication is nginx's job or nobody's.
 */
export async function graphiteWeb(): Promise<{ requests: GraphiteWebRequest[]; close(): void }> {
  const requests: GraphiteWebRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', d => { body += d; });
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
      if (req.url?.startsWith('/events')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('Event created');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('[]');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`graphite-web stand-in: 127.0.0.1:8080 (the site's proxy_pass) is taken: ${e.message}`)));
    server.listen(8080, '127.0.0.1', () => resolve());
  });
  return { requests, close: () => server.close() };
}

export interface Nginx {
  readonly port: number;
  /** The site as nginx read it (rewritten). */
  readonly site: string;
  /** nginx's error log. */
  log(): string;
  stop(): void;
}

/** Starts nginx with `siteConf` (the text of a Graphite site) and `htpasswd` as its users file. */
export async function startNginx(siteConf: string, htpasswd: string): Promise<Nginx> {
  const binary = requireNginx();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nginx-'));
  // As root, nginx's workers run as nobody: they must reach the users file.
  fs.chmodSync(dir, 0o755);
  for (const sub of ['static', 'admin', 'temp']) fs.mkdirSync(path.join(dir, sub));
  const users = path.join(dir, 'htpasswd');
  fs.copyFileSync(htpasswd, users);
  fs.chmodSync(users, 0o644);
  const port = await freePort();
  const site = siteConf
    .replace(/^(\s*)listen\s+80;/m, `$1listen 127.0.0.1:${port};`)
    .replace(/^(\s*)root\s+\S+;/m, `$1root ${dir}/static;`)
    .replace(/^(\s*)alias\s+\S+;/gm, `$1alias ${dir}/admin/;`)
    .replace(/auth_basic_user_file\s+\/etc\/nginx\/\.htpasswd;/, `auth_basic_user_file ${users};`);
  fs.writeFileSync(path.join(dir, 'site.conf'), site);
  const temp = (name: string) => `${name} ${dir}/temp/${name.replace('_temp_path', '')};`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), [
    `pid ${dir}/nginx.pid;`,
    'daemon off;',
    'worker_processes 1;',
    `error_log ${dir}/error.log info;`,
    'events { worker_connections 64; }',
    'http {',
    `  access_log ${dir}/access.log;`,
    ...['client_body_temp_path', 'proxy_temp_path', 'fastcgi_temp_path', 'uwsgi_temp_path', 'scgi_temp_path'].map(t => `  ${temp(t)}`),
    `  include ${dir}/site.conf;`,
    '}',
  ].join('\n'));
  const test = spawnSync(binary, ['-t', '-p', dir, '-c', `${dir}/nginx.conf`], { encoding: 'utf8' });
  if (test.status !== 0) throw new Error(`nginx refused the config:\n${test.stderr}\n${site}`);
  const child: ChildProcess = spawn(binary, ['-p', dir, '-c', `${dir}/nginx.conf`], { stdio: 'ignore' });
  const log = () => fs.existsSync(`${dir}/error.log`) ? fs.readFileSync(`${dir}/error.log`, 'utf8') : '';
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`nginx did not start on 127.0.0.1:${port}:\n${log()}`);
    await new Promise(r => setTimeout(r, 100));
  }
  return { port, site, log, stop: () => { child.kill('SIGTERM'); } };
}

function answers(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const req = http.get({ host: '127.0.0.1', port, path: '/nginx_status' }, res => { res.resume(); resolve(true); });
    req.on('error', () => resolve(false));
  });
}

/** A GET or POST to nginx, with optional basic credentials. */
export function request(port: number, urlPath: string, credentials?: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = credentials ? { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method: body === undefined ? 'GET' : 'POST', headers }, res => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}
