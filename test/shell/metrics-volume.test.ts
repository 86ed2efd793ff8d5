/**
 * The metrics volume's boot script against real block devices: file-backed loop devices,
 * formatted and mounted for real. Needs root (CI runs as root); without it the suite is one
 * skipped test that says so (test/harness/skips.ts).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { asRoot } from '../harness/skips';

const SCRIPT = path.join(__dirname, '..', '..', 'shell', 'sitespeed-metrics-volume.sh');
const VOLUME_ID = 'vol-0123456789abcdef0';
const ME = 'i-0aaaaaaaaaaaaaaaa';

interface Box {
  readonly dir: string;
  readonly mountPoint: string;
  readonly env: NodeJS.ProcessEnv;
  readonly calls: () => string[];
}

const loops: string[] = [];
const mounts: string[] = [];

/** A loop device over a fresh 64 MiB file, optionally with an ext4 filesystem holding one file. */
function loopDevice(dir: string, name: string, withData?: string): string {
  const image = path.join(dir, `${name}.img`);
  fs.writeFileSync(image, '');
  fs.truncateSync(image, 64 * 1024 * 1024);
  const device = execFileSync('losetup', ['-f', '--show', image], { encoding: 'utf8' }).trim();
  loops.push(device);
  if (withData !== undefined) {
    execFileSync('mkfs.ext4', ['-q', '-L', 'old-data', device]);
    const at = fs.mkdtempSync(path.join(dir, 'prefill-'));
    execFileSync('mount', [device, at]);
    fs.mkdirSync(path.join(at, 'graphite', 'whisper'), { recursive: true });
    fs.writeFileSync(path.join(at, 'graphite', 'whisper', 'page.wsp'), withData);
    execFileSync('umount', [at]);
  }
  return device;
}

/** Every sandbox of a test, removed after it (each holds a loop-device image). */
const sandboxes: string[] = [];

/**
 * A scratch folder with a fake `aws` that plays the EC2 API: the volume's state is in a file,
 * `attach-volume` attaches it to this instance, and `freeAfter` describes free it from another holder.
 */
function sandbox(options: { state?: string; freeAfter?: number; attachWorks?: boolean } = {}): Box {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-volume-'));
  sandboxes.push(dir);
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'state'), `${options.state ?? 'available\tNone'}\n`);
  fs.writeFileSync(path.join(dir, 'bin', 'aws'), `#!/bin/bash
echo "aws $*" >> "${dir}/calls.log"
case "$2" in
  describe-volumes)
    n=$(grep -c describe-volumes "${dir}/calls.log")
    if [ "$n" -gt "${options.freeAfter ?? 1000}" ] && grep -q '^in-use' "${dir}/state" && ! grep -q '${ME}' "${dir}/state"; then
      printf 'available\\tNone\\n' > "${dir}/state"
    fi
    cat "${dir}/state" ;;
  attach-volume)
    ${options.attachWorks === false ? 'exit 1' : `printf 'in-use\\t${ME}\\n' > "${dir}/state"`} ;;
esac
`, { mode: 0o755 });
  const mountPoint = path.join(dir, 'data', 'metrics');
  mounts.push(mountPoint);
  return {
    dir,
    mountPoint,
    env: {
      PATH: `${dir}/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      BOOT_ROOT: path.join(dir, 'root'),
      VOLUME_ID,
      INSTANCE_ID: ME,
      MOUNT_POINT: mountPoint,
      AWS_REGION: 'eu-north-1',
      ECS_ATTRIBUTE: 'cdk-sitespeed.metrics-volume',
      POLL_SECONDS: '0',
      ATTACH_WAIT_SECONDS: '5',
      DEVICE_WAIT_SECONDS: '2',
    },
    calls: () => (fs.existsSync(`${dir}/calls.log`) ? fs.readFileSync(`${dir}/calls.log`, 'utf8').trim().split('\n') : []),
  };
}

function run(box: Box, extra: NodeJS.ProcessEnv) {
  return spawnSync('bash', [SCRIPT], { env: { ...box.env, ...extra }, encoding: 'utf8' });
}

function isMounted(at: string): boolean {
  return spawnSync('mountpoint', ['-q', at]).status === 0;
}

function blkid(device: string, tag: string): string {
  return spawnSync('blkid', ['-p', '-s', tag, '-o', 'value', device], { encoding: 'utf8' }).stdout.trim();
}

function read(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

asRoot('metrics volume boot script on loop devices', () => {
  afterEach(() => {
    for (const at of mounts.splice(0)) {
      if (isMounted(at)) execFileSync('umount', [at]);
      if (fs.existsSync(at)) spawnSync('chattr', ['-i', at]);
    }
    for (const device of loops.splice(0)) spawnSync('losetup', ['-d', device]);
    for (const dir of sandboxes.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a blank volume ends attached, formatted, mounted, in fstab, with the data folders and the ECS attribute', () => {
    const box = sandbox();
    const device = loopDevice(box.dir, 'blank');
    const result = run(box, { DEVICE_PATHS: `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_none ${device}` });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);

    expect(box.calls()).toEqual([
      `aws ec2 describe-volumes --region eu-north-1 --volume-ids ${VOLUME_ID} --query Volumes[0].[State, Attachments[0].InstanceId] --output text`,
      `aws ec2 attach-volume --region eu-north-1 --volume-id ${VOLUME_ID} --instance-id ${ME} --device /dev/xvdf`,
      `aws ec2 describe-volumes --region eu-north-1 --volume-ids ${VOLUME_ID} --query Volumes[0].[State, Attachments[0].InstanceId] --output text`,
    ]);
    expect(blkid(device, 'TYPE')).toBe('ext4');
    expect(blkid(device, 'LABEL')).toBe('sitespeed-data');
    expect(isMounted(box.mountPoint)).toBe(true);
    expect(read(`${box.env.BOOT_ROOT}/etc/fstab`)).toBe(`UUID=${blkid(device, 'UUID')} ${box.mountPoint} ext4 defaults,noatime,nofail 0 2\n`);
    expect(fs.readdirSync(box.mountPoint).sort()).toEqual(['grafana', 'grafana-dashboards', 'graphite', 'lost+found']);
    expect(fs.statSync(path.join(box.mountPoint, 'grafana')).uid).toBe(472);
    expect(read(`${box.env.BOOT_ROOT}/etc/ecs/ecs.config`)).toBe('ECS_INSTANCE_ATTRIBUTES={"cdk-sitespeed.metrics-volume":"mounted"}\n');

    // Unmounted, the mount point refuses writes: data can never land on the root disk instead.
    execFileSync('umount', [box.mountPoint]);
    expect(() => fs.mkdirSync(path.join(box.mountPoint, 'graphite'))).toThrow(/EPERM|operation not permitted/);
  });

  test('a volume that already holds data is mounted as it is: same filesystem, data intact', () => {
    const box = sandbox();
    const device = loopDevice(box.dir, 'data', 'whisper bytes of 2025');
    const uuidBefore = blkid(device, 'UUID');
    const result = run(box, { DEVICE_PATHS: device });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);

    expect(blkid(device, 'UUID')).toBe(uuidBefore);
    expect(blkid(device, 'LABEL')).toBe('old-data');
    expect(read(path.join(box.mountPoint, 'graphite', 'whisper', 'page.wsp'))).toBe('whisper bytes of 2025');
    expect(result.stdout).not.toContain('creating an ext4 filesystem');
  });

  test('a device that never appears ends in a clear failure: nothing formatted, nothing mounted, no ECS attribute', () => {
    const box = sandbox();
    const bystander = loopDevice(box.dir, 'bystander');
    const result = run(box, { DEVICE_PATHS: path.join(box.dir, 'no-such-device') });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`no block device for ${VOLUME_ID} appeared within 2s`);
    expect(result.stderr).toContain('nothing was formatted or mounted');
    expect(isMounted(box.mountPoint)).toBe(false);
    expect(blkid(bystander, 'TYPE')).toBe('');
    expect(read(`${box.env.BOOT_ROOT}/etc/ecs/ecs.config`)).toBe('');
    expect(read(`${box.env.BOOT_ROOT}/etc/fstab`)).toBe('');
  });

  test('a device that is mounted elsewhere (the root disk, say) is refused and left untouched', () => {
    const box = sandbox();
    const device = loopDevice(box.dir, 'in-use', 'the root disk');
    const elsewhere = fs.mkdtempSync(path.join(box.dir, 'elsewhere-'));
    execFileSync('mount', [device, elsewhere]);
    mounts.push(elsewhere);
    const uuidBefore = blkid(device, 'UUID');

    const result = run(box, { DEVICE_PATHS: device });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`is already mounted at ${elsewhere}`);
    expect(blkid(device, 'UUID')).toBe(uuidBefore);
    expect(read(path.join(elsewhere, 'graphite', 'whisper', 'page.wsp'))).toBe('the root disk');
    expect(isMounted(box.mountPoint)).toBe(false);
  });

  test('a volume still held by the replaced instance is waited for, then attached', () => {
    const box = sandbox({ state: 'in-use\ti-0old0000000000000', freeAfter: 2 });
    const device = loopDevice(box.dir, 'held');
    const result = run(box, { DEVICE_PATHS: device });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('is in-use (held by i-0old0000000000000); waiting for it');
    const verbs = box.calls().map(c => c.split(' ')[2]);
    expect(verbs).toEqual(['describe-volumes', 'describe-volumes', 'describe-volumes', 'attach-volume', 'describe-volumes']);
    expect(isMounted(box.mountPoint)).toBe(true);
  });

  test('a volume that never becomes free fails after the wait, without touching any device', () => {
    const box = sandbox({ state: 'in-use\ti-0old0000000000000' });
    const device = loopDevice(box.dir, 'never-free');
    const result = run(box, { DEVICE_PATHS: device, ATTACH_WAIT_SECONDS: '0' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`${VOLUME_ID} did not become attached to ${ME} within 0s (state: in-use, held by i-0old0000000000000)`);
    expect(blkid(device, 'TYPE')).toBe('');
    expect(box.calls().some(c => c.includes('attach-volume'))).toBe(false);
  });

  test('after a reboot (volume already mounted) it only refreshes the folders and the attribute', () => {
    const box = sandbox();
    const device = loopDevice(box.dir, 'reboot');
    expect(run(box, { DEVICE_PATHS: device }).status).toBe(0);
    const second = run(box, { DEVICE_PATHS: device });
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('is already mounted');
    expect(read(`${box.env.BOOT_ROOT}/etc/fstab`).split('\n').filter(Boolean)).toHaveLength(1);
    expect(read(`${box.env.BOOT_ROOT}/etc/ecs/ecs.config`)).toBe('ECS_INSTANCE_ATTRIBUTES={"cdk-sitespeed.metrics-volume":"mounted"}\n');
  });
});
