/**
 * Compares the templates of two cloud assemblies (the TypeScript and the Python reference app):
 * equal after normalising asset hashes and dropping CDKMetadata, whose analytics string names the
 * language. `ts-node compare-templates.ts <ts.out> <py.out>`: exit 1 and one line per difference,
 * each naming the template, the resource and the path that differ.
 */
import * as fs from 'fs';
import * as path from 'path';
import { templatesIn } from '../harness/cfn-lint';

const ASSET_HASH = /[a-f0-9]{64}/g;

export function normalise(template: any): any {
  const copy = JSON.parse(JSON.stringify(template).replace(ASSET_HASH, '<asset-hash>'));
  delete copy.Resources?.CDKMetadata;
  delete copy.Conditions?.CDKMetadataAvailable;
  if (copy.Conditions && Object.keys(copy.Conditions).length === 0) delete copy.Conditions;
  return copy;
}

/** The first paths at which two JSON values differ (at most `limit`). */
function differences(a: any, b: any, at: string, out: string[], limit = 5): void {
  if (out.length >= limit) return;
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  const bothObjects = a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
  if (!bothObjects) {
    out.push(`${at || '/'}: typescript ${JSON.stringify(a) ?? 'absent'} ≠ python ${JSON.stringify(b) ?? 'absent'}`);
    return;
  }
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
    differences(a[key], b[key], `${at}/${key}`, out, limit);
  }
}

/** One line per difference between the templates of two assemblies; empty when they are equal. */
export function compareAssemblies(tsDir: string, pyDir: string): { problems: string[]; templates: number; resources: number } {
  const byName = (dir: string) => new Map(templatesIn(dir).map(f => [path.relative(dir, f), f]));
  const ts = byName(tsDir);
  const py = byName(pyDir);
  const problems: string[] = [];
  let resources = 0;
  for (const name of [...new Set([...ts.keys(), ...py.keys()])].sort()) {
    if (!ts.has(name) || !py.has(name)) {
      problems.push(`${name}: only the ${ts.has(name) ? 'typescript' : 'python'} app has this template`);
      continue;
    }
    const a = normalise(JSON.parse(fs.readFileSync(ts.get(name)!, 'utf8')));
    const b = normalise(JSON.parse(fs.readFileSync(py.get(name)!, 'utf8')));
    for (const section of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
      if (section !== 'Resources') {
        const found: string[] = [];
        differences(a[section], b[section], section, found);
        problems.push(...found.map(d => `${name}: ${d}`));
        continue;
      }
      for (const id of [...new Set([...Object.keys(a.Resources ?? {}), ...Object.keys(b.Resources ?? {})])].sort()) {
        resources++;
        const found: string[] = [];
        differences(a.Resources[id], b.Resources[id], '', found);
        const type = (a.Resources[id] ?? b.Resources[id]).Type;
        problems.push(...found.map(d => `${name}: resource ${id} (${type}) differs at ${d}`));
      }
    }
  }
  return { problems, templates: new Set([...ts.keys(), ...py.keys()]).size, resources };
}

if (require.main === module) {
  const [tsDir, pyDir] = process.argv.slice(2);
  if (!tsDir || !pyDir) {
    console.error('usage: compare-templates.ts <typescript cdk.out> <python cdk.out>');
    process.exit(2);
  }
  const { problems, templates, resources } = compareAssemblies(tsDir, pyDir);
  if (templates === 0) {
    console.error(`no templates found under ${tsDir} or ${pyDir}`);
    process.exit(1);
  }
  for (const p of problems) console.error(p);
  console.log(`${templates} templates, ${resources} resources compared: ${problems.length === 0 ? 'equal' : `${problems.length} differences`}`);
  process.exit(problems.length === 0 ? 0 : 1);
}
