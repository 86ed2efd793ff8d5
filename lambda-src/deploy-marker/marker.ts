/** Pure: a marker from what the function was given (a request of `cdk-sitespeed mark`, or a rule's event). */
import { randomUUID } from 'crypto';
import { DeployMarker, MAX_MESSAGE_CHARS, markRequestProblems } from '../../src/contract/deploy-markers';
import { BadRequestError } from '../shared/handler';

/**
 * What a DeployMarkers rule sends (its target's input): the matched event's own fields and the
 * sites the rule marks. The whole event is not passed: only these fields are read.
 */
export interface RuleInput {
  readonly fromEvent: { readonly id: string; readonly time: string; readonly source: string; readonly detailType: string; readonly detail?: any };
  readonly sites: string[];
}

/** The marker of a direct request or of a rule's input; a bad request throws, naming each field. */
export function markerOf(input: unknown, knownSites: string[], now: Date): DeployMarker {
  if (isRuleInput(input)) return markerOfEvent(input, knownSites);
  const problems = markRequestProblems(input, knownSites);
  if (problems.length) throw new BadRequestError(`not a deploy marker request: ${problems.join('; ')}`);
  const request = input as any;
  return {
    id: request.id ?? randomUUID(),
    at: new Date(request.at ?? now).toISOString(),
    message: request.message.trim(),
    sites: request.sites?.length ? [...new Set<string>(request.sites)] : knownSites,
    source: request.source ?? 'cdk-sitespeed mark',
    ...(request.accept === true ? { accept: true } : {}),
  };
}

function isRuleInput(input: any): input is RuleInput {
  return typeof input?.fromEvent === 'object' && input.fromEvent !== null;
}

function markerOfEvent(input: RuleInput, knownSites: string[]): DeployMarker {
  const { id, time, source, detailType } = input.fromEvent;
  if (typeof id !== 'string' || typeof source !== 'string' || typeof detailType !== 'string' || Number.isNaN(Date.parse(time))) {
    throw new BadRequestError(`not a rule's input: fromEvent needs the event's id, time, source and detailType (got ${JSON.stringify(input.fromEvent).slice(0, 300)})`);
  }
  const sites = Array.isArray(input.sites) && input.sites.length ? input.sites : knownSites;
  const unknown = sites.filter(s => !knownSites.includes(s));
  if (unknown.length) throw new BadRequestError(`sites: no site ${unknown.map(s => `'${s}'`).join(', ')} on this cluster; choose from ${knownSites.join(', ')}`);
  return {
    // EventBridge delivers at least once: a copy of the event has the same id, so it marks once.
    id: `event:${id}`,
    at: new Date(time).toISOString(),
    message: oneLine(describeEvent(detailType, input.fromEvent.detail)),
    sites,
    source: `${source} ${detailType}`,
  };
}

/** What a deploy event says, for the common AWS sources; any other: its detail-type and first plain fields. */
export function describeEvent(detailType: string, detail: any): string {
  const d = typeof detail === 'object' && detail !== null ? detail : {};
  if (typeof d.pipeline === 'string') return `${d.pipeline} ${d.state ?? ''}${d['execution-id'] ? ` (execution ${d['execution-id']})` : ''}`;
  if (typeof d.application === 'string' && typeof d.deploymentId === 'string') {
    return `${d.application}${d.deploymentGroup ? `/${d.deploymentGroup}` : ''} ${d.state ?? ''} (deployment ${d.deploymentId})`;
  }
  if (typeof d.deploymentId === 'string' && typeof d.eventName === 'string') return `${d.eventName} (ECS deployment ${d.deploymentId})`;
  const plain = Object.entries(d).filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v)).slice(0, 4);
  return `${detailType}${plain.length ? `: ${plain.map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}`;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim() || 'deploy';
  return line.length > MAX_MESSAGE_CHARS ? `${line.slice(0, MAX_MESSAGE_CHARS - 1)}…` : line;
}
