/**
 * The marker of a regression event (the ReportTree's detector, docs/regressions.md), so a
 * regression is on the calendar beside its runs and a Graphite annotation on the site's
 * dashboards, through the same record-once, annotate-what-is-missing path as a deploy. The id is
 * the regression's (the same for every copy of its event), so a copy adds nothing. The conversion
 * itself is the contract's (src/contract/regression-markers.ts): the report index writes the same markers.
 */
import { DeployMarker } from '../../src/contract/deploy-markers';
import { regressionMarkerOf } from '../../src/contract/regression-markers';
import { RUN_EVENTS } from '../../src/contract/run-events';
import { BadRequestError } from '../shared/handler';

/** Whether the function was given a regression event (a DeployMarkers rule on the cluster's regression events). */
export function isRegressionEvent(input: any): boolean {
  return [RUN_EVENTS.regressionDetected, RUN_EVENTS.regressionRecovered, RUN_EVENTS.baselineReset].includes(input?.['detail-type']);
}

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
  return regressionMarkerOf(detailType, detail);
}
