/**
 * Pure: the marker of a regression event (the ReportTree's detector, docs/regressions.md), so a
 * regression is on the calendar beside its runs and a Graphite annotation on the site's
 * dashboards, through the same record-once, annotate-what-is-missing path as a deploy. The id is
 * the regression's (the same for every copy of its event), so a copy adds nothing.
 */
import { DeployMarker, MAX_MESSAGE_CHARS } from '../../src/contract/deploy-markers';
import { BaselineReset, RegressionDetected, RegressionFinding, RegressionRecovered, RUN_EVENTS } from '../../src/contract/run-events';
import { timeOfFolder } from '../../src/contract/run-folders';
import { BadRequestError } from '../shared/handler';

const SHORT: Record<string, string> = { largestContentfulPaint: 'LCP', firstContentfulPaint: 'FCP', ttfb: 'TTFB' };

/** Whether the function was given a regression event (a DeployMarkers rule on the cluster's regression events). */
export function isRegressionEvent(input: any): boolean {
  return [RUN_EVENTS.regressionDetected, RUN_EVENTS.regressionRecovered, RUN_EVENTS.baselineReset].includes(input?.['detail-type']);
}

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

const oneLine = (text: string) => (text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS - 1)}…` : text);

/** The marker of a regression event; an event without what it needs throws, naming the field. */
export function markerOfRegressionEvent(event: any, knownSites: string[]): DeployMarker {
  const detailType: string = event['detail-type'];
  const detail = event.detail;
  for (const field of ['site', 'run', 'id']) {
    if (typeof detail?.[field] !== 'string') throw new BadRequestError(`${detailType} event: detail.${field} is ${JSON.stringify(detail?.[field])}; expected a string`);
  }
  if (!knownSites.includes(detail.site)) {
    throw new BadRequestError(`${detailType} event of site '${detail.site}', which is not a site of this cluster (${knownSites.join(', ') || 'none'}): not marked`);
  }
  // Marker ids allow letters, digits and . _ : - (MARKER_ID): the regression's id is <site>@<run>.
  const idOf = (kind: string, of: string) => `${kind}:${detail.site}:${of}`;
  const base = { sites: [detail.site], source: detailType };
  if (detailType === RUN_EVENTS.regressionDetected) {
    const d = detail as RegressionDetected;
    return {
      ...base,
      id: idOf('regression', d.since),
      at: at(d.firstSlowRun ?? d.since),
      message: oneLine((d.findings ?? []).map(moved).join(', ') || 'slower'),
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
