import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildIntegApp } from './integ.check';

/** Where integ-runner keeps the snapshot of integ.check.ts. */
export const SNAPSHOT_DIR = path.join(__dirname, 'integ.check.ts.snapshot');

/** Synthesizes the integ app into a fresh folder (env-agnostic, as integ-runner synthesizes it). */
export function synthIntegApp(): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-'));
  const app = new App({ outdir });
  buildIntegApp(app);
  app.synth();
  stripSalt(outdir);
  return outdir;
}

/**
 * integ-tests gives each assertion a salt of the synth time (so every deployment runs it again);
 * the snapshot keeps a fixed one, as the two synths compared can never share it.
 */
function stripSalt(dir: string): void {
  for (const file of fs.readdirSync(dir).filter(f => f.endsWith('.template.json'))) {
    const template = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    for (const resource of Object.values<any>(template.Resources ?? {})) {
      if (String(resource.Type).startsWith('Custom::DeployAssert') && resource.Properties?.salt) resource.Properties.salt = 'synth-time';
    }
    fs.writeFileSync(path.join(dir, file), JSON.stringify(template, null, 1));
  }
}

/** What the committed snapshot keeps: templates, asset manifests and the test manifests, not the bundles (megabytes, compared by hash anyway). */
export function snapshotFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter(f => /\.(template|assets)\.json$/.test(f) || ['integ.json', 'manifest.json', 'cdk.out'].includes(f)).sort();
}

if (require.main === module) {
  const outdir = synthIntegApp();
  fs.rmSync(SNAPSHOT_DIR, { recursive: true, force: true });
  fs.mkdirSync(SNAPSHOT_DIR);
  for (const file of snapshotFiles(outdir)) fs.copyFileSync(path.join(outdir, file), path.join(SNAPSHOT_DIR, file));
  fs.rmSync(outdir, { recursive: true, force: true });
  console.log(`snapshot written: ${snapshotFiles(SNAPSHOT_DIR).join(', ')}`);
}
