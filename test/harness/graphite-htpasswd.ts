import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Runs the metrics instance's real boot step shell/sitespeed-graphite-auth.sh with a fake `aws`
 * that answers get-secret-value with `secret` (or fails, as a missing permission would, when it
 * is undefined), and returns the htpasswd file it wrote.
 */
const SCRIPT = path.join(__dirname, '..', '..', 'shell', 'sitespeed-graphite-auth.sh');
export const SECRET = 'arn:aws:secretsmanager:eu-north-1:123456789012:secret:GraphiteAuth-abc';

export function htpasswdFromBootStep(secret: string | undefined) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graphite-auth-'));
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'secret'), secret ?? '');
  fs.writeFileSync(path.join(dir, 'bin', 'aws'), `#!/bin/bash
echo "aws $*" >> "${dir}/calls.log"
${secret === undefined ? 'exit 254' : `cat "${dir}/secret"`}
`, { mode: 0o755 });
  const file = path.join(dir, 'etc', 'graphite', 'htpasswd');
  const result = spawnSync('bash', [SCRIPT], {
    encoding: 'utf8',
    env: { PATH: `${dir}/bin:/usr/bin:/bin`, SECRET_ARN: SECRET, AWS_REGION: 'eu-north-1', HTPASSWD_FILE: file, AUTH_ATTEMPTS: '2', AUTH_PAUSE_SECONDS: '0' },
  });
  return { dir, file, result, calls: () => fs.readFileSync(path.join(dir, 'calls.log'), 'utf8').trim().split('\n') };
}

