/*
 * A regression event as a marker (src/contract/deploy-markers.ts): what the calendar shows beside
 * the runs and what DeployMarkers annotates in Graphite. The id is the regression's, the same for
 * every copy of its event and for both writers of it — DeployMarkers' markers file and the
 * report index's own regression markers (lambda-src/regression/series.ts) — so the viewer shows
 * one of each. Pure; imports only the contract.
 */
import { DeployMarker, MAX_MESSAGE_CHARS } from './deploy-markers';
import { BaselineReset, changeDelta, RegressionChange, RegressionDetected, RegressionFinding, RegressionRecovered, RUN_EVENTS } from './run-events';
import { timeOfFolder } from './run-folders';

const SHORT: Record<string, string> = {
  largestContentfulPaint: 'LCP',
  firstContentfulPaint: 'FCP',
  ttfb: 'TTFB',
  transferSize: 'weight',
  requests: 'requests',
  cumulativeLayoutShift: 'CLS',
  totalBlockingTime: 'TBT',
};

const at = (run: string) => new Date(timeOfFolder(run)).toISOString();

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

function moved(f: RegressionFinding): string {
  const percent = f.baselineMedian > 0 ? Math.round(f.shift / f.baselineMedian * 100) : 0;
  return `${SHORT[f.metric] ?? f.metric} +${percent} % (${Math.round(f.baselineMedian)} → ${Math.round(f.recentMedian)} ${f.unit}) ${pathOf(f.url)}`;
}

/** What else rose, shorter: `weight +500 kB /`. */
const rose = (c: RegressionChange) => `${SHORT[c.metric] ?? c.metric} ${changeDelta(c)} ${pathOf(c.url)}`;

const oneLine = (text: string) => (text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS - 1)}…` : text);

/** The marker of a regression event's detail (its site, run and id already checked). */
export function regressionMarkerOf(detailType: string, detail: RegressionDetected | RegressionRecovered | BaselineReset): DeployMarker {
  // Marker ids allow letters, digits and . _ : - (MARKER_ID): the regression's id is <site>@<run>.
  const idOf = (kind: string, of: string) => `${kind}:${detail.site}:${of}`;
  const base = { sites: [detail.site], source: detailType };
  if (detailType === RUN_EVENTS.regressionDetected) {
    const d = detail as RegressionDetected;
    return {
      ...base,
      id: idOf('regression', d.since),
      at: at(d.firstSlowRun ?? d.since),
      // (events put before alsoChanged existed have none)
      message: oneLine([...(d.findings ?? []).map(moved), ...(d.alsoChanged ?? []).map(rose)].join(', ') || 'slower'),
      kind: 'regression',
    };
  }
  if (detailType === RUN_EVENTS.regressionRecovered) {
    const d = detail as RegressionRecovered;
    return {
      ...base,
      id: idOf('recovered', d.since),
      at: at(d.run),
      message: d.how === 'accepted' ? `the slower level since ${d.since} is the new baseline` : `back to its baseline (slower since ${d.since})`,
      kind: 'recovered',
    };
  }
  const d = detail as BaselineReset;
  return {
    ...base,
    id: idOf('baseline', d.run),
    at: at(d.run),
    message: oneLine(`new test setup: ${d.setup?.browser ?? '?'} ${d.setup?.browserVersion ?? '?'}, ${d.setup?.iterations ?? '?'} iterations, ` +
      `${d.setup?.urls?.length ?? '?'} URLs, ${d.setup?.connectivity ?? '?'}`),
    kind: 'baseline',
  };
}
