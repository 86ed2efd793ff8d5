/**
 * DeployMarkers wired (docs/deploy-markers.md), read-only: `cdk-sitespeed mark` is what writes a
 * marker. For each DeployMarkers function, from its own configuration (what it reads when a marker
 * comes, mark-deploy.ts markerConfigFromEnv): the site schedules its runAfter copies exist
 * (run-after.ts reads each with GetSchedule: a missing one fails every run after a deploy), and
 * the markers file in the reports bucket parses (the calendar and the regression detector read it:
 * a corrupt one is ignored by both).
 */
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { GetScheduleCommand } from '@aws-sdk/client-scheduler';
import { CheckContext } from './context';
import { Markers } from './deployment';
import { fail, Line, pass, skip } from './report';
import { readText } from './run-results';
import { parseMarkerFile, RunAfterConfig } from '../../src/contract/deploy-markers';
import { MARKERS_KEY } from '../../src/contract/report-keys';

export async function checkMarkers(ctx: CheckContext): Promise<Line[]> {
  if (ctx.deployment.markers.length === 0) return [skip('markers', 'no DeployMarkers in these stacks')];
  const lines: Line[] = [];
  for (const markers of ctx.deployment.markers) {
    const configuration = await ctx.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: markers.functionName }));
    const env = configuration.Environment?.Variables ?? {};
    lines.push(await runAfterLine(ctx, markers, env.RUN_AFTER));
    lines.push(await markerFileLine(ctx, markers, env.REPORTS_BUCKET));
  }
  return lines;
}

async function runAfterLine(ctx: CheckContext, markers: Markers, text: string | undefined): Promise<Line> {
  if (!text) return skip('markers', `${markers.functionName}: no runs after a deploy (DeployMarkers runAfter is not set)`);
  let config: RunAfterConfig;
  try {
    config = JSON.parse(text);
  } catch {
    return fail('markers', `${markers.functionName}: its RUN_AFTER is not JSON`, 'redeploy the stack: DeployMarkers writes it at synth');
  }
  const schedules = Object.entries(config.schedules ?? {});
  const missing: string[] = [];
  for (const [site, name] of schedules) {
    try {
      await ctx.clients.scheduler.send(new GetScheduleCommand({ Name: name }));
    } catch (e: any) {
      if (e?.name !== 'ResourceNotFoundException') throw e;
      missing.push(`${site} (${name})`);
    }
  }
  if (missing.length > 0) {
    return fail('markers', `${markers.functionName}: runs after a deploy copy schedules that do not exist: ${missing.join(', ')}`,
      'a schedule deleted or renamed outside CloudFormation: redeploy the stack (the function reads each site\'s own schedule when a marker comes)');
  }
  return pass('markers', `${markers.functionName}: runs ${Math.round(config.seconds / 60)} min after a deploy copy the schedules of ${schedules.length} site(s), ` +
    `each found; into the schedule group ${config.group}`);
}

async function markerFileLine(ctx: CheckContext, markers: Markers, bucket: string | undefined): Promise<Line> {
  // Reading the reports bucket is part of the run's permissions (--print-policy): not without the run.
  if (!ctx.options.run) return skip('markers', `${markers.functionName}: the markers file not read (--no-run)`);
  if (!bucket) return fail('markers', `${markers.functionName} has no REPORTS_BUCKET`, 'redeploy the stack: DeployMarkers writes it at synth');
  const text = await readText(ctx, bucket, MARKERS_KEY);
  if (text === undefined) return pass('markers', `s3://${bucket}/${MARKERS_KEY}: no marker yet (the first \`cdk-sitespeed mark\` writes it)`);
  const file = parseMarkerFile(text);
  if (!file) {
    return fail('markers', `s3://${bucket}/${MARKERS_KEY} is not a markers file: the calendar and the regression detector ignore it`,
      'the next marker keeps it aside under .cdk-sitespeed/index/kept/ and starts a new file: the markers in it are on the calendar again only if you mend that copy and put it back');
  }
  const newest = [...file.markers].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).pop();
  return pass('markers', `s3://${bucket}/${MARKERS_KEY}: ${file.markers.length} marker(s)${newest ? `, the newest at ${newest.at}: ${newest.message}` : ''}`);
}
