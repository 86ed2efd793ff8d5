import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/*
 * Every ```ts block of the README compiles against this checkout's API, so an example that names
 * a prop or method that does not exist (or no longer does) fails here, as the Python runner
 * (test/python/readme_examples.py) fails its ```python twin.
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
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true, noEmit: true, skipLibCheck: true, esModuleInterop: true, types: ['node'], ignoreDeprecations: '6.0',
    baseUrl: ROOT, paths: { 'cdk-sitespeed': ['src/index.ts'] },
  });
  return ts.getPreEmitDiagnostics(program).map(d => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    const index = d.file ? files.indexOf(d.file.fileName) : -1;
    if (index < 0) return `${d.file?.fileName ?? 'compiler'}: ${message}`;
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
    return `${blocks[index].file}:${blocks[index].line + line - 1}: ${message}`;
  });
}

test('every TypeScript example of the README compiles against the library', () => {
  const blocks = tsBlocks('README.md');
  expect(blocks.length).toBeGreaterThanOrEqual(8);
  expect(compileErrors(blocks)).toEqual([]);
});

test('an example that names a prop that does not exist fails, with its README line', () => {
  const bad = { file: 'README.md', line: 100, code: "import { SitespeedCluster } from 'cdk-sitespeed';\nnew SitespeedCluster(stack, 'S', { vpc, maxInstances: 2 });\n" };
  const errors = compileErrors([bad]);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^README.md:101: .*'maxInstances' does not exist in type 'SitespeedClusterProps'/);
});
