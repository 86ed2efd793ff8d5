/**
 * After compile (`npx projen compile`, so in every `npx projen build`): every construct, prop and
 * method the pages name exists in the .jsii assembly jsii just wrote, the API users of every
 * language get. `npm test` checks the same names against src/ with the TypeScript checker
 * (test/docs.test.ts), since a fresh clone has no .jsii until it compiles.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AWS_NAMES, PAGES, ROOT, camelCaseNames, declaredFields, pageText, unknownMembers } from './doc-names';
import { dependencyAssembly, jsiiMembers } from './jsii-members';

export function docsNotInJsii(assemblyFile: string): { problems: string[]; checked: number } {
  const members = jsiiMembers(JSON.parse(fs.readFileSync(assemblyFile, 'utf8')), name => dependencyAssembly(ROOT, name));
  const api = new Set([...members.values()].flatMap(m => [...m]));
  const notApi = new Set([...AWS_NAMES, ...declaredFields()]);
  const problems: string[] = [];
  let checked = 0;
  for (const page of PAGES) {
    const text = pageText(page);
    problems.push(...unknownMembers(page, text, members));
    checked += [...text.matchAll(/`([A-Z][A-Za-z0-9]*)\.[a-zA-Z_]/g)].filter(m => members.has(m[1])).length;
    for (const name of camelCaseNames(text).filter(n => !notApi.has(n))) {
      checked++;
      if (!api.has(name)) problems.push(`${page}: ${name}`);
    }
  }
  return { problems, checked };
}

if (require.main === module) {
  const file = path.join(ROOT, '.jsii');
  const { problems, checked } = docsNotInJsii(file);
  if (problems.length > 0) {
    process.stderr.write(`The pages name what the compiled API (${file}) does not have:\n${problems.map(p => `  ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(`docs: ${checked} names of the library on ${PAGES.length} pages, each in ${path.relative(process.cwd(), file) || file}\n`);
}
