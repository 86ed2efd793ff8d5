/**
 * The real graphite-web 1.1.10 (the pinned image's version, from PyPI) under gunicorn on
 * 127.0.0.1:8080, where the image's nginx site sends it (graphite-project/docker-graphite-statsd
 * conf/etc/service/graphite/run at 1.1.10-3: gunicorn graphite.wsgi on 127.0.0.1:8080, --preload),
 * with an SQLite database of the test's own (events live in Django's database, not in whisper).
 * The venv is made once in .venv-graphite-web/ (about 6 s with PyPI; set GRAPHITE_WEB_VENV to use another).
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';

const VENV = process.env.GRAPHITE_WEB_VENV ?? path.join(__dirname, '..', '..', '.venv-graphite-web');

function sh(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string): string {
  const result = spawnSync(command, args, { encoding: 'utf8', env, cwd });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

export interface GraphiteWebProcess {
  readonly port: number;
  log(): string;
  /** Stops gunicorn and waits until it has let go of the port (the graphite-web stand-in of another e2e binds the same one). */
  stop(): Promise<void>;
}

export async function startGraphiteWeb(port = 8080): Promise<GraphiteWebProcess> {
  if (!fs.existsSync(path.join(VENV, 'bin', 'gunicorn'))) {
    sh('python3', ['-m', 'venv', VENV]);
    sh(path.join(VENV, 'bin', 'pip'), ['install', '-q', 'graphite-web==1.1.10', 'django<4', 'gunicorn']);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graphite-web-'));
  fs.mkdirSync(path.join(dir, 'storage', 'whisper'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'log'));
  // graphite-web reads its settings from graphite/local_settings.py in its package (as the image's does in /opt/graphite/webapp).
  const settings = path.join(dir, 'settings');
  fs.mkdirSync(settings);
  fs.writeFileSync(path.join(settings, 'test_settings.py'), [
    'from graphite.settings import *  # noqa',
    'SECRET_KEY = \'e2e\'',
    `STORAGE_DIR = '${dir}/storage'`,
    `WHISPER_DIR = '${dir}/storage/whisper'`,
    `LOG_DIR = '${dir}/log'`,
    `INDEX_FILE = '${dir}/storage/index'`,
    `DATABASES = {'default': {'NAME': '${dir}/graphite.db', 'ENGINE': 'django.db.backends.sqlite3'}}`,
    'CARBONLINK_HOSTS = []',
  ].join('\n'));
  const env = { ...process.env, PYTHONPATH: settings, DJANGO_SETTINGS_MODULE: 'test_settings' };
  sh(path.join(VENV, 'bin', 'django-admin'), ['migrate', '--run-syncdb', '-v', '0'], env, dir);
  const out = fs.openSync(path.join(dir, 'log', 'gunicorn.out'), 'w');
  const child: ChildProcess = spawn(path.join(VENV, 'bin', 'gunicorn'), ['graphite.wsgi', '--preload', '--workers=1', `--bind=127.0.0.1:${port}`],
    { env, cwd: dir, stdio: ['ignore', out, out] });
  const log = () => fs.readFileSync(path.join(dir, 'log', 'gunicorn.out'), 'utf8');
  const deadline = Date.now() + 30_000;
  while (!(await answers(port))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`graphite-web did not start on 127.0.0.1:${port}:\n${log()}`);
    await new Promise(r => setTimeout(r, 200));
  }
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }
    while (await answers(port)) await new Promise(r => setTimeout(r, 100));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { port, log, stop };
}

function answers(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const req = http.get({ host: '127.0.0.1', port, path: '/events/get_data' }, res => { res.resume(); resolve(res.statusCode === 200); });
    req.on('error', () => resolve(false));
  });
}
