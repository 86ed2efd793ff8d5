import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { remoteCommand } from '../../cli-src/check/remote-shell';

// The config probe's edges that the check's moto test does not reach (there it runs on an
// instance with ConfigSync and a working AWS CLI): run as SSM would, through remoteCommand.
const SCRIPT = fs.readFileSync(path.join(__dirname, '..', '..', 'shell', 'sitespeed-check-config.sh'), 'utf8');

function probe(env: Record<string, string>, aws: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-'));
  try {
    fs.writeFileSync(path.join(dir, 'aws'), `#!/bin/bash\n${aws}\n`, { mode: 0o755 });
    const configDir = path.join(dir, 'config');
    fs.mkdirSync(configDir);
    fs.writeFileSync(path.join(dir, 'config-sync.env'), `CONFIG_BUCKET=bucket\nCONFIG_PREFIX=config/\nCONFIG_DIR=${configDir}\n`);
    const command = remoteCommand(SCRIPT, { CONFIG_SYNC_ENV: env.CONFIG_SYNC_ENV ?? path.join(dir, 'config-sync.env') });
    return spawnSync('bash', ['-c', command], { encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin` } });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('an instance of a cluster without ConfigSync: config=none, exit 0 (the check says not checked)', () => {
  const result = probe({ CONFIG_SYNC_ENV: '/nonexistent/config-sync.env' }, 'exit 99');
  expect(result.stdout).toBe('config=none\n');
  expect(result.status).toBe(0);
});

test('a sync dry run that fails (no access to the bucket): config=unreadable, exit 1', () => {
  const result = probe({}, 'echo "fatal error: AccessDenied" >&2; exit 1');
  expect(result.stdout).toBe('config=unreadable\n');
  expect(result.stderr).toContain('AccessDenied');
  expect(result.status).toBe(1);
});

test('the dry run is the instance\'s own sync (bucket, prefix, folder, --delete) with --dryrun', () => {
  const result = probe({}, 'echo "$*" >&2');
  expect(result.stderr).toMatch(/^s3 sync s3:\/\/bucket\/config\/ \S+\/config --dryrun --delete --no-progress$/m);
  expect(result.stdout).toBe('files=0\nchanges=0\nconfig=current\n');
});
