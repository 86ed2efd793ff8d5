import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { htpasswdFromBootStep, SECRET } from '../harness/graphite-htpasswd';

/**
 * The metrics instance's boot step that turns the stack's Graphite credentials into the htpasswd
 * file the Graphite container's nginx reads (shell/sitespeed-graphite-auth.sh), run for real with
 * a fake `aws` that answers get-secret-value (or fails, as a missing permission would). What the
 * real nginx makes of the file: test/e2e/graphite-auth.e2e.ts.
 */

/** nginx's {SSHA}: base64 of SHA-1(password + salt) followed by the salt. */
function sshaMatches(entry: string, password: string): boolean {
  const raw = Buffer.from(entry.replace('{SSHA}', ''), 'base64');
  const digest = raw.subarray(0, 20);
  const salt = raw.subarray(20);
  return salt.length > 0 && crypto.createHash('sha1').update(Buffer.concat([Buffer.from(password), salt])).digest().equals(digest);
}

test('writes the secret\'s user with its password as salted SHA-1, which nginx checks itself', () => {
  const box = htpasswdFromBootStep('{"username":"sitespeed","password":"Xy7pQ2mN9rT4vW8zA1bC3dE5fG6hJ0kL"}');
  expect(box.result.status).toBe(0);
  const lines = fs.readFileSync(box.file, 'utf8').trim().split('\n');
  expect(lines).toHaveLength(1);
  const [user, hash] = lines[0].split(':');
  expect(user).toBe('sitespeed');
  expect(hash).toMatch(/^\{SSHA\}[A-Za-z0-9+/]+=*$/);
  expect(sshaMatches(hash, 'Xy7pQ2mN9rT4vW8zA1bC3dE5fG6hJ0kL')).toBe(true);
  expect(sshaMatches(hash, 'guest')).toBe(false);
  expect(lines[0]).not.toContain('Xy7pQ2mN9rT4vW8zA1bC3dE5fG6hJ0kL');
  expect(box.calls()).toEqual([`aws secretsmanager get-secret-value --region eu-north-1 --secret-id ${SECRET} --query SecretString --output text`]);
  expect((fs.statSync(box.file).mode & 0o777).toString(8)).toBe('644'); // eslint-disable-line no-bitwise
  expect(fs.readdirSync(path.dirname(box.file))).toEqual(['htpasswd']);
});

test('a fresh salt at every boot: two writes of one password differ and both match', () => {
  const secret = '{"username":"sitespeed","password":"abc123"}';
  const [a, b] = [htpasswdFromBootStep(secret), htpasswdFromBootStep(secret)].map(box => fs.readFileSync(box.file, 'utf8').trim().split(':')[1]);
  expect(a).not.toBe(b);
  expect(sshaMatches(a, 'abc123') && sshaMatches(b, 'abc123')).toBe(true);
});

test.each([
  ['the secret cannot be read', undefined, /attempt 2: could not read/],
  ['the secret is not the expected JSON', 'not json', /no usable Graphite credentials/],
  ['the user name could break the file', '{"username":"a:b\\nroot","password":"x"}', /no usable Graphite credentials/],
])('%s: the boot goes on and the file admits nobody (never the image\'s guest/guest)', (_name, secret, message) => {
  const box = htpasswdFromBootStep(secret);
  expect(box.result.status).toBe(0);
  expect(box.result.stderr).toMatch(message);
  const text = fs.readFileSync(box.file, 'utf8');
  expect(text.split('\n').filter(l => l && !l.startsWith('#'))).toEqual([]);
});
