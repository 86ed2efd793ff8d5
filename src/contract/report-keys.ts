/*
 * Where ReportTree's index and run status records live in the reports bucket, defined once for
 * the constructs (permissions, lifecycle rules), the index writer, the check command and the
 * viewer (which bundles this file: it must stay free of imports). Prefixes start with '.', which no
 * site slug does, so they never read as a site's reports.
 */

/** The index: summary.json, sites/<slug>.json, and kept/ copies of files that could not be read. */
export const INDEX_PREFIX = '.cdk-sitespeed/index/';
export const SUMMARY_KEY = `${INDEX_PREFIX}summary.json`;
export const SITES_PREFIX = `${INDEX_PREFIX}sites/`;
export const KEPT_PREFIX = `${INDEX_PREFIX}kept/`;
/** One small object per run, whose key carries its status (lambda-src/report-index/run-status.ts). */
export const STATUS_PREFIX = '.cdk-sitespeed/runs/';
/** One trend file per site (src/contract/trends.ts): `<site>.json`, what the viewer charts. */
export const TRENDS_PREFIX = `${INDEX_PREFIX}trends/`;

export function trendKey(site: string): string {
  return `${TRENDS_PREFIX}${site}.json`;
}

/**
 * The regression markers of a site as the report index keeps them for the viewer (regressions,
 * recoveries, new baselines; src/contract/regression-markers.ts), with or without DeployMarkers:
 * a view of the site's regression file, rewritten whenever they change.
 */
export const REGRESSION_MARKERS_PREFIX = `${INDEX_PREFIX}regressions/`;

export function regressionMarkersKey(site: string): string {
  return `${REGRESSION_MARKERS_PREFIX}${site}.json`;
}

/** Deploy markers (src/contract/deploy-markers.ts), written by DeployMarkers' function, read by the viewer. */
export const MARKERS_KEY = `${INDEX_PREFIX}markers.json`;
/**
 * One marker per stopped task the run outcome function has handled (lambda-src/run-outcome/claim.ts),
 * so a copy of its STOPPED event publishes nothing; expired after a few days by the cluster's own bucket.
 */
export const OUTCOME_PREFIX = '.cdk-sitespeed/outcomes/';

/** One extract per run that left a report (src/contract/run-extracts.ts): `<site>/<run>.json`. */
export const EXTRACTS_PREFIX = '.cdk-sitespeed/extracts/';

export function extractKey(site: string, run: string): string {
  return `${EXTRACTS_PREFIX}${site}/${run}.json`;
}

/**
 * One file per site of regression detection (lambda-src/regression/series.ts): the detector's
 * state, the recent runs it decides on, and its recent verdicts: `<site>.json`.
 */
export const REGRESSIONS_PREFIX = '.cdk-sitespeed/regressions/';

export function regressionsKey(site: string): string {
  return `${REGRESSIONS_PREFIX}${site}.json`;
}

export function siteIndexKey(site: string): string {
  return `${SITES_PREFIX}${site}.json`;
}
