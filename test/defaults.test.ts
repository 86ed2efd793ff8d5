import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { DEFAULTS } from '../src/private/defaults';

/*
 * A prop's `@default` doc is what every user reads (API.md, IDE hovers, the Python docstrings):
 * for each prop whose default the code takes from DEFAULTS, the doc must say that value.
 */
const SRC = path.join(__dirname, '..', 'src');

/** Every interface of src/*.ts with its properties' `@default` texts (undefined: no tag). */
function defaultDocs(): Map<string, Map<string, string | undefined>> {
  const found = new Map<string, Map<string, string | undefined>>();
  for (const file of fs.readdirSync(SRC).filter(f => f.endsWith('.ts'))) {
    const source = ts.createSourceFile(file, fs.readFileSync(path.join(SRC, file), 'utf8'), ts.ScriptTarget.Latest, true);
    source.forEachChild(node => {
      if (!ts.isInterfaceDeclaration(node)) return;
      const props = new Map<string, string | undefined>();
      for (const member of node.members) {
        if (!ts.isPropertySignature(member)) continue;
        const tag = ts.getJSDocTags(member).find(t => t.tagName.text === 'default');
        props.set(member.name.getText(source), tag ? ts.getTextOfJSDocComment(tag.comment)?.trim() ?? '' : undefined);
      }
      found.set(node.name.text, props);
    });
  }
  return found;
}

/** How a value opens a `@default` text: `2`, `true`, `'MON-FRI'`. */
function literal(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

/** The value a `@default` text states, if it states one: its first word, before any ` - why`. */
function statedValue(doc: string): string {
  return doc.split(/\s+-\s+|\s+/)[0];
}

const docs = defaultDocs();

describe.each(Object.entries(DEFAULTS))('%s', (iface, defaults) => {
  test.each(Object.entries(defaults))('%s: its @default says what the code uses', (prop, value) => {
    const doc = docs.get(iface)?.get(prop);
    expect({ prop, doc: doc === undefined ? 'no @default tag' : statedValue(doc) }).toEqual({ prop, doc: literal(value) });
  });
});

test('the check sees a contradiction: a doc that says another value fails', () => {
  expect(statedValue('2 - the cluster\'s')).toBe('2');
  expect(statedValue('false - the cluster\'s metrics only')).not.toBe(literal(true));
  expect(statedValue("'MON-FRI'")).toBe(literal('MON-FRI'));
  // Every interface named in DEFAULTS exists, and has each prop.
  for (const [iface, defaults] of Object.entries(DEFAULTS)) {
    for (const prop of Object.keys(defaults)) expect({ iface, prop, known: docs.get(iface)?.has(prop) }).toEqual({ iface, prop, known: true });
  }
});
