import * as fs from 'fs';
import * as path from 'path';

/*
 * One contract for every runtime: src/contract/ holds what the constructs, the Lambda handlers,
 * the check command and the viewer share, and imports none of them (nor aws-cdk-lib, so the
 * handlers, CLI and viewer bundle it small). Each runtime's feature folders import only the
 * contract, their runtime's shared/ folder and themselves.
 */
const ROOT = path.join(__dirname, '..');

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap(e => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sourcesUnder(rel);
    return /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Every module a file imports: relative ones as repository paths, packages as they are. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'";]*?from\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'|require\('([^']+)'\)/g)]
    .map(m => m[1] ?? m[2] ?? m[3]);
  return specifiers.map(s => (s.startsWith('.') ? path.normalize(path.join(path.dirname(file), s)) : s));
}

/** The folder an import lands in, as the rules below name it. */
function areaOf(target: string): string {
  const parts = target.split(path.sep);
  if (parts[0] === 'src') return parts[1] === 'contract' ? 'src/contract' : 'src';
  if (parts[0] === 'lambda-src') return parts.length > 2 ? `lambda-src/${parts[1]}` : 'lambda-src';
  if (parts[0] === 'cli-src') return 'cli-src';
  if (parts[0] === 'viewer') return 'viewer';
  return target;
}

function relativeImportViolations(files: string[], allowed: (file: string) => string[], imports: (file: string) => string[] = importsOf): string[] {
  return files.flatMap(file => imports(file)
    .filter(t => /^(src|lambda-src|cli-src|viewer|bench|test|examples)(\/|$)/.test(t.split(path.sep).join('/')))
    .filter(t => !allowed(file).includes(areaOf(t)))
    .map(t => `${file} imports ${t}`));
}

test('src/contract imports only itself and Node built-ins: no aws-cdk-lib, constructs or runtime code', () => {
  const files = sourcesUnder('src/contract');
  expect(files.length).toBeGreaterThanOrEqual(9);
  const outside = files.flatMap(f => importsOf(f).filter(t => !(t.startsWith(`src${path.sep}contract${path.sep}`) || ['crypto'].includes(t)))
    .map(t => `${f} imports ${t}`));
  expect(outside).toEqual([]);
});

test('each Lambda feature folder imports only the contract, lambda-src/shared and itself', () => {
  const files = sourcesUnder('lambda-src');
  const featureOf = (file: string) => {
    const parts = file.split(path.sep);
    return parts.length > 2 ? parts[1] : parts[1].replace(/\.lambda\.ts$/, '');
  };
  // A handler may compose more than its own feature, named here: reportIndex runs regression detection on the extract it writes.
  const composes: Record<string, string[]> = { 'report-index.lambda.ts': ['lambda-src/regression'] };
  expect(relativeImportViolations(files, f => ['src/contract', 'lambda-src/shared', `lambda-src/${featureOf(f)}`, ...(composes[path.basename(f)] ?? [])]))
    .toEqual([]);
});

test('the check command imports only the contract, lambda-src/shared (its SDK helpers) and itself; the viewer only the contract and itself', () => {
  expect(relativeImportViolations(sourcesUnder('cli-src'), () => ['src/contract', 'lambda-src/shared', 'cli-src'])).toEqual([]);
  expect(relativeImportViolations(sourcesUnder('viewer'), () => ['src/contract', 'viewer'])).toEqual([]);
});

test('the constructs import no runtime code', () => {
  expect(relativeImportViolations(sourcesUnder('src'), () => ['src', 'src/contract'])).toEqual([]);
});

test('the rules see a crossing: a file that imported a feature folder of another runtime would be reported', () => {
  const probe = path.join('lambda-src', 'site-alerts', 'probe.ts');
  const imports = () => ['lambda-src/report-index/index-files', 'src/private/nag', 'lambda-src/shared/handler', 'src/contract/run-events', '@aws-sdk/client-s3']
    .map(p => path.normalize(p));
  expect(relativeImportViolations([probe], () => ['src/contract', 'lambda-src/shared', 'lambda-src/site-alerts'], imports))
    .toEqual([`${probe} imports ${path.normalize('lambda-src/report-index/index-files')}`, `${probe} imports ${path.normalize('src/private/nag')}`]);
  expect(importsOf(path.join('lambda-src', 'report-index.lambda.ts'))).toContain(path.normalize('lambda-src/report-index/s3-index'));
});
