import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const SHELL_DIR = path.join(__dirname, '..', '..', 'shell');

/** A scratch folder with a fake `aws` that logs its arguments and exits with AWS_EXIT (or fails the first N calls). */
function sandbox(awsBody = 'exit 0') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-sync-'));
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'bin', 'aws'), `#!/bin/bash\necho "aws $*" >> "${dir}/calls.log"\n${awsBody}\n`, { mode: 0o755 });
  const calls = () => (fs.existsSync(`${dir}/calls.log`) ? fs.readFileSync(`${dir}/calls.log`, 'utf8').trim().split('\n') : []);
  return { dir, PATH: `${dir}/bin:/usr/bin:/bin`, calls };
}

test('the sync mirrors the prefix into the folder with --delete, using the settings file', () => {
  const box = sandbox();
  fs.writeFileSync(`${box.dir}/config-sync.env`, `CONFIG_BUCKET=cfg\nCONFIG_PREFIX=config/\nCONFIG_DIR=${box.dir}/config\nAWS_REGION=eu-north-1\n`);
  const result = spawnSync('bash', [path.join(SHELL_DIR, 'sitespeed-sync-config.sh')], {
    env: { PATH: box.PATH, CONFIG_SYNC_ENV: `${box.dir}/config-sync.env` }, encoding: 'utf8',
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(box.calls()).toEqual([`aws s3 sync s3://cfg/config/ ${box.dir}/config --delete --no-progress --only-show-errors --region eu-north-1`]);
  expect(fs.statSync(`${box.dir}/config`).isDirectory()).toBe(true);
});

test('a failed sync fails the script, so the caller (boot or SSM) sees it', () => {
  const box = sandbox('exit 1');
  fs.writeFileSync(`${box.dir}/config-sync.env`, `CONFIG_BUCKET=cfg\nCONFIG_PREFIX=\nCONFIG_DIR=${box.dir}/config\n`);
  const result = spawnSync('bash', [path.join(SHELL_DIR, 'sitespeed-sync-config.sh')], {
    env: { PATH: box.PATH, CONFIG_SYNC_ENV: `${box.dir}/config-sync.env` }, encoding: 'utf8',
  });
  expect(result.status).not.toBe(0);
  expect(box.calls()).toEqual([`aws s3 sync s3://cfg/ ${box.dir}/config --delete --no-progress --only-show-errors`]);
});

test('concurrent syncs on one instance run one after the other (flock)', () => {
  const box = sandbox('echo "start $$" >> "$(dirname "$0")/../order.log"; sleep 0.3; echo "end $$" >> "$(dirname "$0")/../order.log"');
  fs.writeFileSync(`${box.dir}/config-sync.env`, `CONFIG_BUCKET=cfg\nCONFIG_DIR=${box.dir}/config\n`);
  const script = path.join(SHELL_DIR, 'sitespeed-sync-config.sh');
  const result = spawnSync('bash', ['-c', `"${script}" & "${script}" & "${script}" & wait`], {
    env: { PATH: box.PATH, CONFIG_SYNC_ENV: `${box.dir}/config-sync.env` }, encoding: 'utf8',
  });
  expect(result.status).toBe(0);
  const order = fs.readFileSync(`${box.dir}/order.log`, 'utf8').trim().split('\n').map(l => l.split(' ')[0]);
  expect(order).toEqual(['start', 'end', 'start', 'end', 'start', 'end']);
});

test('the boot writes the settings and retries the sync until it succeeds', () => {
  // aws fails twice (instance role not ready yet), then succeeds.
  const box = sandbox('n=$(wc -l < "$(dirname "$0")/../calls.log"); [ "$n" -ge 3 ]');
  const result = spawnSync('bash', [path.join(SHELL_DIR, 'sitespeed-config-boot.sh')], {
    env: {
      PATH: box.PATH,
      BOOT_ROOT: `${box.dir}/root`,
      SYNC_PAUSE_SECONDS: '0',
      SYNC_COMMAND: path.join(SHELL_DIR, 'sitespeed-sync-config.sh'),
      CONFIG_BUCKET: 'cfg',
      CONFIG_PREFIX: 'config/',
      CONFIG_DIR: '/var/lib/sitespeed/config',
      AWS_REGION: 'eu-north-1',
    },
    encoding: 'utf8',
  });
  expect(result.status).toBe(0);
  expect(fs.readFileSync(`${box.dir}/root/etc/sitespeed/config-sync.env`, 'utf8'))
    .toBe(`CONFIG_BUCKET=cfg\nCONFIG_PREFIX=config/\nCONFIG_DIR=${box.dir}/root/var/lib/sitespeed/config\nAWS_REGION=eu-north-1\n`);
  expect(box.calls()).toHaveLength(3);
  expect(result.stderr.match(/sync attempt \d failed/g)).toEqual(['sync attempt 1 failed', 'sync attempt 2 failed']);
});

test('the boot gives up after its attempts and says the folder is empty', () => {
  const box = sandbox('exit 1');
  const result = spawnSync('bash', [path.join(SHELL_DIR, 'sitespeed-config-boot.sh')], {
    env: {
      PATH: box.PATH,
      BOOT_ROOT: `${box.dir}/root`,
      SYNC_PAUSE_SECONDS: '0',
      SYNC_ATTEMPTS: '2',
      SYNC_COMMAND: path.join(SHELL_DIR, 'sitespeed-sync-config.sh'),
      CONFIG_BUCKET: 'cfg',
      CONFIG_DIR: '/cfg',
    },
    encoding: 'utf8',
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('the config folder is empty; runs that read it fail until the next sync');
});
