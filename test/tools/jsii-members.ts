/**
 * The library's exports and their members as jsii compiled them: read from the .jsii assembly
 * (the file Construct Hub, jsii-pacmak and the Python bindings are made from), with what a type
 * inherits from its base class and interfaces, also from the assemblies of its dependencies
 * (constructs' .jsii, aws-cdk-lib's .jsii.gz: jsii's own format, spec in aws/jsii's @jsii/spec).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

interface JsiiType {
  readonly fqn: string;
  readonly name: string;
  readonly kind: 'class' | 'interface' | 'enum';
  readonly base?: string;
  readonly interfaces?: string[];
  readonly properties?: { name: string }[];
  readonly methods?: { name: string }[];
  readonly members?: { name: string }[];
}
export interface JsiiAssembly { readonly name: string; readonly types?: Record<string, JsiiType> }

/** A dependency's assembly from node_modules: `.jsii`, or the gzipped `.jsii.gz` its `.jsii` points to (aws-cdk-lib). */
export function dependencyAssembly(root: string, name: string): JsiiAssembly {
  const dir = path.join(root, 'node_modules', name);
  const plain = JSON.parse(fs.readFileSync(path.join(dir, '.jsii'), 'utf8'));
  if (plain.schema === 'jsii/file-redirect') return JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(dir, plain.filename))).toString('utf8'));
  return plain;
}

/**
 * Each type of `assembly` by its name, with every member it has: its own properties, methods and
 * enum members and those of its bases, looked up in `dependencies` (loaded on first use) when a base
 * is not the library's own.
 */
export function jsiiMembers(assembly: JsiiAssembly, dependencies: (name: string) => JsiiAssembly): Map<string, Set<string>> {
  const loaded = new Map<string, JsiiAssembly>([[assembly.name, assembly]]);
  const typeOf = (fqn: string): JsiiType | undefined => {
    const owner = [...loaded.keys()].find(n => fqn.startsWith(`${n}.`)) ?? fqn.split('.')[0];
    if (!loaded.has(owner)) loaded.set(owner, dependencies(owner));
    return loaded.get(owner)!.types?.[fqn];
  };
  const membersOf = (fqn: string, names: Set<string>): Set<string> => {
    const type = typeOf(fqn);
    if (!type) throw new Error(`${fqn} is named as a base but is in no assembly loaded`);
    for (const m of [...type.properties ?? [], ...type.methods ?? [], ...type.members ?? []]) names.add(m.name);
    for (const base of [...type.base ? [type.base] : [], ...type.interfaces ?? []]) membersOf(base, names);
    return names;
  };
  return new Map(Object.values(assembly.types ?? {}).map(t => [t.name, membersOf(t.fqn, new Set())]));
}
