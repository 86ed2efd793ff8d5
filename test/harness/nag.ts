import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AppProps, Stage, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';

export interface NagFinding {
  readonly rule: string;
  readonly path: string;
}

export interface NagResult {
  /** Findings nobody acknowledged: each one is an error. */
  readonly errors: NagFinding[];
  /** Acknowledged findings with their reasons. */
  readonly acknowledged: Array<NagFinding & { reason: string }>;
}

/**
 * Runs cdk-nag's AwsSolutions pack over the app that holds `scope` (a stack or a stage) and
 * returns its findings. The app must not have been synthesized yet.
 */
export function runNag(scope: IConstruct): NagResult {
  const app = scope.node.root as App;
  if (!Stage.isStage(app)) throw new Error('runNag: the construct is not inside an App');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth({ force: true });
  } catch (error) {
    if (!/Validation ?failed/i.test(String(error))) throw error;
  }
  const report = JSON.parse(fs.readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf8'));
  const errors: NagFinding[] = [];
  const acknowledged: Array<NagFinding & { reason: string }> = [];
  for (const plugin of report.pluginReports) {
    for (const violation of plugin.violations ?? []) {
      for (const construct of violation.violatingConstructs) {
        errors.push({ rule: violation.ruleName, path: construct.constructPath });
      }
    }
    for (const violation of plugin.suppressedViolations ?? []) {
      for (const construct of violation.violatingConstructs ?? [{}]) {
        acknowledged.push({ rule: violation.ruleName, path: construct.constructPath, reason: violation.suppressionReason ?? violation.reason ?? '' });
      }
    }
  }
  return { errors, acknowledged };
}

/**
 * A new App writing to a fresh folder in the run's test folder, which global-teardown.ts removes.
 * Every test app must come from here: a bare `new App()` leaves a 42 MB cdk.outXXXX in /tmp at each
 * synth (1,880 of them, 60 GB, had piled up on a developer's machine).
 */
export function testApp(props: AppProps = {}): App {
  const parent = process.env.CDK_SITESPEED_TEST_OUTDIRS ?? removedAtExit(fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sitespeed-tests-')));
  return new App({ ...props, outdir: fs.mkdtempSync(path.join(parent, 'cdk-sitespeed-test-')) });
}

function removedAtExit(dir: string): string {
  process.env.CDK_SITESPEED_TEST_OUTDIRS = dir;
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
