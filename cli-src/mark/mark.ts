/**
 * `cdk-sitespeed mark`: a deploy marker on the calendar and in Graphite, through each cluster's
 * DeployMarkers function (the same path as the construct's rules), with an exit code a pipeline can use.
 */
import { randomUUID } from 'crypto';
import { MarkOptions } from './options';
import { credentialProblem } from '../aws-errors';
import { CheckIo, discover } from '../check/check';
import { Clients } from '../check/context';
import { formatLine } from '../check/report';
import { invokeFunction } from '../check/site-run';

export interface MarkedCluster {
  readonly cluster: string;
  readonly sites: string[];
  readonly ok: boolean;
  /** The function's answer (MarkOutcome: id, at, added, markersFile, annotated, notAnnotated). */
  readonly outcome?: any;
  readonly error?: string;
}

/** Marks the sites; 0 when every cluster's function marked them, 3 when one did not, 2 before any call. */
export async function markSites(options: MarkOptions, clients: Clients, io: CheckIo): Promise<number> {
  const found = await discover(options.stacks, clients);
  if (!found.deployment) {
    found.lines.forEach(l => io.err(`cdk-sitespeed mark: ${formatLine(l)}\n`));
    return 2;
  }
  const { markers, sites } = found.deployment;
  const marked = sites.filter(s => markers.some(m => m.cluster.stack === s.cluster.stack && m.cluster.logicalId === s.cluster.logicalId));
  if (markers.length === 0) {
    io.err(`cdk-sitespeed mark: no DeployMarkers in ${options.stacks.join(', ')}: add one for the cluster (new DeployMarkers(this, 'Markers', { cluster })) and deploy\n`);
    return 2;
  }
  const unknown = options.sites.filter(s => !marked.some(site => site.site === s));
  if (unknown.length > 0) {
    io.err(`cdk-sitespeed mark: no site ${unknown.map(s => `'${s}'`).join(', ')} with a DeployMarkers in ${options.stacks.join(', ')}; choose from: ${marked.map(s => s.site).join(', ') || 'none'}\n`);
    return 2;
  }
  // One id for every cluster's marker: a retry with --id finds them all.
  const id = options.id ?? `mark-${randomUUID()}`;
  const results: MarkedCluster[] = [];
  try {
    for (const m of markers) {
      const ofCluster = marked.filter(s => s.cluster === m.cluster).map(s => s.site)
        .filter(s => options.sites.length === 0 || options.sites.includes(s));
      if (ofCluster.length === 0) continue;
      const request = { message: options.message, sites: ofCluster, id, source: 'cdk-sitespeed mark', ...(options.accept ? { accept: true } : {}) };
      const { answer, functionError } = await invokeFunction(clients, { arn: m.functionName, input: JSON.stringify(request) });
      results.push(functionError
        ? { cluster: m.cluster.name, sites: ofCluster, ok: false, error: String(answer?.errorMessage ?? functionError) }
        : { cluster: m.cluster.name, sites: ofCluster, ok: true, outcome: answer });
    }
  } catch (e) {
    const problem = credentialProblem(e);
    if (!problem) throw e;
    io.err(`cdk-sitespeed mark: ${problem}\n`);
    return 2;
  }
  const exitCode = results.every(r => r.ok) ? 0 : 3;
  if (options.json) {
    io.out(JSON.stringify({ exitCode, id, message: options.message, accept: options.accept, clusters: results }, null, 2));
  } else {
    for (const r of results) io.out(describe(r));
    const accepting = options.accept ? ': an open regression of a marked site is accepted at its next scheduled run' : '';
    io.out(exitCode === 0 ? `exit 0: marked '${options.message}' (id ${id})${accepting}` : `exit 3: not every mark went through; retry with --id ${id}`);
  }
  return exitCode;
}

function describe(r: MarkedCluster): string {
  if (!r.ok) return `✗ ${r.sites.join(', ')} (${r.cluster}): ${r.error}`;
  const o = r.outcome ?? {};
  const lines = [`✓ ${r.sites.join(', ')} (${r.cluster}): ${o.added === false ? 'already marked' : 'marked'} at ${o.at} on the calendar (${o.markersFile})`];
  if (o.annotated?.length) lines.push(`    Graphite annotation (tags deploy and the site): ${o.annotated.join(', ')}`);
  for (const why of o.notAnnotated ?? []) lines.push(`    no Graphite annotation: ${why}`);
  if (o.runs?.skipped) lines.push(`    no run after the deploy: ${o.runs.skipped}`);
  else if (o.runs?.sites?.length) lines.push(`    runs after the deploy (DeployMarkers runAfter): ${o.runs.sites.join(', ')} at ${o.runs.at}`);
  return lines.join('\n');
}
