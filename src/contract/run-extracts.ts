/*
 * Run extracts: after each run that left a report, a small file of what each of its URLs measured
 * (the median of the run's iterations) and what defines the test setup, kept beside the report
 * index so regression detection and trend charts read one object per run instead of its report.
 * No imports: the viewer and the CLI bundle this file.
 *
 *   .cdk-sitespeed/extracts/<site>/<run>.json
 *     { "version": 1, "site": "shop", "run": "2026-12-06-10-00-00", "status": "ok", "rerun": false,
 *       "setup": { "browser": "Chrome", "browserVersion": "131.0.6778.85", "harCreator": "chrome-har 1.3.1",
 *                  "connectivity": "native", "iterations": 3, "urls": ["https://shop.example.com/"] },
 *       "pages": [ { "url": "https://shop.example.com/", "iterations": 3,
 *                    "medians": { "largestContentfulPaint": 812, "transferSize": 431120, … } } ],
 *       "problems": [] }
 *
 * The source is the HAR sitespeed.io stores for every URL of a run by default
 * (`pages/<url folder>/data/browsertime.har`, or `.har.gz` with --gzipHAR): sitespeed.io's
 * harstorer plugin (lib/plugins/harstorer/index.js, 39.2.0 and 42.7.0) writes the HAR browsertime
 * made, one HAR page per iteration, to which browsertime adds its metrics
 * (lib/support/har/index.js addExtrasToHAR and addMetaToHAR: browsertime 26.2.0, which sitespeed.io
 * 39.2.0 runs, and 28.3.0, which 42.7.0 runs, write the same fields). A run with
 * --browsertime.skipHar has no HAR: its extract has no pages and says so in `problems`.
 */

/** The metrics an extract keeps, each with its unit and where the HAR page holds it. */
export const EXTRACT_METRICS = {
  /** Time to first byte of the main document (browsertime's timings.ttfb). */
  ttfb: { unit: 'ms', from: '_googleWebVitals.ttfb' },
  firstContentfulPaint: { unit: 'ms', from: '_googleWebVitals.firstContentfulPaint, else pageTimings._firstContentfulPaint' },
  largestContentfulPaint: { unit: 'ms', from: '_googleWebVitals.largestContentfulPaint, else pageTimings._largestContentfulPaint' },
  /** Chromium only (browsertime's long tasks). */
  totalBlockingTime: { unit: 'ms', from: '_googleWebVitals.totalBlockingTime' },
  cumulativeLayoutShift: { unit: 'score', from: '_googleWebVitals.cumulativeLayoutShift' },
  /** Visual metrics exist only with video (--video / --visualMetrics). */
  speedIndex: { unit: 'ms', from: '_visualMetrics.SpeedIndex' },
  firstVisualChange: { unit: 'ms', from: '_visualMetrics.FirstVisualChange' },
  lastVisualChange: { unit: 'ms', from: '_visualMetrics.LastVisualChange' },
  /** The end of the last response after the page started, as browsertime's getFullyLoaded computes it. */
  fullyLoaded: { unit: 'ms', from: 'max over the page\'s entries of startedDateTime + time - page.startedDateTime' },
  /** The sum of the page's responses' bodySize, as pagexray (lib/index.js) sums a page's transferSize. */
  transferSize: { unit: 'bytes', from: 'sum of entries[].response.bodySize (>= 0) of the page' },
  requests: { unit: 'count', from: 'the number of entries of the page' },
} as const;

export type ExtractMetric = keyof typeof EXTRACT_METRICS;
export const EXTRACT_METRIC_NAMES = Object.keys(EXTRACT_METRICS) as ExtractMetric[];

/**
 * The metrics a regression reports beside the timings it tests, and how far each must rise above
 * the baseline median (the larger of `absolute`, in the metric's unit, and `percent` of the median):
 * lambda-src/regression/also-changed.ts. Web Vitals' own "good" limits set the scale of CLS and
 * TBT (0.1 and 200 ms, https://web.dev/articles/cls and https://web.dev/articles/tbt): half of each.
 */
export const REPORTED_THRESHOLDS = {
  transferSize: { absolute: 10_000, percent: 5 },
  requests: { absolute: 1, percent: 0 },
  cumulativeLayoutShift: { absolute: 0.05, percent: 0 },
  totalBlockingTime: { absolute: 100, percent: 25 },
} as const;

export type ReportedMetric = keyof typeof REPORTED_THRESHOLDS;

/** What a run measured of one URL: the median over its iterations of each metric it had. */
export interface PageExtract {
  readonly url: string;
  /** The iterations (HAR pages) of this URL in the run. */
  readonly iterations: number;
  readonly medians: Partial<Record<ExtractMetric, number>>;
}

/**
 * What defines a run's test setup: runs compare only with runs of the same setup (a new browser
 * version or another URL set starts a new baseline). From the HAR: log.browser, log.creator,
 * the pages' _meta.connectivity. The sitespeed.io version is in no HAR; the browser version
 * changes with it (each sitespeed.io image ships its browsers).
 */
export interface RunSetup {
  readonly browser: string;
  readonly browserVersion: string;
  /**
   * What wrote the HAR, name and version (log.creator): `chrome-har 1.1.1` for Chrome (browsertime
   * 26.2.0 and 28.3.0 take Chrome's HAR from sitespeedio/chrome-har, whose index.js names itself;
   * seen in the e2e's real run), `Browsertime <version>` for Firefox (browsertime's addCreator).
   */
  readonly harCreator: string;
  readonly connectivity: string;
  /** The most iterations any URL had. */
  readonly iterations: number;
  /** The URLs measured, sorted. */
  readonly urls: string[];
}

export interface RunExtract {
  readonly version: 1;
  readonly site: string;
  readonly run: string;
  /**
   * The run's status from its "Sitespeed Run Finished" event (ok, budget failed, failed: any run
   * that left a report), or from the index when the daily rebuild wrote the extract ('unknown'
   * for a run whose event was lost).
   */
  readonly status: string;
  /** A confirmation run (started by SiteAlerts after a failure): never part of a baseline. */
  readonly rerun: boolean;
  /** A run started on demand (`cdk-sitespeed run`): judged, never part of a baseline (absent: false). */
  readonly onDemand?: boolean;
  /** Absent when no HAR could be read. */
  readonly setup?: RunSetup;
  readonly pages: PageExtract[];
  /** What could not be read (a HAR that is not JSON, a run without HARs), one line each; the rest is kept. */
  readonly problems: string[];
}

/** A setup as one string: runs with equal keys are comparable. */
export function setupKeyOf(setup: RunSetup): string {
  return JSON.stringify([setup.browser, setup.browserVersion, setup.harCreator, setup.connectivity, setup.iterations, setup.urls]);
}
