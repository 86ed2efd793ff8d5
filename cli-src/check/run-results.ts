import { GetBucketLifecycleConfigurationCommand, GetObjectCommand, LifecycleRule, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CheckContext } from './context';
import { probeMetrics } from './metrics';
import { probeScript, probeValues, runOnInstance } from './remote-shell';
import { fail, Line, pass, skip } from './report';
import { runFolderOf } from '../../lambda-src/shared/run-folder';
import { verdictOfRun } from '../../src/contract/regression-verdicts';
import { parseSiteIndex, parseSummary } from '../../src/contract/report-index';
import { extractKey, regressionsKey, siteIndexKey, SUMMARY_KEY } from '../../src/contract/report-keys';
import { argValue } from '../../src/contract/sitespeed-args';

const noRun = (step: string) => skip(step, 'not checked: no run finished (see run)');
const noFolder = (ctx: CheckContext, step: string) => (ctx.run ? skip(step, 'not checked: the run left no report folder (see report)') : noRun(step));

/** The run's report folder in the reports bucket: `<slug>/<UTC time>/`, as reportIndex finds it. */
export async function checkReport(ctx: CheckContext): Promise<Line[]> {
  const run = ctx.run;
  if (!run) return [noRun('report')];
  const bucket = argValue(run.args, '--s3.bucketname');
  if (!bucket) return [skip('report', `${run.site.site} uploads no report (no --s3.bucketname in its arguments)`)];
  const folder = await runFolderOf(ctx.clients.s3, bucket, { site: run.site.site, startedAt: run.startedAt, stoppedAt: run.stoppedAt });
  if (!folder) {
    return [fail('report', `no report folder of this run under s3://${bucket}/${run.site.site}/`,
      'the run\'s log stream says why the upload failed (the task role\'s access to the bucket, or the run failed before it)')];
  }
  run.folder = folder;
  const index = await ctx.clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${run.site.site}/${folder}/index.html`, MaxKeys: 1 }));
  return [(index.KeyCount ?? 0) > 0
    ? pass('report', `s3://${bucket}/${run.site.site}/${folder}/index.html`)
    : fail('report', `s3://${bucket}/${run.site.site}/${folder}/ has no index.html`, 'the upload was cut short: the run\'s log stream says why')];
}

/** The run in the calendar's index (written by reportIndex on the run's "Sitespeed Run Finished" event, within seconds). */
export async function checkCalendar(ctx: CheckContext): Promise<Line[]> {
  const run = ctx.run;
  if (!run?.folder) return [noFolder(ctx, 'calendar')];
  if (!argValue(run.args, '--resultBaseURL')) return [skip('calendar', `${run.site.site}'s cluster has no ReportTree`)];
  const bucket = argValue(run.args, '--s3.bucketname')!;
  const site = run.site.site;
  const deadline = ctx.clock.now() + ctx.options.stepTimeoutSeconds * 1000;
  let seen = `no ${siteIndexKey(site)}`;
  for (;;) {
    const siteText = await readText(ctx, bucket, siteIndexKey(site));
    const index = siteText === undefined ? undefined : parseSiteIndex(siteText, site);
    const entry = index?.runs.find(r => r.run === run.folder);
    if (entry) {
      const summaryText = await readText(ctx, bucket, SUMMARY_KEY);
      const summary = summaryText === undefined ? undefined : parseSummary(summaryText);
      if (summary && Object.prototype.hasOwnProperty.call(summary.sites, site)) {
        return [
          pass('calendar', `${site} ${run.folder} is in s3://${bucket}/${siteIndexKey(site)} as ${entry.status}, and ${site} in the summary`),
          await retentionLine(ctx, bucket, site, summary.retentionDays),
        ];
      }
      seen = `${site} ${run.folder} indexed, but ${summary ? `${SUMMARY_KEY} has no entry for ${site}` : `no readable ${SUMMARY_KEY}`}`;
    } else if (siteText !== undefined) {
      seen = index ? `${siteIndexKey(site)} without ${run.folder}` : `${siteIndexKey(site)} is not an index file`;
    }
    if (ctx.clock.now() > deadline) break;
    await ctx.clock.sleep(ctx.clock.pollMs);
  }
  return [fail('calendar', `after ${ctx.options.stepTimeoutSeconds} s, ${seen}`,
    'the reportIndex function did not index the run: its log group says why; the runOutcome function\'s log, whether the run\'s event was put')];
}

/**
 * Regression detection's link: reportIndex wrote the run's extract from the HARs sitespeed.io
 * stored, and the site's regression file judged it (both right after the calendar entry). The
 * check's run is on demand: judged against the baseline, never part of it.
 */
export async function checkRegressions(ctx: CheckContext): Promise<Line[]> {
  const run = ctx.run;
  if (!run?.folder) return [noFolder(ctx, 'regressions')];
  if (!argValue(run.args, '--resultBaseURL')) return [skip('regressions', `${run.site.site}'s cluster has no ReportTree`)];
  const bucket = argValue(run.args, '--s3.bucketname')!;
  const site = run.site.site;
  const deadline = ctx.clock.now() + ctx.options.stepTimeoutSeconds * 1000;
  let extract: any;
  let file: any;
  for (;;) {
    const parsed = (text: string | undefined) => {
      try {
        return text === undefined ? undefined : JSON.parse(text);
      } catch {
        return undefined;
      }
    };
    extract = parsed(await readText(ctx, bucket, extractKey(site, run.folder)));
    if (extract && !Array.isArray(extract.pages)) extract = undefined;
    if (extract && extract.pages.length === 0) {
      return [fail('regressions', `the run's extract has no pages: ${(extract.problems ?? []).join('; ') || 'no HAR read'}`,
        'regression detection reads the HAR sitespeed.io stores for each URL: leave out --browsertime.skipHar and keep the harstorer plugin (docs/regressions.md)')];
    }
    file = parsed(await readText(ctx, bucket, regressionsKey(site)));
    const entry = verdictOfRun(file, run.folder);
    if (extract && entry) {
      return [pass('regressions', `${site} ${run.folder}: an extract of ${extract.pages.length} URL(s) in s3://${bucket}/${extractKey(site, run.folder)}, ` +
        `judged ${entry.kind} in ${regressionsKey(site)} (a run of check is on demand: never part of the baseline)`)];
    }
    if (ctx.clock.now() > deadline) break;
    await ctx.clock.sleep(ctx.clock.pollMs);
  }
  if (extract && !file) {
    return [skip('regressions', `${site} ${run.folder} has its extract, and no regression file: regressions are off for ${site} (RegressionOptions)`)];
  }
  return [fail('regressions', `after ${ctx.options.stepTimeoutSeconds} s, ${extract ? `${regressionsKey(site)} has not judged ${run.folder}` : `no extract ${extractKey(site, run.folder)}`}`,
    'the reportIndex function writes both right after the calendar entry: its log group says why')];
}

/**
 * The site's reports expire when the index drops their runs: the bucket's lifecycle rule
 * reports-<slug> (ReportTree) says the same number of days as the summary.
 */
async function retentionLine(ctx: CheckContext, bucket: string, site: string, retentionDays: number | null): Promise<Line> {
  if (retentionDays === null) return skip('calendar', `reports of ${site} are kept for ever (ReportRetention.forever()): the bucket only grows`);
  const id = `reports-${site}`;
  let rules: LifecycleRule[];
  try {
    rules = (await ctx.clients.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
  } catch (e: any) {
    if (e?.name === 'AccessDenied') {
      return fail('calendar', `cannot read the lifecycle rules of s3://${bucket}`, 'the check needs s3:GetLifecycleConfiguration on the reports bucket (docs/check.md)');
    }
    if (e?.name !== 'NoSuchLifecycleConfiguration') throw e;
    rules = [];
  }
  const rule = rules.find(r => r.ID === id);
  const days = rule?.Status === 'Enabled' ? rule.Expiration?.Days : undefined;
  if (days === retentionDays) return pass('calendar', `reports of ${site} expire after ${days} days (lifecycle rule ${id}), when the index drops their runs`);
  const found = !rule ? `has no lifecycle rule ${id}` : rule.Status !== 'Enabled' ? `has the rule ${id} disabled` : `expires ${site}'s reports after ${days ?? 'no'} days`;
  return fail('calendar', `s3://${bucket} ${found}, while the index drops runs after ${retentionDays} days`,
    'deploy the stack again: the rule is the ReportTree\'s (a rule changed outside CloudFormation is replaced on the next deploy)');
}

export async function readText(ctx: CheckContext, bucket: string, key: string): Promise<string | undefined> {
  try {
    return await (await ctx.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
  } catch (e: any) {
    if (e?.name === 'NoSuchKey') return undefined;
    throw e;
  }
}

/** The report's link as the viewer serves it (CloudFront, its allow-list included). */
export async function checkViewer(ctx: CheckContext): Promise<Line[]> {
  const run = ctx.run;
  if (!run?.folder) return [noFolder(ctx, 'viewer')];
  const base = argValue(run.args, '--resultBaseURL');
  if (!base) return [skip('viewer', `${run.site.site} has no resultBaseURL (no ReportTree)`)];
  const url = `${base.replace(/\/$/, '')}/${run.site.site}/${run.folder}/index.html`;
  const status = await ctx.clients.httpStatus(url).catch(() => 0);
  if (status === 200) return [pass('viewer', `${url} answers 200`)];
  return [fail('viewer', `${url} answers ${status || 'nothing (no connection)'}`, status === 403
    ? 'the distribution refused this machine: with allowedCidrs, run the check from an address in them (or the report is missing)'
    : 'the distribution\'s origin access to the reports bucket, or DNS for a custom domainName: the distribution\'s settings in the CloudFront console')];
}

/** The site's keys and the run's annotation in the Graphite it sends to (when that Graphite is one of these stacks'). */
export async function checkKeys(ctx: CheckContext): Promise<Line[]> {
  const run = ctx.run;
  if (!run) return [noRun('keys')];
  const host = argValue(run.args, '--graphite.host');
  const namespace = argValue(run.args, '--graphite.namespace');
  if (!host || !namespace) return [skip('keys', `${run.site.site} sends no metrics to Graphite`)];
  const metrics = ctx.deployment.metrics.find(m => new URL(m.graphiteUrl).hostname === host);
  if (!metrics) return [skip('keys', `${run.site.site} sends to ${host}, which is not in these stacks`, 'add the metrics stack with --stack')];
  const values = await probeMetrics(ctx, metrics, 'keys', {
    keys: `${namespace}.${run.site.site}.*`, tag: run.site.site, from: Math.floor(run.startedAt.getTime() / 1000) - 60,
  });
  if (!(values instanceof Map)) return [values];
  const keys = Number(values.get('keys') ?? 0);
  const events = Number(values.get('events') ?? 0);
  return [
    keys > 0
      ? pass('keys', `Graphite has ${keys} key(s) under ${namespace}.${run.site.site}`)
      : fail('keys', `Graphite has no key under ${namespace}.${run.site.site}`,
        'the run could not reach Graphite\'s port 2003: the run\'s log stream, and the security groups between the cluster and the metrics instance'),
    events > 0
      ? pass('keys', `Graphite has the run's annotation (tag ${run.site.site})`)
      : fail('keys', `Graphite has no annotation of this run (tag ${run.site.site})`,
        'the run\'s log says "Got 401 from Graphite" when the credentials did not reach it: the entrypoint shim exports them only for the stack\'s Graphite host'),
  ];
}

/** The config folder on the run's instance mirrors the config prefix (a dry run of the same sync). */
export async function checkConfig(ctx: CheckContext): Promise<Line[]> {
  const instanceId = ctx.run?.instanceId;
  if (!instanceId) return [skip('config', 'not checked: no instance of the run to ask (see run)')];
  const result = await runOnInstance(ctx.clients.ssm, instanceId, probeScript('sitespeed-check-config.sh'), {}, ctx.clock, ctx.options.stepTimeoutSeconds);
  const values = probeValues(result.output);
  const state = values.get('config');
  if (result.status !== 'Success' || !state) {
    return [fail('config', `the probe on ${instanceId} ended ${result.status} (exit ${result.exitCode}) ${result.errors.trim()}`.trim(),
      `is the instance managed by SSM? \`aws ssm describe-instance-information --filters Key=InstanceIds,Values=${instanceId}\``)];
  }
  if (state === 'none') return [skip('config', `${ctx.run!.site.cluster.name} has no ConfigSync`)];
  if (state === 'current') return [pass('config', `${instanceId}'s config folder mirrors the config prefix (${values.get('files')} files)`)];
  const changes = result.output.split('\n').filter(l => l.startsWith('(dryrun)')).slice(0, 3).join('; ');
  return [fail('config', `${instanceId}'s config folder is ${state}${state === 'behind' ? ` by ${values.get('changes')} change(s): ${changes}` : ''}`,
    'the sync on upload did not reach it: the syncConfig function\'s log group, and `aws ssm list-commands --max-items 3`')];
}
