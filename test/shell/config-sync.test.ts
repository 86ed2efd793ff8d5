import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ConfigSync, SitespeedCluster, SitespeedImage } from '../../src';
import { stackWithVpc, userDataOf } from '../helpers';

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

describe('hostile values reach the instance as data, never as shell', () => {
  // A prefix S3 allows (quotes, $(), ;) and an image name with a quote: through the synthesized
  // user data's own line into the shipped boot script, then through the settings file into the
  // shipped sync script (which sources it).
  const PREFIX = "co'n$(touch PWNED);fig \"x\"/";

  test('the ConfigSync prefix arrives intact in the sync, and nothing runs', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc, image: SitespeedImage.fromRegistry("registry.example.com/it's:1") });
    new ConfigSync(stack, 'Config', { cluster, bucket: s3.Bucket.fromBucketName(stack, 'Cfg', 'cfg'), prefix: PREFIX });
    // References resolve at deploy time to plain names (the cluster's): stand-ins of that shape.
    const userData = userDataOf(Template.fromStack(stack)).replace(/<AWS::Region>/g, 'eu-north-1').replace(/<([A-Za-z0-9]+)>/g, 'resolved-$1');
    expect(spawnSync('bash', ['-n'], { input: userData, encoding: 'utf8' }).status).toBe(0);

    // The user data's own lines that call the boot scripts, pointed at the repo's scripts.
    const box = sandbox();
    const envLine = (script: string) => {
      const lines = userData.split('\n');
      const at = lines.findIndex(l => l.trim().startsWith(`/usr/local/sbin/${script} ||`));
      return lines[at - 1].replace(/\\$/, '');
    };
    const run = (script: string, extra: string) => spawnSync('bash', ['-c', `${envLine(script)} ${extra} bash ${path.join(SHELL_DIR, `${script}.sh`)}`], {
      cwd: box.dir, env: { PATH: box.PATH, BOOT_ROOT: `${box.dir}/root` }, encoding: 'utf8',
    });
    const boot = run('sitespeed-config-boot', `SYNC_COMMAND=${path.join(SHELL_DIR, 'sitespeed-sync-config.sh')}`);
    expect(boot.status).toBe(0);
    expect(box.calls()).toEqual([`aws s3 sync s3://cfg/${PREFIX} ${box.dir}/root/var/lib/sitespeed/config --delete --no-progress --only-show-errors --region eu-north-1`]);
    expect(fs.existsSync(path.join(box.dir, 'PWNED'))).toBe(false);
    // The image name reaches the instance boot as one value too.
    expect(envLine('sitespeed-instance-boot')).toContain("SITESPEED_IMAGE='registry.example.com/it'\\''s:1'");
    const image = spawnSync('bash', ['-c', `${envLine('sitespeed-instance-boot')} bash -c 'printf %s "$SITESPEED_IMAGE"'`], { encoding: 'utf8' });
    expect(image.stdout).toBe("registry.example.com/it's:1");
  });
});
