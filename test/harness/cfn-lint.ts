import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { testTool } from './tools';

export interface CfnLintMatch {
  readonly rule: string;
  readonly level: string;
  readonly message: string;
  readonly resource: string;
}

/**
 * Runs cfn-lint over template files and returns every match (errors, warnings, informational).
 * Throws when cfn-lint is missing, so a missing linter can never read as a clean template.
 */
export function cfnLintFiles(files: string[]): CfnLintMatch[] {
  if (files.length === 0) throw new Error('cfnLintFiles: no template to lint');
  const result = spawnSync(testTool('cfn-lint'), ['--format', 'json', '--', ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) {
    throw new Error(`cfn-lint could not run (${result.error.message})`);
  }
  // cfn-lint exits 0 when clean and with a bit mask (2 error, 4 warning, 8 info) otherwise.
  if (result.status !== 0 && !result.stdout.trim().startsWith('[')) {
    throw new Error(`cfn-lint failed (exit ${result.status}): ${result.stderr}`);
  }
  const matches = result.stdout.trim() ? JSON.parse(result.stdout) : [];
  return matches.map((m: any) => ({
    rule: m.Rule.Id,
    level: m.Level,
    message: m.Message,
    resource: `${m.Filename}:${(m.Location?.Path ?? []).join('/')}`,
  }));
}

/** Lints one synthesized template object. */
export function cfnLintTemplate(template: unknown): CfnLintMatch[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-lint-'));
  const file = path.join(dir, 'template.json');
  fs.writeFileSync(file, JSON.stringify(template));
  return cfnLintFiles([file]);
}

/** Every `*.template.json` under a cloud assembly folder, nested stage assemblies included. */
export function templatesIn(assemblyDir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(assemblyDir, { withFileTypes: true })) {
    const full = path.join(assemblyDir, entry.name);
    if (entry.isDirectory() && entry.name.startsWith('assembly-')) found.push(...templatesIn(full));
    else if (entry.isFile() && entry.name.endsWith('.template.json')) found.push(full);
  }
  return found.sort();
}
