/**
 * What the pages name of the library, shared by the docs test (test/docs.test.ts, which reads the API
 * from src/ with the TypeScript checker on every `npm test`) and the check after compile
 * (test/tools/docs-in-jsii.ts, which reads the same names from the .jsii assembly jsii wrote).
 *
 * What counts as a name: `Class.member` in backticks where Class is an export of the library (a
 * Python spelling like `InstanceSchedule.on_off` counts as its camelCase member), and any camelCase
 * name in backticks outside code blocks (`connectivityProfile`, `onRunFinished()`).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

export const ROOT = path.join(__dirname, '..', '..');

/** The pages: README, CONTRIBUTING, the examples' README and every page of docs/. */
export const PAGES: readonly string[] = ['README.md', 'CONTRIBUTING.md', 'examples/README.md',
  ...fs.readdirSync(path.join(ROOT, 'docs')).filter(f => f.endsWith('.md')).sort().map(f => `docs/${f}`)];

export function pageText(page: string): string {
  return fs.readFileSync(path.join(ROOT, page), 'utf8');
}

/** `Name.member` in backticks (also `Name.member(...)`), where Name is an export of the library, naming a member it does not have. */
export function unknownMembers(page: string, markdown: string, members: Map<string, Set<string>>): string[] {
  return [...markdown.matchAll(/`([A-Z][A-Za-z0-9]*)\.([a-zA-Z_][A-Za-z0-9_]*)/g)]
    // A page may name the Python spelling (`InstanceSchedule.on_off`): it is the same member.
    .filter(([, name, member]) => members.has(name) && !members.get(name)!.has(member.replace(/_([a-z])/g, (_, c) => c.toUpperCase())))
    .map(([, name, member]) => `${page}: ${name}.${member}`);
}

/** camelCase names in backticks outside code blocks. */
export function camelCaseNames(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return [...prose.matchAll(/`([a-z][a-z0-9]*[A-Z][A-Za-z0-9]*)(?:\(\))?`/g)].map(m => m[1]);
}

/** camelCase names in backticks outside code blocks that name nothing in `known`. */
export function unknownNames(page: string, markdown: string, known: Set<string>): string[] {
  return camelCaseNames(markdown).filter(name => !known.has(name)).map(name => `${page}: ${name}`);
}

/** The .ts files under a folder. */
function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .flatMap(e => (e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/**
 * Names the contract, the functions, the commands and the reference app declare: interface and type
 * members (event fields, function answers, the app's props), functions, and the contract's object
 * literals' keys (names events carry as values, such as the extract metrics). They are not the
 * library's API, so .jsii does not hold them.
 */
export function declaredFields(): Set<string> {
  const names = new Set<string>();
  for (const file of [...['src/contract', 'lambda-src', 'cli-src'].flatMap(d => tsFiles(path.join(ROOT, d))), path.join(ROOT, 'examples', 'app.ts')]) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const contract = file.startsWith(path.join(ROOT, 'src', 'contract'));
    const visit = (node: ts.Node) => {
      if ((ts.isPropertySignature(node) || ts.isFunctionDeclaration(node)) && node.name && ts.isIdentifier(node.name)) names.add(node.name.text);
      // The contract's named values too (the extract metrics' names, which events carry as strings).
      if (contract && ts.isPropertyAssignment(node) && ts.isIdentifier(node.name)) names.add(node.name.text);
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return names;
}

/** AWS's own names the pages mention, each with where AWS defines it. */
export const AWS_NAMES: ReadonlySet<string> = new Set([
  'memberOf', // ECS placement constraint type (ECS API reference, PlacementConstraint)
  'requestPayload', // a Lambda on-failure destination's record (Lambda developer guide, asynchronous invocation)
  'startedBy', // ECS RunTask / ListTasks (ECS API reference)
]);
