/**
 * Errors a CI log can act on: without credentials, with expired ones or with keys AWS does not
 * know, `check` and `run` say which in one line and what to do, and blame nothing else (no
 * "retry", no "deploy it again"). The errors are thrown where the SDK throws them, before any
 * request leaves (a credentials provider that fails; middleware answering as the service does).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { main } from '../../cli-src/cdk-sitespeed';
import { Clients } from '../../cli-src/check/context';

const error = (name: string, message: string) => Object.assign(new Error(message), { name });

function clientsFailing(failure: Error, where: 'credentials' | 'service'): Clients {
  const cfn = new CloudFormationClient({
    region: 'eu-north-1',
    credentials: where === 'credentials' ? () => Promise.reject(failure) : { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
  });
  cfn.middlewareStack.add(() => async () => { throw failure; }, { step: 'finalizeRequest', name: 'service', priority: 'low' });
  const never = new Proxy({}, { get: () => { throw new Error('only CloudFormation is called before the stacks are found'); } });
  return {
    cfn,
    ecs: never,
    autoScaling: never,
    ssm: never,
    s3: never,
    sqs: never,
    sns: never,
    lambda: never,
    scheduler: never,
    cloudWatch: never,
    iam: never,
    httpStatus: async () => { throw new Error('no HTTP'); },
  } as unknown as Clients;
}

const cases: Array<[string, Error, 'credentials' | 'service', RegExp]> = [
  ['no credentials', error('CredentialsProviderError', 'Could not load credentials from any providers'), 'credentials', /no AWS credentials were found: set AWS_PROFILE/],
  ['expired credentials', error('ExpiredToken', 'The security token included in the request is expired'), 'service', /your AWS credentials have expired: log in again/],
  ['unknown keys', error('InvalidClientTokenId', 'The security token included in the request is invalid.'), 'service', /AWS does not recognise these credentials \(InvalidClientTokenId\)/],
];

test.each(cases)('%s: check and run say so in one line, and nothing else', async (_, failure, where, expected) => {
  let out = '';
  let err = '';
  const io = { out: (t: string) => (out += `${t}\n`), err: (t: string) => (err += t), tty: false };
  const checked = await main(['check', '--stack', 'prod-*'], io, () => clientsFailing(failure, where));
  expect(checked).toBe(1);
  const failures = out.split('\n').filter(l => /^✗ \w+: /.test(l));
  expect(failures).toEqual([expect.stringMatching(new RegExp(`^✗ stacks: ${expected.source}`))]);
  expect(out).not.toMatch(/retry|tell us|deploy (it|the stack) again/);

  out = '';
  err = '';
  const ran = await main(['run', '--stack', 'prod-*'], io, () => clientsFailing(failure, where));
  expect(ran).toBe(2);
  expect(err.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^cdk-sitespeed run: ✗ stacks: ${expected.source}`)), expect.stringMatching(/→ nothing else was called: fix the credentials/)]);
});
