/*
 * Deploy markers: what `cdk-sitespeed mark` and a DeployMarkers rule send the markDeploy
 * function, and the file of markers it keeps beside the report index, which the viewer reads.
 * No imports: the viewer and the CLI bundle this file.
 *
 *   .cdk-sitespeed/index/markers.json
 *     { "version": 1, "markers": [ { "id": "…", "at": "2026-12-06T18:40:00.000Z",
 *       "message": "v1.2.3", "sites": ["shop"], "source": "cdk-sitespeed mark", "annotated": ["shop"] } ] }
 */

/** A marker's text: one line, what a Graphite annotation and a calendar tooltip show. */
export const MAX_MESSAGE_CHARS = 200;
/** Markers the file keeps at most (the oldest go first), besides the reports' retention. */
export const MAX_MARKERS = 2000;
/** A marker's id: given by the caller to make a retry idempotent, or the EventBridge event's id. */
export const MARKER_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** What the markDeploy function takes when invoked directly (the CLI, a pipeline's own call). */
export interface MarkRequest {
  /** One line, e.g. 'v1.2.3' or 'shop 4f2a9c1 deployed'. */
  readonly message: string;
  /** The sites marked; absent or empty: every site of the cluster. */
  readonly sites?: string[];
  /** Makes a retry of the same marker a no-op; absent: a new id. */
  readonly id?: string;
  /** When the deploy happened (ISO 8601); absent: now. */
  readonly at?: string;
  /** Who marked, shown with the marker. @default 'cdk-sitespeed mark' */
  readonly source?: string;
  /**
   * The change is meant: a regression open on a marked site is accepted at its next scheduled run
   * (its level becomes the baseline), instead of after `acceptAfterRuns`. @default false
   */
  readonly accept?: boolean;
}

export interface DeployMarker {
  readonly id: string;
  /** ISO 8601, UTC. */
  readonly at: string;
  readonly message: string;
  readonly sites: string[];
  /** 'cdk-sitespeed mark', or the EventBridge event's source and detail-type. */
  readonly source: string;
  /** The sites whose Graphite annotation was accepted (200), so a retry sends only the rest. */
  readonly annotated?: string[];
  /**
   * What it marks: a deploy (absent: a deploy, as every marker before regressions), or what the
   * regression detector announced (docs/regressions.md): a site got slower, recovered, or a new
   * baseline started. Also the Graphite annotation's last tag.
   */
  readonly kind?: MarkerKind;
  /** A deploy marker that accepts the regressions open on its sites (MarkRequest.accept). */
  readonly accept?: boolean;
}

/** The kinds of marker: a deploy, or a regression event's (lambda-src/deploy-marker/regression-marker.ts). */
export const MARKER_KINDS = ['deploy', 'regression', 'recovered', 'baseline'] as const;
export type MarkerKind = typeof MARKER_KINDS[number];

export interface MarkerFile {
  readonly version: 1;
  readonly markers: DeployMarker[];
}

const isMarker = (m: any) => typeof m?.id === 'string' && typeof m?.at === 'string' && typeof m?.message === 'string'
  && Array.isArray(m?.sites) && m.sites.every((s: unknown) => typeof s === 'string') && typeof m?.source === 'string'
  && (m.annotated === undefined || (Array.isArray(m.annotated) && m.annotated.every((s: unknown) => typeof s === 'string')))
  && (m.kind === undefined || MARKER_KINDS.includes(m.kind)) && (m.accept === undefined || typeof m.accept === 'boolean');

/** The markers file, or undefined when the text is not one (corrupt, foreign). */
export function parseMarkerFile(text: string): MarkerFile | undefined {
  let data: any;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!data || data.version !== 1 || !Array.isArray(data.markers) || !data.markers.every(isMarker)) return undefined;
  return data as MarkerFile;
}

/**
 * What a DeployMarkers function with `runAfter` reads from its RUN_AFTER variable (written at synth
 * by src/deploy-markers.ts): lambda-src/deploy-marker/run-after.ts schedules the runs with it, and
 * `cdk-sitespeed check` (cli-src/check/markers.ts) proves the schedules it names exist.
 */
export interface RunAfterConfig {
  readonly seconds: number;
  /** The DeployMarkers' schedule group. */
  readonly group: string;
  /** Each site's own schedule (in the default group), by slug. */
  readonly schedules: Record<string, string>;
}

/**
 * A deploy marker of a site as its regression detection reads it (lambda-src/regression/decide.ts):
 * a change point. The runs after it are judged together against the runs before it, which stay the
 * baseline until that verdict is in; an accepting marker makes an open regression's level the new baseline.
 */
export interface ChangePoint {
  readonly id: string;
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly message: string;
  readonly accept?: boolean;
}

/** The change points of a site. Regression markers are the detector's own output, not its input. */
export function changePointsOf(file: MarkerFile, site: string): ChangePoint[] {
  return file.markers.filter(m => (m.kind ?? 'deploy') === 'deploy' && m.sites.includes(site) && !Number.isNaN(Date.parse(m.at)))
    .map(m => ({ id: m.id, at: Date.parse(m.at), message: m.message, ...(m.accept ? { accept: true } : {}) }));
}

/** What is wrong with a request, each naming its field and what is allowed; empty when nothing is. */
export function markRequestProblems(request: any, knownSites: string[]): string[] {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    return ['the request must be an object such as {"message": "v1.2.3", "sites": ["shop"]}'];
  }
  const problems: string[] = [];
  const allowed = ['message', 'sites', 'id', 'at', 'source', 'accept'];
  const extra = Object.keys(request).filter(k => !allowed.includes(k));
  if (extra.length) problems.push(`unknown field(s) ${extra.join(', ')}: allowed are ${allowed.join(', ')}`);
  const { message, sites, id, at, source, accept } = request;
  if (typeof message !== 'string' || message.trim() === '') problems.push('message must be a non-empty string, e.g. "v1.2.3"');
  else if (message.length > MAX_MESSAGE_CHARS || /[\r\n]/.test(message)) problems.push(`message must be one line of at most ${MAX_MESSAGE_CHARS} characters`);
  if (sites !== undefined) {
    if (!Array.isArray(sites) || !sites.every(s => typeof s === 'string')) {
      problems.push('sites must be a list of site slugs, e.g. ["shop"]');
    } else {
      const unknown = sites.filter(s => !knownSites.includes(s));
      if (unknown.length) problems.push(`sites: no site ${unknown.map(s => `'${s}'`).join(', ')} here; choose from ${knownSites.join(', ') || '(none: add sites to the cluster)'}`);
    }
  }
  if (id !== undefined && (typeof id !== 'string' || !MARKER_ID.test(id))) problems.push(`id must match ${MARKER_ID} (letters, digits, . _ : -; at most 128)`);
  if (at !== undefined && (typeof at !== 'string' || Number.isNaN(Date.parse(at)))) problems.push('at must be an ISO 8601 time such as "2026-12-06T18:40:00Z"');
  if (source !== undefined && (typeof source !== 'string' || source.length > 100)) problems.push('source must be a string of at most 100 characters');
  if (accept !== undefined && typeof accept !== 'boolean') problems.push('accept must be true or false');
  return problems;
}
