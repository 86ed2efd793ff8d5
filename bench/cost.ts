/**
 * `BENCH_ONLY=cost`: what the reference deployment's prod stage costs, from its synthesized
 * templates through `cdk-sitespeed cost`'s model (cli-src/cost/): fixed a month per stack against
 * the $40 target, and one run of each site. A change that raises them shows here.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { readAssembly } from '../cli-src/cost/assembly';
import { DEFAULT_ASSUMPTIONS } from '../cli-src/cost/assumptions';
import { costOf } from '../cli-src/cost/model';
import { US_EAST_1 } from '../cli-src/cost/prices';
import { buildReferenceApp } from '../examples/app';

const FIXED_TARGET = 40;

export function benchCost(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cost-'));
  try {
    const app = new App({ outdir: dir });
    buildReferenceApp(app, { nag: false, stages: ['prod'] });
    app.synth();
    const report = costOf(readAssembly(dir), US_EAST_1, DEFAULT_ASSUMPTIONS);
    const stacks = [...new Set(report.fixed.map(l => l.stack))];
    for (const stack of stacks) {
      const sum = report.fixed.filter(l => l.stack === stack).reduce((n, l) => n + l.monthly, 0);
      console.log(`cost ${stack.padEnd(16)} fixed $${sum.toFixed(2)} a month`);
    }
    const fixed = report.fixed.reduce((n, l) => n + l.monthly, 0);
    const runs = report.sites.reduce((n, s) => n + s.perMonth, 0);
    console.log(`cost prod fixed $${fixed.toFixed(2)} a month (${fixed <= FIXED_TARGET ? 'within' : 'OVER'} the $${FIXED_TARGET} target), ` +
      `runs $${runs.toFixed(2)} a month, total $${(fixed + runs).toFixed(2)} (${US_EAST_1.region} prices of ${US_EAST_1.date})`);
    for (const s of report.sites) {
      console.log(`cost site ${s.site.padEnd(10)} $${s.perRun.toFixed(4)} a run (instance time $${s.instanceTimePerRun.toFixed(4)}, ` +
        `${(s.warmShare * 100).toFixed(0)} % warm), ${s.runsPerMonth.toFixed(0)} runs a month = $${s.perMonth.toFixed(2)}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
