import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { SitespeedCluster } from '../../src';
import { installedShell } from '../../src/private/boot-shell';
import { testTool } from '../harness/tools';
import { stackWithVpc, userDataOf } from '../helpers';

const SHELL_DIR = path.join(__dirname, '..', '..', 'shell');
const BOOT = path.join(SHELL_DIR, 'sitespeed-instance-boot.sh');

/** A scratch folder with fake commands (each logs its arguments to calls.log). */
function sandbox(fakes: Record<string, string>): { dir: string; bin: string; env: NodeJS.ProcessEnv; calls: () => string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boot-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  for (const [name, body] of Object.entries(fakes)) {
    fs.writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $*" >> "${dir}/calls.log"\n${body}\n`, { mode: 0o755 });
  }
  const env = { PATH: `${bin}:/usr/bin:/bin`, BOOT_ROOT: path.join(dir, 'root') };
  const calls = () => (fs.existsSync(`${dir}/calls.log`) ? fs.readFileSync(`${dir}/calls.log`, 'utf8').trim().split('\n') : []);
  return { dir, bin, env, calls };
}

test('every shell script, shipped or run by the tests and CI, is shellcheck-clean', () => {
  const root = path.join(SHELL_DIR, '..');
  const shipped = fs.readdirSync(SHELL_DIR).filter(f => f.endsWith('.sh')).map(f => path.join(SHELL_DIR, f));
  const dev = (fs.readdirSync(path.join(root, 'test'), { recursive: true }) as string[])
    .filter(f => f.endsWith('.sh')).map(f => path.join(root, 'test', f));
  expect(shipped.length).toBeGreaterThan(0);
  expect(dev).toContain(path.join(root, 'test', 'tools', 'bootstrap.sh'));
  const scripts = [...shipped, ...dev, path.join(root, '.ci', 'run')];
  const result = spawnSync(testTool('shellcheck'), ['--severity=style', ...scripts], { encoding: 'utf8' });
  if (result.error) throw new Error(`shellcheck could not run: ${result.error.message}`);
  expect(result.stdout + result.stderr).toBe('');
  expect(result.status).toBe(0);
});

test('the copies the instances get (comment lines stripped, for EC2\'s 16 KB of user data) parse and keep every other line', () => {
  const scripts = fs.readdirSync(SHELL_DIR).filter(f => f.endsWith('.sh'));
  expect(scripts.length).toBeGreaterThan(5);
  for (const name of scripts) {
    const repo = fs.readFileSync(path.join(SHELL_DIR, name), 'utf8').trimEnd().split('\n');
    const installed = installedShell(name);
    expect({ name, lines: installed.split('\n') }).toEqual({ name, lines: repo.filter((l, i) => i === 0 || !/^\s*#/.test(l)) });
    expect(installed.startsWith('#!/bin/bash\n')).toBe(true);
    const check = spawnSync('bash', ['-n'], { input: installed, encoding: 'utf8' });
    expect({ name, status: check.status, stderr: check.stderr }).toEqual({ name, status: 0, stderr: '' });
  }
});

test('the boot script configures prefer-cached pulls and starts the pre-pull unit without waiting', () => {
  const box = sandbox({ systemctl: '' });
  const result = spawnSync('bash', [BOOT], {
    env: { ...box.env, SITESPEED_IMAGE: 'sitespeedio/sitespeed.io:42.7.0', AWS_REGION: 'eu-north-1' },
    encoding: 'utf8',
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const root = box.env.BOOT_ROOT!;
  expect(fs.readFileSync(`${root}/etc/ecs/ecs.config`, 'utf8')).toBe('ECS_IMAGE_PULL_BEHAVIOR=prefer-cached\n');
  expect(fs.readFileSync(`${root}/etc/sitespeed/prepull.env`, 'utf8'))
    .toBe('SITESPEED_IMAGE=sitespeedio/sitespeed.io:42.7.0\nECR_REGISTRY=\nAWS_REGION=eu-north-1\n');
  const unit = fs.readFileSync(`${root}/etc/systemd/system/sitespeed-prepull.service`, 'utf8');
  expect(unit).toContain('Requires=docker.service');
  expect(unit).toContain('ExecStart=/usr/local/bin/sitespeed-prepull');
  expect(box.calls()).toEqual(['systemctl daemon-reload', 'systemctl enable --now --no-block sitespeed-prepull.service']);
});

describe('shaping modules (ifb, sch_netem) on the ECS-optimised AL2023 AMI', () => {
  const boot = (fakes: Record<string, string>) => {
    const box = sandbox({ systemctl: '', uname: 'echo 6.1.158-180.294.amzn2023.x86_64', ...fakes });
    const result = spawnSync('bash', [BOOT], { env: { ...box.env, SITESPEED_IMAGE: 'img:1', SHAPING_MODULES: 'true' }, encoding: 'utf8' });
    const root = box.env.BOOT_ROOT!;
    return { ...box, result, root, ecsConfig: () => fs.readFileSync(`${root}/etc/ecs/ecs.config`, 'utf8') };
  };
  // A fake modprobe that fails until kernel-modules-extra is "installed" (a marker dnf leaves).
  const modprobeNeedsExtra = 'test -f "$(dirname "$0")/../extra-installed"';
  const dnfInstalls = 'touch "$(dirname "$0")/../extra-installed"';

  test('present: loaded now and after every reboot; the instance says shaping is ready', () => {
    const box = boot({ modprobe: '', dnf: '' });
    expect(box.result.status).toBe(0);
    expect(fs.readFileSync(`${box.root}/etc/modules-load.d/sitespeed.conf`, 'utf8')).toBe('ifb\nsch_netem\n');
    expect(fs.readFileSync(`${box.root}/etc/modprobe.d/sitespeed.conf`, 'utf8')).toBe('options ifb numifbs=1\n');
    expect(box.calls().filter(c => /^(modprobe|dnf)/.test(c))).toEqual(['modprobe ifb numifbs=1', 'modprobe sch_netem']);
    expect(box.ecsConfig()).toContain('ECS_INSTANCE_ATTRIBUTES={"cdk-sitespeed.shaping":"ready"}\n');
  });

  test('absent: whatever package provides the modules\' files for the running kernel is installed (by path, not by a package name that changes between kernels), then they load; ready', () => {
    const box = boot({ modprobe: modprobeNeedsExtra, dnf: dnfInstalls });
    expect(box.result.status).toBe(0);
    expect(box.calls().filter(c => /^(modprobe|dnf)/.test(c))).toEqual([
      'modprobe ifb numifbs=1',
      'dnf install -y /usr/lib/modules/6.1.158-180.294.amzn2023.x86_64/kernel/net/sched/sch_netem.ko* /usr/lib/modules/6.1.158-180.294.amzn2023.x86_64/kernel/drivers/net/ifb.ko*',
      'modprobe ifb numifbs=1',
      'modprobe sch_netem',
    ]);
    expect(box.result.stderr).toContain('loaded ifb and sch_netem from the packages that provide them');
    expect(box.ecsConfig()).toContain('"cdk-sitespeed.shaping":"ready"');
  });

  test('absent and not installable: the boot goes on (pre-pull, prefer-cached), and the instance says unavailable', () => {
    const box = boot({ modprobe: 'exit 1', dnf: 'exit 1' });
    expect(box.result.status).toBe(0);
    expect(box.result.stderr).toContain('ifb or sch_netem cannot be loaded; throttled runs will not be placed here');
    expect(box.ecsConfig()).toContain('ECS_IMAGE_PULL_BEHAVIOR=prefer-cached');
    expect(box.ecsConfig()).toContain('ECS_INSTANCE_ATTRIBUTES={"cdk-sitespeed.shaping":"unavailable"}');
    expect(box.calls()).toContain('systemctl enable --now --no-block sitespeed-prepull.service');
  });
});

test('without shaping, no module is loaded', () => {
  const box = sandbox({ systemctl: '', modprobe: '' });
  spawnSync('bash', [BOOT], { env: { ...box.env, SITESPEED_IMAGE: 'img:1' } });
  expect(box.calls().filter(c => c.startsWith('modprobe'))).toEqual([]);
  expect(fs.existsSync(`${box.env.BOOT_ROOT}/etc/modules-load.d/sitespeed.conf`)).toBe(false);
});

test('the boot script refuses to run without an image to pull', () => {
  const box = sandbox({ systemctl: '' });
  const result = spawnSync('bash', [BOOT], { env: box.env, encoding: 'utf8' });
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain('SITESPEED_IMAGE must name the image to pre-pull');
  expect(box.calls()).toEqual([]);
});

describe('the pre-pull the unit runs', () => {
  function installPrepull(fakes: Record<string, string>) {
    const box = sandbox({ systemctl: '', ...fakes });
    spawnSync('bash', [BOOT], { env: { ...box.env, SITESPEED_IMAGE: 'img:1' } });
    return { ...box, prepull: path.join(box.env.BOOT_ROOT!, 'usr/local/bin/sitespeed-prepull') };
  }

  test('retries until the pull succeeds', () => {
    // docker fails twice (registry not reachable yet), then succeeds.
    const box = installPrepull({ docker: 'n=$(grep -c "^docker pull" "$(dirname "$0")/../calls.log"); [ "$n" -ge 3 ]' });
    const result = spawnSync('bash', [box.prepull], {
      env: { ...box.env, SITESPEED_IMAGE: 'img:1', PREPULL_PAUSE_SECONDS: '0' }, encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('pulled img:1 (attempt 3)');
    expect(box.calls().filter(c => c.startsWith('docker'))).toEqual(['docker pull img:1', 'docker pull img:1', 'docker pull img:1']);
  });

  test('logs in to ECR before pulling from it', () => {
    const box = installPrepull({ docker: 'cat > /dev/null; true', aws: 'echo token' });
    const result = spawnSync('bash', [box.prepull], {
      env: { ...box.env, SITESPEED_IMAGE: 'r/img:1', ECR_REGISTRY: '1.dkr.ecr.eu-north-1.amazonaws.com', AWS_REGION: 'eu-north-1' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    const calls = box.calls().filter(c => !c.startsWith('systemctl'));
    // The two sides of the login pipe start together, so their order in the log is not fixed.
    expect(calls.slice(0, 2).sort()).toEqual([
      'aws ecr get-login-password --region eu-north-1',
      'docker login --username AWS --password-stdin 1.dkr.ecr.eu-north-1.amazonaws.com',
    ]);
    expect(calls.slice(2)).toEqual(['docker pull r/img:1']);
  });

  test('gives up after the attempts and says ECS will pull instead', () => {
    const box = installPrepull({ docker: 'exit 1' });
    const result = spawnSync('bash', [box.prepull], {
      env: { ...box.env, SITESPEED_IMAGE: 'img:1', PREPULL_ATTEMPTS: '2', PREPULL_PAUSE_SECONDS: '0' }, encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('could not pull img:1 after 2 attempts; ECS will pull it for the first run');
  });
});

test('the synthesized user data is valid bash', () => {
  const { stack, vpc } = stackWithVpc();
  new SitespeedCluster(stack, 'Sitespeed', { vpc });
  // CloudFormation references (<Logical.Id>) become plain words, as they will be at deploy.
  const userData = userDataOf(Template.fromStack(stack)).replace(/<([A-Za-z0-9:.]+)>/g, 'CFN_$1');
  const result = spawnSync('bash', ['-n'], { input: userData, encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
});
