import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { motoEndpoint } from '../harness/moto';
import { testTool } from '../harness/tools';

/**
 * The boot step of Connectivity.hostTc that writes S3's ranges for the wrapper
 * (shell/sitespeed-aws-ranges.sh), run for real with an `aws` on PATH that answers the two calls
 * it makes from moto's EC2 (which carries the AWS-managed prefix lists of every region), in the
 * AWS CLI's text output; or that fails, as a missing permission or network would.
 */
const SCRIPT = path.join(__dirname, '..', '..', 'shell', 'sitespeed-aws-ranges.sh');

const AWS_FROM_MOTO = `#!${testTool('python')}
import os, sys
import boto3
args = sys.argv[1:]
with open(os.environ['CALLS_LOG'], 'a') as log:
    log.write(' '.join(args) + '\\n')
if os.environ.get('AWS_FAILS'):
    sys.exit('An error occurred (UnauthorizedOperation) when calling the operation')
value = lambda name: args[args.index(name) + 1]
ec2 = boto3.client('ec2', region_name=value('--region'), endpoint_url=os.environ['MOTO_ENDPOINT'],
                   aws_access_key_id='testing', aws_secret_access_key='testing')
if args[1] == 'describe-managed-prefix-lists':
    name = value('--filters').split('Values=')[1]
    lists = ec2.describe_managed_prefix_lists(Filters=[{'Name': 'prefix-list-name', 'Values': [name]}])['PrefixLists']
    print(lists[0]['PrefixListId'] if lists else 'None')
elif args[1] == 'get-managed-prefix-list-entries':
    entries = ec2.get_managed_prefix_list_entries(PrefixListId=value('--prefix-list-id'))['Entries']
    print('\\t'.join(os.environ.get('EXTRA_ENTRY', '').split() + [e['Cidr'] for e in entries]))
`;

function sandbox() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aws-ranges-'));
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'bin', 'aws'), AWS_FROM_MOTO, { mode: 0o755 });
  const file = path.join(dir, 'lib', 'exempt-cidrs.txt');
  const run = (env: Record<string, string> = {}) => spawnSync('bash', [SCRIPT], {
    encoding: 'utf8',
    env: {
      PATH: `${dir}/bin:/usr/bin:/bin`,
      MOTO_ENDPOINT: motoEndpoint(),
      CALLS_LOG: path.join(dir, 'calls.log'),
      AWS_REGION: 'eu-north-1',
      RANGES_FILE: file,
      RANGES_ATTEMPTS: '2',
      RANGES_PAUSE_SECONDS: '0',
      ...env,
    },
  });
  const calls = () => fs.readFileSync(path.join(dir, 'calls.log'), 'utf8').trim().split('\n');
  return { dir, file, run, calls };
}

test('writes the region\'s S3 prefix list entries, one CIDR per line, found by the list\'s name', () => {
  const box = sandbox();
  const result = box.run();
  expect(result.status).toBe(0);
  const lines = fs.readFileSync(box.file, 'utf8').trim().split('\n');
  expect(lines[0]).toMatch(/^# S3 in eu-north-1 \(com\.amazonaws\.eu-north-1\.s3, pl-[0-9a-f]+\)/);
  const cidrs = lines.slice(1);
  expect(cidrs.length).toBeGreaterThan(0);
  for (const cidr of cidrs) expect(cidr).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
  expect(result.stderr).toContain(`${cidrs.length} S3 ranges of eu-north-1 in ${box.file}`);
  expect(box.calls()[0]).toBe('ec2 describe-managed-prefix-lists --region eu-north-1 --filters Name=prefix-list-name,Values=com.amazonaws.eu-north-1.s3 --query PrefixLists[0].PrefixListId --output text');
  expect(box.calls()[1]).toMatch(/^ec2 get-managed-prefix-list-entries --region eu-north-1 --prefix-list-id pl-[0-9a-f]+ --query Entries\[\]\.Cidr --output text$/);
  expect(fs.readdirSync(path.dirname(box.file))).toEqual(['exempt-cidrs.txt']);
});

test('an entry that is not an IPv4 CIDR is left out, with a log line', () => {
  const box = sandbox();
  const result = box.run({ EXTRA_ENTRY: 'not;a-cidr' });
  expect(result.status).toBe(0);
  expect(result.stderr).toContain("skipping 'not;a-cidr': not an IPv4 CIDR");
  expect(fs.readFileSync(box.file, 'utf8')).not.toContain('not;a-cidr');
});

test('when the prefix list cannot be read, the boot goes on, no file is left and the log says uploads are shaped', () => {
  const box = sandbox();
  fs.mkdirSync(path.dirname(box.file));
  fs.writeFileSync(box.file, '203.0.113.0/24\n'); // a stale list from before must not stay
  const result = box.run({ AWS_FAILS: '1' });
  expect(result.status).toBe(0);
  expect(fs.existsSync(box.file)).toBe(false);
  expect(result.stderr).toContain('attempt 2: could not read the prefix list com.amazonaws.eu-north-1.s3');
  expect(result.stderr).toContain('no S3 ranges for eu-north-1: report uploads will be shaped with the test traffic');
  expect(box.calls()).toHaveLength(2);
});

test('a region without such a list (None) is a failure, not a file of nothing', () => {
  const box = sandbox();
  const result = box.run({ AWS_REGION: 'xx-nowhere-1' });
  expect(result.status).toBe(0);
  expect(fs.existsSync(box.file)).toBe(false);
  expect(result.stderr).toContain('could not read the prefix list com.amazonaws.xx-nowhere-1.s3');
});
