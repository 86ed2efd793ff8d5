import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { finished } from './lambda/fixtures/run-finished';
import { AWS_NAMES, PAGES, declaredFields, unknownMembers, unknownNames } from './tools/doc-names';
import { dependencyAssembly, jsiiMembers } from './tools/jsii-members';
import { libraryMembers } from './tools/library-members';
import { CHECK_USAGE } from '../cli-src/check/options';
import { COST_USAGE } from '../cli-src/cost/cost';
import { MARK_USAGE } from '../cli-src/mark/options';
import { RUN_USAGE } from '../cli-src/run/options';
import type { RunNotStarted, RunSkipped } from '../src/contract/run-events';

/*
 * Every ```ts block of the README and docs/ compiles against this checkout's API, so an example that names
 * a prop or method that does not exist (or no longer does) fails here, as the Python runner
 * (test/python/readme_examples.py) fails its ```python twin; and every link between the pages resolves.
 *
 * The prelude convention: a block may assume the names below without declaring them (the
 * README's first blocks make them); everything else it imports itself, from 'aws-cdk-lib' and
 * 'cdk-sitespeed' (resolved to src/). Each block compiles as a module of its own, so a block
 * that declares one of these names shadows the prelude's.
 */
const ROOT = path.join(__dirname, '..');
export const PRELUDE = `
declare const app: import('aws-cdk-lib').App;
declare const stack: import('aws-cdk-lib').Stack;
declare const vpc: import('aws-cdk-lib/aws-ec2').IVpc;
declare const sitespeed: import('cdk-sitespeed').SitespeedCluster;
declare const shop: import('cdk-sitespeed').ScheduledSite;
declare const schedule: import('aws-cdk-lib/aws-scheduler').ScheduleExpression;
`;

interface Block { readonly file: string; readonly line: number; readonly code: string }

function tsBlocks(file: string): Block[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map(m => ({ file, line: text.slice(0, m.index).split('\n').length + 1, code: m[1] }));
}

/** Compiles the blocks (each a module) with the prelude; returns each error as `<file>:<line>: <message>`. */
function compileErrors(blocks: Block[]): string[] {
  // Under node_modules: 'aws-cdk-lib' resolves from there, and nothing of it is committed.
  const dir = path.join(ROOT, 'node_modules', '.cache', 'readme-ts', String(process.pid));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'prelude.d.ts'), PRELUDE);
  const files = blocks.map((b, i) => {
    const name = path.join(dir, `block-${i}.ts`);
    fs.writeFileSync(name, `export {};\n${b.code}`);
    return name;
  });
  const program = ts.createProgram([path.join(dir, 'prelude.d.ts'), ...files], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    types: ['node'],
    ignoreDeprecations: '6.0',
    baseUrl: ROOT,
    paths: { 'cdk-sitespeed': ['src/index.ts'] },
  });
  return ts.getPreEmitDiagnostics(program).map(d => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    const index = d.file ? files.indexOf(d.file.fileName) : -1;
    if (index < 0) return `${d.file?.fileName ?? 'compiler'}: ${message}`;
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
    return `${blocks[index].file}:${blocks[index].line + line - 1}: ${message}`;
  });
}

/** The pages users read: the README, one page per construct and command, and the contributors' guide. */

test('every TypeScript example of the README and docs/ compiles against the library', () => {
  const blocks = PAGES.flatMap(tsBlocks);
  expect(blocks.length).toBeGreaterThanOrEqual(9);
  expect(compileErrors(blocks)).toEqual([]);
});

/** GitHub's anchor of a heading: lower case, punctuation but '-' and '_' dropped, spaces to '-'. */
function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
}

function brokenLinks(page: string, markdown?: string): string[] {
  const text = (markdown ?? fs.readFileSync(path.join(ROOT, page), 'utf8')).replace(/^```[\s\S]*?^```/gm, '');
  const anchors = (file: string) => new Set(fs.readFileSync(file, 'utf8').split('\n').filter(l => /^#{1,6} /.test(l)).map(l => anchorOf(l.replace(/^#+ /, ''))));
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map(m => m[1]).filter(link => !/^[a-z]+:/.test(link)).flatMap(link => {
    const [target, anchor] = link.split('#');
    const file = target ? path.join(ROOT, path.dirname(page), target) : path.join(ROOT, page);
    if (!fs.existsSync(file)) return [`${page}: ${link} (no such file)`];
    if (anchor && file.endsWith('.md') && !anchors(file).has(anchor)) return [`${page}: ${link} (no such heading)`];
    return [];
  });
}

test('every link between the pages resolves (the file, and the heading it names)', () => {
  expect(PAGES.flatMap(p => brokenLinks(p))).toEqual([]);
  // And it sees a broken one: a missing page, a missing heading; an absolute URL is not its business.
  expect(brokenLinks('README.md', '[a](docs/nowhere.md) [b](docs/run-events.md#no-such-part) [c](docs/run-events.md) [d](https://example.com/x)'))
    .toEqual(['README.md: docs/nowhere.md (no such file)', 'README.md: docs/run-events.md#no-such-part (no such heading)']);
});

/** The repository's own address (package.json), under which README and docs/ link to files the package does not ship. */
const REPO = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).repository.url.replace(/\.git$/, '');
/** What the npm package holds of the repository (.npmignore and package.json's files decide; .ci/run checks the tarball). */
const SHIPPED = /^(README\.md|LICENSE|API\.md|docs\/|shell\/|assets\/|bin\/)/;

test('every page is reachable from the README, the repository\'s own pages by their address', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const linked = (p: string) => readme.includes(`](${p})`) || readme.includes(`](${REPO}/blob/main/${p})`);
  expect(PAGES.filter(p => p !== 'README.md' && !linked(p))).toEqual([]);
});

test('README and docs/ ship in the package, so their relative links go only to what ships; the rest by address, to files that exist', () => {
  const shipped = ['README.md', ...PAGES.filter(p => p.startsWith('docs/'))];
  const relative: string[] = [];
  const missing: string[] = [];
  for (const page of shipped) {
    const text = fs.readFileSync(path.join(ROOT, page), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    for (const [, link] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (link.startsWith(`${REPO}/`)) {
        const file = link.slice(REPO.length + 1).replace(/^(blob|tree)\/main\//, '').split('#')[0];
        if (!fs.existsSync(path.join(ROOT, file))) missing.push(`${page}: ${link}`);
      } else if (!/^[a-z]+:/.test(link) && !link.startsWith('#')) {
        const target = path.normalize(path.join(path.dirname(page), link.split('#')[0]));
        if (!SHIPPED.test(target)) relative.push(`${page}: ${link}`);
      }
    }
  }
  expect({ relative, missing }).toEqual({ relative: [], missing: [] });
});

test('an example that names a prop that does not exist fails, with its README line', () => {
  const bad = { file: 'README.md', line: 100, code: "import { SitespeedCluster } from 'cdk-sitespeed';\nnew SitespeedCluster(stack, 'S', { vpc, maxInstances: 2 });\n" };
  const errors = compileErrors([bad]);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^README.md:101: .*'maxInstances' does not exist in type 'SitespeedClusterProps'/);
});

test('the schema page shows the fields the run events have: a Run Finished detail whole, and the fields of the other two', () => {
  const page = fs.readFileSync(path.join(ROOT, 'docs', 'run-events.md'), 'utf8');
  const example = JSON.parse(/^```json\n([\s\S]*?)^```/m.exec(page)![1]);
  // The fixture is typed as the contract's RunFinished, every field required: its keys are the schema's.
  expect(Object.keys(example).sort()).toEqual(Object.keys(finished('budget failed')).sort());
  const fieldsOf = (detailType: string) => {
    const row = page.split('\n').find(l => l.startsWith(`| \`${detailType}\` |`))!;
    return [...row.split('|')[3].matchAll(/`([a-zA-Z]+)`/g)].map(m => m[1]).sort();
  };
  const skipped: Required<RunSkipped> = { version: 1, cluster: '', site: '', reason: '', running: [] };
  const notStarted: Required<RunNotStarted> = { version: 1, cluster: '', site: '', reason: '' };
  expect(fieldsOf('Sitespeed Run Skipped')).toEqual(Object.keys(skipped).sort());
  expect(fieldsOf('Sitespeed Run Not Started')).toEqual(Object.keys(notStarted).sort());
});

test.each([
  ['check', CHECK_USAGE, 'check.md', 5], ['cost', COST_USAGE, 'costs.md', 3], ['run', RUN_USAGE, 'run.md', 5], ['mark', MARK_USAGE, 'deploy-markers.md', 4],
] as const)(
  'every flag a page shows for `cdk-sitespeed %s` is one its --help lists',
  (command, usage, page, atLeast) => {
    const lines = PAGES.flatMap(file => fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n')).filter(l => new RegExp(`npx cdk-sitespeed ${command} `).test(l));
    const shown = [...new Set(lines.flatMap(l => [...l.replace(/#.*$/, '').matchAll(/\s(--[a-z][a-z-]*)/g)].map(m => m[1])))].sort();
    expect(shown.length).toBeGreaterThanOrEqual(atLeast);
    expect(fs.readFileSync(path.join(ROOT, 'docs', page), 'utf8')).toContain(`npx cdk-sitespeed ${command} `);
    expect(shown.filter(flag => !usage.includes(flag))).toEqual([]);
    expect(['--no-such-flag'].filter(flag => !usage.includes(flag))).toEqual(['--no-such-flag']);
  });


test('every `Class.member` a page names of the library exists in its API', () => {
  const members = libraryMembers();
  expect(members.get('SitespeedCluster')?.has('onRunFinished')).toBe(true);
  const unknown = PAGES.flatMap(p => unknownMembers(p, fs.readFileSync(path.join(ROOT, p), 'utf8'), members));
  expect(unknown).toEqual([]);
  expect(unknownMembers('x.md', '`SitespeedCluster.addSite` `SitespeedCluster.add_site` `RunStatus.OK` `SitespeedCluster.addSiteNow` `RemovalPolicy.NOPE`', members))
    .toEqual(['x.md: SitespeedCluster.addSiteNow']);
});

test('every camelCase name a page shows in backticks is a prop or method of the library, a field its contract or functions declare, or AWS\'s', () => {
  const known = new Set([...AWS_NAMES, ...declaredFields(), ...[...libraryMembers().values()].flatMap(m => [...m])]);
  expect(known.has('connectivityProfile')).toBe(true);
  expect(known.has('failedBudgetChecks')).toBe(true);
  expect(PAGES.flatMap(p => unknownNames(p, fs.readFileSync(path.join(ROOT, p), 'utf8'), known))).toEqual([]);
  expect(unknownNames('x.md', 'use `connectivityProfile`, not `connectivityProfiles`;\n```ts\n`inCode`\n```\n', known)).toEqual(['x.md: connectivityProfiles']);
});

describe('after compile, the same names are checked against .jsii (test/tools/docs-in-jsii.ts, in post-compile)', () => {
  const assembly = {
    name: 'cdk-sitespeed',
    types: {
      'cdk-sitespeed.Base': { fqn: 'cdk-sitespeed.Base', name: 'Base', kind: 'class' as const, base: 'constructs.Construct', methods: [{ name: 'metric' }] },
      'cdk-sitespeed.Site': { fqn: 'cdk-sitespeed.Site', name: 'Site', kind: 'class' as const, base: 'cdk-sitespeed.Base', interfaces: ['cdk-sitespeed.ISite'], properties: [{ name: 'slug' }] },
      'cdk-sitespeed.ISite': { fqn: 'cdk-sitespeed.ISite', name: 'ISite', kind: 'interface' as const, properties: [{ name: 'urlsFile' }] },
      'cdk-sitespeed.Status': { fqn: 'cdk-sitespeed.Status', name: 'Status', kind: 'enum' as const, members: [{ name: 'OK' }] },
    },
  };
  const constructs = { name: 'constructs', types: { 'constructs.Construct': { fqn: 'constructs.Construct', name: 'Construct', kind: 'class' as const, properties: [{ name: 'node' }] } } };

  test('a type has its own members, its bases\' (the library\'s and a dependency\'s) and its interfaces\'', () => {
    const loaded: string[] = [];
    const members = jsiiMembers(assembly, name => { loaded.push(name); return constructs; });
    expect([...members.get('Site')!].sort()).toEqual(['metric', 'node', 'slug', 'urlsFile']);
    expect([...members.get('Status')!]).toEqual(['OK']);
    expect(loaded).toEqual(['constructs']);
    expect(unknownMembers('x.md', '`Site.urls_file` `Site.node` `Site.sslug`', members)).toEqual(['x.md: Site.sslug']);
  });

  test('a base in no assembly is an error naming it, not a type with fewer members', () => {
    expect(() => jsiiMembers(assembly, () => ({ name: 'constructs', types: {} }))).toThrow('constructs.Construct is named as a base but is in no assembly loaded');
  });

  test('the real dependencies load: aws-cdk-lib from its gzipped .jsii', () => {
    expect(dependencyAssembly(ROOT, 'aws-cdk-lib').types!['aws-cdk-lib.Stack'].name).toBe('Stack');
    expect(dependencyAssembly(ROOT, 'constructs').types!['constructs.Construct'].name).toBe('Construct');
  }, 60_000);
});
