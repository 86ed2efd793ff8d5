import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { testApp } from './harness/nag';
import { aliasGroups, GENERATED_FILE, GENERATED_NAMES_FILE, renderOptionNamesFile, renderOptionsFile } from './sitespeed-cli/option-table';
import { optionTable, parseArgs, SITESPEED_CLI_VERSION } from './sitespeed-cli/sitespeed-cli';
import { buildReferenceApp } from '../examples/app';
import { ScheduledSite, SitespeedImage } from '../src';
import { checkOption, declaredOption, optionNames, runArgsProblems } from '../src/contract/sitespeed-args';
import { SITESPEED_OPTIONS_VERSION } from '../src/contract/sitespeed-options';

// sitespeed.io's own command-line module at the pinned image's version (its tarball, loaded with
// stubs for what parsing never calls: test/sitespeed-cli/) is the judge of what an argument means.
const table = optionTable();
const groups = aliasGroups(table);
const declaredIn42 = (spelling: string): string =>
  Object.entries(groups).find(([, aliases]) => aliases.includes(spelling))?.[0] ?? spelling;

describe(`sitespeed.io ${SITESPEED_CLI_VERSION}'s option table`, () => {
  test('the checked-in spellings are generated from the pinned version (npx projen sitespeed:options)', () => {
    expect(fs.readFileSync(path.join(__dirname, '..', GENERATED_FILE), 'utf8')).toBe(renderOptionsFile(table));
    expect(fs.readFileSync(path.join(__dirname, '..', GENERATED_NAMES_FILE), 'utf8')).toBe(renderOptionNamesFile(table));
  });

  test('the pinned image, the checked-in spellings and the CLI the tests read are one version', () => {
    expect(table.version).toBe(SITESPEED_CLI_VERSION);
    expect(SITESPEED_OPTIONS_VERSION).toBe(SITESPEED_CLI_VERSION);
    expect(SitespeedImage.DEFAULT_VERSION).toBe(SITESPEED_CLI_VERSION);
    expect(Object.keys(table.options).length).toBeGreaterThan(300);
  });
});

/** The reason the guard gives for a spelling, without the spelling itself; undefined when it passes. */
function guardReason(spelling: string): string | undefined {
  try {
    checkOption(spelling, 'sitespeedArgs');
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^sitespeedArgs: '[^']*'( \(sitespeed.io's '[^']*'\))? /, '');
  }
}

const asArgument = (spelling: string) => (spelling.length === 1 ? `-${spelling}` : `--${spelling}`);

describe('the option guard holds for every spelling sitespeed.io accepts', () => {
  const spellings = [...new Set(Object.entries(table.options).flatMap(([name, aliases]) => [name, ...aliases]))];

  test('each spelling (and its --no- form) is refused exactly when the option it sets is, for the same reason', () => {
    expect(spellings.length).toBeGreaterThan(400);
    const mismatches: string[] = [];
    for (const spelling of spellings) {
      const declared = declaredIn42(spelling);
      if (declaredOption(spelling) !== declared) mismatches.push(`${spelling}: the guard reads ${declaredOption(spelling)}, sitespeed.io ${declared}`);
      const expected = guardReason(declared);
      if (guardReason(spelling) !== expected) mismatches.push(`${spelling}: ${guardReason(spelling)} (expected ${expected})`);
      if (spelling.length > 1 && guardReason(`no-${spelling}`) !== expected) mismatches.push(`no-${spelling}: ${guardReason(`no-${spelling}`)}`);
    }
    expect(mismatches).toEqual([]);
  });

  test('runTask refuses a request with any spelling of a forbidden option, or a typed option spelled again', () => {
    const rendered = ['https://a.example/', '--browsertime.iterations', '5', '--browsertime.browser', 'chrome', '--slug', 'shop', '--utc', 'true'];
    const missed: string[] = [];
    for (const spelling of spellings.filter(s => guardReason(s) !== undefined)) {
      const typedButUnrendered = guardReason(spelling)!.startsWith('is set by') && !optionNames(rendered).map(declaredOption).includes(declaredOption(spelling));
      const args = typedButUnrendered
        ? [...rendered, asArgument(spelling), 'x', asArgument(spelling), 'y'] // twice: the rendered rules give it at most once
        : [...rendered, asArgument(spelling), 'x'];
      if (runArgsProblems('shop', args).length === 0) missed.push(spelling);
    }
    expect(missed).toEqual([]);
  });

  test(`the options of ${SITESPEED_CLI_VERSION} that hold credentials are all refused as credentials`, () => {
    const credentials = Object.keys(table.options).filter(name => guardReason(name)?.includes('it is a credential')).sort();
    expect(credentials).toEqual([
      'api.key', 'browsertime.basicAuth', 'crux.key', 'gcs.key', 'grafana.auth', 'graphite.auth', 'matrix.accessToken',
      'rsync.passphrase', 'rsync.password', 'rsync.privateKey', 'scp.passphrase', 'scp.password', 'scp.privateKey', 'slack.hookUrl',
    ]);
    // s3.key and s3.secret have a reason of their own (the task role).
    expect(guardReason('s3.secret')).toMatch(/the task role supplies credentials/);
  });

  // Proof that the guard is not guarding shadows: the real parser sets the typed option through
  // each of its other spellings (and undoes it with --no-).
  const samples: Record<string, [string, unknown]> = {
    'browsertime.iterations': ['7', 7],
    'browsertime.browser': ['firefox', 'firefox'],
    'browsertime.connectivity.profile': ['3g', '3g'],
    'browsertime.connectivity.engine': ['humble', 'humble'],
    'browsertime.connectivity.down': ['123', 123],
    'browsertime.connectivity.up': ['45', 45],
    'browsertime.connectivity.rtt': ['67', 67],
    'resultBaseURL': ['https://r.example', 'https://r.example'],
  };
  const aliasCases = Object.entries(samples)
    .flatMap(([declared, sample]) => (groups[declared] ?? []).map(alias => [alias, declared, sample] as const));
  test.each(aliasCases)('sitespeed.io reads %s as %s, and the guard refuses it', (alias, declared, [value, parsed]) => {
    const args = ['https://a.example/', asArgument(alias), value, '--browsertime.connectivity.humble.url', 'http://h.example'];
    const result = parseArgs(args);
    if (!result.accepted) throw new Error(result.message);
    expect(declared.split('.').reduce((o: any, k) => o?.[k], result.options)).toEqual(parsed);
    expect(guardReason(alias)).toBeDefined();
  });

  test('sitespeed.io reads --no-utc as utc false (the guard refuses it)', () => {
    const result = parseArgs(['https://a.example/', '--utc', 'true', '--no-utc']);
    expect(result.accepted && result.options.utc).toBe(false);
    expect(guardReason('no-utc')).toMatch(/is set by cdk-sitespeed/);
  });
});

test('sitespeed.io reads Graphite\'s credentials from SITESPEED_IO_GRAPHITE__AUTH (what the run-env shim sets), not from the arguments', () => {
  const result = parseArgs(['https://a.example/', '--graphite.host', 'graphite.sitespeed.internal'], { SITESPEED_IO_GRAPHITE__AUTH: 'sitespeed:Pw0rd' });
  if (!result.accepted) throw new Error(result.message);
  expect(result.options.graphite).toMatchObject({ host: 'graphite.sitespeed.internal', auth: 'sitespeed:Pw0rd' });
  const without = parseArgs(['https://a.example/', '--graphite.host', 'graphite.sitespeed.internal']);
  expect(without.accepted && without.options.graphite.auth).toBeUndefined();
});

/** The reference app's sites with their rendered arguments, deploy-time values filled in. */
function referenceRuns(): { slug: string; args: string[] }[] {
  const [prod] = buildReferenceApp(testApp(), { nag: false, stages: ['prod'] });
  const fill = (value: any): string => {
    if (typeof value === 'string') return value;
    const text = JSON.stringify(value);
    if (text.includes('AWS::Region')) return 'eu-north-1';
    if (text.includes('Distribution')) return 'https://d111111abcdef8.cloudfront.net';
    if (text.includes('Bucket')) return 'prod-sitespeed-reports';
    throw new Error(`no stand-in for ${text}`);
  };
  const sites = prod.sitespeed.node.findAll().filter((c): c is ScheduledSite => c instanceof ScheduledSite);
  return sites.map(site => ({ slug: site.slug, args: (Stack.of(site).resolve(site.sitespeedArgs) as any[]).map(fill) }));
}

describe(`the reference app's runs, parsed by sitespeed.io ${SITESPEED_CLI_VERSION} itself`, () => {
  const runs = referenceRuns();
  // Container paths of the config bucket's files (validateInput stats them; getURLs reads URL files).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sitespeed-cli-'));
  const local: Record<string, { file: string; text: string }> = {
    '/config/urls/docs.txt': { file: path.join(dir, 'docs.txt'), text: 'https://docs.example.com/ start\nhttps://docs.example.com/api api\n' },
    '/config/scripts/checkout.mjs': { file: path.join(dir, 'checkout.mjs'), text: 'export default async function (context, commands) {}\n' },
    // The budget option reads its file while parsing.
    '/config/budgets/docs.json': { file: path.join(dir, 'docs.json'), text: '{"budget":{"timings":{"firstContentfulPaint":2000}}}\n' },
  };
  for (const { file, text } of Object.values(local)) fs.writeFileSync(file, text);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('every site of the reference app is here', () => {
    expect(runs.map(r => r.slug).sort()).toEqual(['blog', 'checkout', 'docs', 'landing', 'shop']);
  });

  test.each(runs.map(r => [r.slug, r.args] as const))('%s: accepted, every option declared, every value where we meant it', (slug, rendered) => {
    const args = rendered.map(a => local[a]?.file ?? a);
    const result = parseArgs(args);
    if (!result.accepted) throw new Error(`sitespeed.io ${SITESPEED_CLI_VERSION} refused ${JSON.stringify(args)}: ${result.message}`);

    const unknown = optionNames(args).filter(name => !(name in table.options) && !Object.values(table.options).some(a => a.includes(name)));
    expect(unknown).toEqual([]);

    // Each option as the library wrote it, read back under the name sitespeed.io declares.
    const given = new Map<string, string[]>();
    for (let i = 0; i < args.length; i++) {
      if (!args[i].startsWith('--')) continue;
      const [name, joined] = args[i].slice(2).split(/=(.*)/s);
      const value = joined ?? args[++i];
      const declared = declaredOption(name);
      given.set(declared, [...(given.get(declared) ?? []), value]);
    }
    const coerce = (v: string): unknown => (v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v);
    for (const [declared, values] of given) {
      const read = declared.split('.').reduce((o: any, k) => o?.[k], result.options);
      // Repeated and array-typed options (urlAlias, plugins.remove) read back as arrays.
      expect({ [declared]: [read].flat() }).toEqual({ [declared]: values.map(coerce) });
    }
    expect(result.options.slug).toBe(slug);
    expect(result.options.utc).toBe(true);
    const inputs = args.filter((a, i) => !a.startsWith('-') && (i === 0 || !args[i - 1].startsWith('--') || args[i - 1].includes('=')));
    expect(result.urls.length).toBeGreaterThan(0);
    if (inputs[0].startsWith('http')) expect(result.urls).toEqual(inputs);
    if (slug === 'docs') expect(result.urls).toEqual(['https://docs.example.com/', 'https://docs.example.com/api']);
  });
});
