/**
 * The dashboards fetch against a release-shaped archive served from 127.0.0.1, and against a fake
 * `aws` for s3:// sources.
 */
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';

const SCRIPT = path.join(__dirname, '..', '..', 'shell', 'sitespeed-grafana-dashboards.sh');
const IN_ARCHIVE = 'docker/grafana/provisioning/dashboards';

let server: http.Server;
let base: string;
const files = new Map<string, Buffer>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const body = files.get(req.url ?? '');
    res.writeHead(body ? 200 : 404).end(body);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>(resolve => server.close(() => resolve())));

/** A .tar.gz shaped like a GitHub release archive: one top folder, dashboards deep inside. */
function releaseArchive(dir: string, dashboards: Record<string, string>): Buffer {
  const top = path.join(dir, 'src', 'sitespeed.io-42.7.0');
  const folder = path.join(top, IN_ARCHIVE);
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'default.yaml'), 'apiVersion: 1\n');
  fs.writeFileSync(path.join(top, 'package.json'), '{}');
  for (const [name, body] of Object.entries(dashboards)) fs.writeFileSync(path.join(folder, name), body);
  execFileSync('tar', ['-czf', path.join(dir, 'release.tar.gz'), '-C', path.join(dir, 'src'), 'sitespeed.io-42.7.0']);
  return fs.readFileSync(path.join(dir, 'release.tar.gz'));
}

/** The script runs in its own process, so the test's HTTP server keeps answering meanwhile. */
function run(env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise(resolve => {
    const child = spawn('bash', [SCRIPT], { env: { PATH: '/usr/bin:/bin', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    child.on('close', status => resolve({ status, stdout, stderr }));
  });
}

function listing(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

test('a release archive yields its dashboards, minus the excluded ones, readable by Grafana', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboards-'));
  files.set('/v42.7.0.tar.gz', releaseArchive(dir, { 'PageMetrics.json': '{"title":"Page"}', 'Leaderboard.json': '{}', 'Plus1.json': '{}' }));
  const target = path.join(dir, 'data', 'grafana-dashboards');
  const result = await run({
    DASHBOARDS_SOURCE: `${base}/v42.7.0.tar.gz`, DASHBOARDS_PATH: IN_ARCHIVE, DASHBOARDS_EXCLUDE: 'Plus1.json', DASHBOARDS_DIR: target,
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(listing(target)).toEqual(['Leaderboard.json', 'PageMetrics.json']);
  expect(fs.readFileSync(path.join(target, 'PageMetrics.json'), 'utf8')).toBe('{"title":"Page"}');
  expect((fs.statSync(path.join(target, 'PageMetrics.json')).mode % 8) >= 4).toBe(true); // others may read
  expect(listing(path.join(dir, 'data'))).toEqual(['grafana-dashboards']);
});

test('a failed download keeps the last good dashboards and says so', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboards-'));
  const target = path.join(dir, 'grafana-dashboards');
  fs.mkdirSync(target);
  fs.writeFileSync(path.join(target, 'Kept.json'), '{"kept":true}');
  const result = await run({ DASHBOARDS_SOURCE: `${base}/missing.tar.gz`, DASHBOARDS_PATH: IN_ARCHIVE, DASHBOARDS_DIR: target });
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain(`downloading ${base}/missing.tar.gz failed; keeping the dashboards already in ${target}`);
  expect(listing(target)).toEqual(['Kept.json']);
  expect(listing(dir)).toEqual(['grafana-dashboards']);
});

test('an archive without dashboards at the given path changes nothing', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboards-'));
  files.set('/other.tar.gz', releaseArchive(dir, { 'PageMetrics.json': '{}' }));
  const target = path.join(dir, 'grafana-dashboards');
  fs.mkdirSync(target);
  fs.writeFileSync(path.join(target, 'Kept.json'), '{}');
  const result = await run({ DASHBOARDS_SOURCE: `${base}/other.tar.gz`, DASHBOARDS_PATH: 'docs/nothing-here', DASHBOARDS_DIR: target });
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain('no dashboards (*.json) found');
  expect(listing(target)).toEqual(['Kept.json']);
});

test('an s3:// source copies only JSON files with the instance role', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboards-'));
  fs.mkdirSync(path.join(dir, 'bin'));
  // The fake aws "downloads" two files into the folder it is given (its last argument).
  fs.writeFileSync(path.join(dir, 'bin', 'aws'),
    `#!/bin/bash\necho "aws $*" >> "${dir}/calls.log"\nfor last; do :; done\necho '{}' > "$last/Mine.json"\n`, { mode: 0o755 });
  const target = path.join(dir, 'grafana-dashboards');
  const result = spawnSync('bash', [SCRIPT], {
    env: { PATH: `${dir}/bin:/usr/bin:/bin`, DASHBOARDS_SOURCE: 's3://my-bucket/dashboards/', DASHBOARDS_DIR: target, AWS_REGION: 'eu-north-1' },
    encoding: 'utf8',
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const call = fs.readFileSync(`${dir}/calls.log`, 'utf8').trim();
  expect(call).toMatch(/^aws s3 cp --region eu-north-1 --recursive --exclude \* --include \*\.json --no-progress --only-show-errors s3:\/\/my-bucket\/dashboards\/ \S+\/new$/);
  expect(listing(target)).toEqual(['Mine.json']);
});
