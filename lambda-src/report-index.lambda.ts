import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { trackRegressions } from './regression/series';
import { settingsFromEnv } from './regression/settings';
import { retentionDaysOf } from './report-index/index-files';
import { writeExtract } from './report-index/run-extract';
import { IndexLocation, rebuildIndex, updateRun } from './report-index/s3-index';
import { updateTrend } from './report-index/trend-file';
import { loggedHandler, requiredEnv } from './shared/handler';
import { runFinishedOf } from '../src/contract/run-events';

const s3 = new S3Client({});
const events = new EventBridgeClient({});
// Read once per container: a bad value fails every invocation loudly, naming the field.
const regressionSettings = settingsFromEnv(process.env.REGRESSION_SETTINGS);
const log = (line: object) => console.log(JSON.stringify(line));

/**
 * On a "Sitespeed Run Finished" event (the run outcomes of every cluster that writes to this
 * bucket): files the run in its site's index file and the summary, then writes the run's extract
 * (what each URL measured, from its HARs: report-index/run-extract.ts), adds it to the site's trend
 * file (report-index/trend-file.ts, what the viewer charts) and, unless its
 * REGRESSION_SETTINGS turn it off for the site, takes it through the site's regression detection
 * (regression/series.ts). Invoked with
 * {"rebuild": true} (daily, and by hand): rebuilds every index file from a full listing.
 */
export const handler = loggedHandler(async (event: any): Promise<object> => {
  const location: IndexLocation = {
    bucket: requiredEnv(process.env, 'REPORTS_BUCKET'),
    retentionDays: retentionDaysOf(process.env.RETENTION_DAYS),
  };
  if (event?.rebuild === true) {
    const summary = await rebuildIndex(s3, location, log);
    return { rebuilt: Object.keys(summary.sites).length };
  }
  const run = await updateRun(s3, location, event, log);
  // After the index (what users see first); a failure here retries the event, and both steps are idempotent.
  const detail = runFinishedOf(event);
  const finished = { site: detail.site, run: detail.run, status: detail.status, rerun: detail.rerun === true, onDemand: detail.onDemand === true };
  const extract = await writeExtract(s3, location.bucket, finished, log);
  if (extract) await updateTrend(s3, location.bucket, extract, location.retentionDays, log);
  const settings = regressionSettings(detail.site);
  const regression = extract && settings
    ? await trackRegressions({ s3, events }, location.bucket, extract, { cluster: detail.cluster, viewerUrl: detail.viewerUrl }, log, settings)
    : undefined;
  return { site: run.site, run: run.run, status: run.status, extractedPages: extract?.pages.length ?? 0, regression: regression?.kind ?? null };
});
