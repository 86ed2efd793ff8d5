/**
 * The stacks of a synthesized cloud assembly (`cdk.out/`, with its nested stage assemblies), read
 * from its manifest.json as the cdk CLI reads it (aws-cdk-lib cloud-assembly-schema: artifacts of
 * type `aws:cloudformation:stack` name their `templateFile`; `cdk:cloud-assembly` artifacts name a
 * nested `directoryName`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { globRegExp } from '../check/deployment';

export interface Template {
  readonly Resources?: Record<string, Resource>;
}

export interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly Metadata?: Record<string, any>;
}

export interface SynthesizedStack {
  /** The stack's name in CloudFormation, e.g. `prod-Sitespeed`. */
  readonly name: string;
  /** The region of its environment, or undefined when environment-agnostic. */
  readonly region?: string;
  readonly template: Template;
}

/** The stacks of `dir` (a cloud assembly, or a folder holding a manifest.json deeper down), in manifest order. */
export function readAssembly(dir: string): SynthesizedStack[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    throw new Error(`${dir} has no manifest.json: give the folder \`cdk synth\` wrote (cdk.out by default)`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  const stacks: SynthesizedStack[] = [];
  for (const artifact of Object.values<any>(manifest.artifacts ?? {})) {
    if (artifact.type === 'cdk:cloud-assembly') {
      stacks.push(...readAssembly(path.join(dir, artifact.properties.directoryName)));
    } else if (artifact.type === 'aws:cloudformation:stack') {
      const region = /^aws:\/\/[^/]+\/(.+)$/.exec(artifact.environment ?? '')?.[1];
      stacks.push({
        name: artifact.properties?.stackName ?? artifact.displayName,
        region: region && region !== 'unknown-region' ? region : undefined,
        template: JSON.parse(fs.readFileSync(path.join(dir, artifact.properties.templateFile), 'utf8')),
      });
    }
  }
  return stacks;
}

/** Stacks whose name matches one of the patterns (`*` matches anything), or all stacks when there are none. */
export function selectStacks(stacks: SynthesizedStack[], patterns: string[]): SynthesizedStack[] {
  if (patterns.length === 0) return stacks;
  const res = patterns.map(globRegExp);
  return stacks.filter(s => res.some(r => r.test(s.name)));
}

/** A template value with its tokens replaced by `<token>`: enough to read a literal around them. */
export function literal(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(literal);
  const o = value as Record<string, unknown>;
  if (Array.isArray(o['Fn::Join'])) {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return parts.map(p => (typeof p === 'string' ? p : '<token>')).join(sep);
  }
  const keys = Object.keys(o);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return '<token>';
  return Object.fromEntries(keys.map(k => [k, literal(o[k])]));
}

/** A number in a template (CloudFormation writes sizes as strings or numbers); undefined for a token. */
export function numberOf(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** The logical id a `Ref` or `Fn::GetAtt` names. */
export function refOf(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const o = value as Record<string, any>;
    if (typeof o.Ref === 'string') return o.Ref;
    if (Array.isArray(o['Fn::GetAtt'])) return o['Fn::GetAtt'][0];
  }
  return undefined;
}
