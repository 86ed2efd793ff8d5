/**
 * One HAR as sitespeed.io stores it per URL (browsertime's, one HAR page per iteration) to what an
 * extract keeps of it: per URL, the median of each metric over its iterations; and the setup.
 * Field by field from browsertime's lib/support/har/index.js (26.2.0 and 28.3.0): see
 * src/contract/run-extracts.ts for where each metric comes from. Pure.
 */
import { median } from '../../src/contract/median';
import { EXTRACT_METRIC_NAMES, ExtractMetric, PageExtract, RunSetup } from '../../src/contract/run-extracts';

export interface HarSummary {
  readonly pages: PageExtract[];
  readonly setup: RunSetup;
}

const number = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');


/** One HAR page (an iteration): each metric it has. */
function iterationMetrics(page: any, entries: any[]): Partial<Record<ExtractMetric, number>> {
  const vitals = page._googleWebVitals ?? {};
  const timings = page.pageTimings ?? {};
  const visual = page._visualMetrics ?? {};
  const start = Date.parse(page.startedDateTime);
  const own = entries.filter(e => e?.pageref === page.id);
  // browsertime's getFullyLoaded: the latest entry end after the page started.
  const ends = own.map(e => Date.parse(e.startedDateTime) + (number(e.time) ?? 0) - start).filter(Number.isFinite);
  const sizes = own.map(e => number(e?.response?.bodySize)).filter((s): s is number => s !== undefined && s >= 0);
  const metrics: Partial<Record<ExtractMetric, number | undefined>> = {
    ttfb: number(vitals.ttfb),
    firstContentfulPaint: number(vitals.firstContentfulPaint) ?? number(timings._firstContentfulPaint),
    largestContentfulPaint: number(vitals.largestContentfulPaint) ?? number(timings._largestContentfulPaint),
    totalBlockingTime: number(vitals.totalBlockingTime),
    cumulativeLayoutShift: number(vitals.cumulativeLayoutShift),
    speedIndex: number(visual.SpeedIndex),
    firstVisualChange: number(visual.FirstVisualChange),
    lastVisualChange: number(visual.LastVisualChange),
    fullyLoaded: ends.length > 0 && Number.isFinite(start) ? Math.max(0, Math.round(Math.max(...ends))) : undefined,
    transferSize: own.length > 0 ? sizes.reduce((a, b) => a + b, 0) : undefined,
    requests: own.length,
  };
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => v !== undefined)) as Partial<Record<ExtractMetric, number>>;
}

/** A HAR's summary, or an error saying what it lacks (not a HAR, no pages). */
export function summariseHar(har: unknown): HarSummary {
  const log = (har as any)?.log;
  if (!log || typeof log !== 'object' || !Array.isArray(log.pages)) throw new Error('not a HAR: no log.pages');
  if (log.pages.length === 0) throw new Error('a HAR without pages');
  const entries: any[] = Array.isArray(log.entries) ? log.entries : [];
  const byUrl = new Map<string, Partial<Record<ExtractMetric, number>>[]>();
  for (const page of log.pages) {
    // browsertime sets _url on every page it measured (addMetaToHAR's caller); a HAR from elsewhere may only have a title.
    const url = text(page?._url) || text(page?.title);
    if (!byUrl.has(url)) byUrl.set(url, []);
    byUrl.get(url)!.push(iterationMetrics(page ?? {}, entries));
  }
  const pages = [...byUrl].map(([url, iterations]): PageExtract => {
    const medians: Partial<Record<ExtractMetric, number>> = {};
    for (const name of EXTRACT_METRIC_NAMES) {
      const values = iterations.map(i => i[name]).filter((v): v is number => v !== undefined);
      if (values.length > 0) medians[name] = median(values);
    }
    return { url, iterations: iterations.length, medians };
  });
  return {
    pages,
    setup: {
      browser: text(log.browser?.name),
      browserVersion: text(log.browser?.version),
      harCreator: [text(log.creator?.name), text(log.creator?.version)].filter(Boolean).join(' '),
      connectivity: text(log.pages[0]?._meta?.connectivity),
      iterations: Math.max(...pages.map(p => p.iterations)),
      urls: pages.map(p => p.url).sort(),
    },
  };
}
