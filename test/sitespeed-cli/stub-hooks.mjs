// Module hooks that let sitespeed.io's CLI module load without its runtime dependencies (the
// browser, the plugins' libraries, and two packages this registry does not serve): every bare
// import that does not resolve becomes a stub that exports the names the importing file asks for.
// Option definitions and the parser itself (yargs, sitespeed.io's own files) stay real.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const STUB = 'cdk-sitespeed-stub:';

function importedNames(parentUrl, specifier) {
  const source = readFileSync(fileURLToPath(parentUrl), 'utf8');
  const quoted = specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const names = new Set();
  let hasDefault = false;
  const pattern = new RegExp(`import\\s+([^'";]*?)\\s+from\\s+['"]${quoted}['"]`, 'g');
  for (const [, clause] of source.matchAll(pattern)) {
    const braces = clause.match(/\{([^}]*)\}/);
    if (braces) {
      for (const part of braces[1].split(',')) {
        const name = part.trim().split(/\s+as\s+/)[0].trim();
        if (name && name !== 'default') names.add(name);
        if (name === 'default') hasDefault = true;
      }
    }
    const outside = clause.replace(/\{[^}]*\}/, '').replace(/\*\s+as\s+\w+/, '').replace(/,/g, '').trim();
    if (outside) hasDefault = true;
  }
  return { names: [...names], hasDefault };
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const bare = !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('node:') && !specifier.startsWith('file:');
    if (!bare || !context.parentURL) throw error;
    const { names } = importedNames(context.parentURL, specifier);
    return { url: `${STUB}${encodeURIComponent(specifier)}?${names.join(',')}`, shortCircuit: true };
  }
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith(STUB)) return nextLoad(url, context);
  const names = (url.split('?')[1] || '').split(',').filter(Boolean);
  const source = [
    'const handler = { get: (t, k) => (k === Symbol.toPrimitive ? () => "" : k === "then" ? undefined : any),',
    '  apply: () => any, construct: () => any };',
    'const any = new Proxy(function stub() {}, handler);',
    'export default any;',
    ...names.map(n => `export const ${n} = any;`),
  ].join('\n');
  return { format: 'module', source, shortCircuit: true };
}
