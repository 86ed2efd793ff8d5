/**
 * `npm run bench`: figures that are compared with a baseline measured in the same run, never
 * with a fixed number (this runs on shared 2-core machines).
 *
 * 1. Synth time of the reference deployment's prod stage (examples/app.ts: network, metrics and
 *    sitespeed stacks) against a plain aws-cdk-lib app with one ECS cluster on an Auto Scaling
 *    group: median of RUNS interleaved runs each. All three stages take about three times as long.
 * 2. Every Lambda bundle in assets/: its size, and its module load time in a fresh Node
 *    process against the load time of an empty module.
 * 3. reportIndex per update on moto (bench/tree.ts) and 4. the calendar viewer in Chromium
 *    (bench/calendar.ts): the per-site index against the single tree.json it replaced.
 * 5. What the reference prod stage costs a month and per run (bench/cost.ts), against its target.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { benchCalendar } from './calendar';
import { benchCost } from './cost';
import { benchRegressions } from './regressions';
import { benchTree } from './tree';
import { buildReferenceApp } from '../examples/app';
import { median } from '../src/contract/median';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);


function timeMs(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// Every synth and scratch file of this run goes under one folder, removed when the run ends.
const SCRATCH = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
process.once('exit', () => fs.rmSync(SCRATCH, { recursive: true, force: true }));

function newApp(): App {
  return new App({ outdir: fs.mkdtempSync(path.join(SCRATCH, 'synth-')) });
}

function plainApp(): void {
  const app = newApp();
  const stack = new Stack(app, 'Plain');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  cluster.addCapacity('Capacity', { instanceType: new ec2.InstanceType('c5.large'), minCapacity: 0, maxCapacity: 2 });
  app.synth();
}

function referenceApp(): void {
  const app = newApp();
  buildReferenceApp(app, { nag: false, stages: ['prod'] });
  app.synth();
}

function benchSynth(): void {
  // One untimed run each, so module loading and JIT warm-up count for neither side.
  plainApp();
  referenceApp();
  const plain: number[] = [];
  const reference: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(timeMs(plainApp));
    reference.push(timeMs(referenceApp));
  }
  const p = median(plain);
  const r = median(reference);
  console.log(`synth  plain ECS-on-ASG app   median ${p.toFixed(0)} ms  (runs: ${plain.map(v => v.toFixed(0)).join(' ')})`);
  console.log(`synth  reference app (prod)   median ${r.toFixed(0)} ms  (runs: ${reference.map(v => v.toFixed(0)).join(' ')})`);
  console.log(`synth  ratio reference/plain  ${(r / p).toFixed(2)}x  (median of ${RUNS} runs each)`);
}

// A cold start's module load, as a multiple of an empty module's in the same run (issue 13's target).
const LOAD_TARGET = 20;

function loadTimeMs(file: string): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
}

function bundlesIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter(e => e.isFile() && e.name === 'index.js')
    .map(e => path.join(e.parentPath, e.name))
    .sort();
}

function benchBundles(): void {
  const assets = path.join(__dirname, '..', 'assets');
  const bundles = bundlesIn(assets);
  if (bundles.length === 0) {
    console.log('bundles: none in assets/ (no Lambda handler is registered in .projenrc.ts yet)');
    return;
  }
  const empty = path.join(fs.mkdtempSync(path.join(SCRATCH, 'empty-')), 'index.js');
  fs.writeFileSync(empty, '');
  const baseline = median(Array.from({ length: RUNS }, () => loadTimeMs(empty)));
  console.log(`bundle baseline (empty module)  load median ${baseline.toFixed(2)} ms`);
  for (const bundle of bundles) {
    const size = fs.statSync(bundle).size;
    const load = median(Array.from({ length: RUNS }, () => loadTimeMs(bundle)));
    const ratio = load / baseline;
    const verdict = ratio <= LOAD_TARGET ? 'within' : 'OVER';
    console.log(`bundle ${path.relative(assets, path.dirname(bundle)).padEnd(30)} ${(size / 1024).toFixed(1).padStart(8)} KiB  load median ${load.toFixed(2)} ms  (${ratio.toFixed(1)}x empty: ${verdict} the ${LOAD_TARGET}x target)`);
  }
}

// BENCH_ONLY=synth|bundles|tree|calendar|cost|regressions runs one part (all by default).
const ONLY = process.env.BENCH_ONLY;

async function main(): Promise<void> {
  if (!ONLY || ONLY === 'synth') benchSynth();
  if (!ONLY || ONLY === 'bundles') benchBundles();
  if (!ONLY || ONLY === 'tree') await benchTree();
  if (!ONLY || ONLY === 'calendar') await benchCalendar();
  if (!ONLY || ONLY === 'cost') benchCost();
  if (!ONLY || ONLY === 'regressions') benchRegressions();
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
