/**
 * The report viewer's first part, inlined into index.html so the site list shows as soon as the
 * summary arrives (no script or stylesheet to wait for): every site with its latest run, a filter
 * and "failing first". Opening a site loads the calendar (calendar.ts, with its calendar library)
 * once. The URL holds the site and the day (#site=shop&day=2026-11-27) for shareable links.
 */
import { byId, Calendar, CALENDAR_GLOBAL, CalendarHost, dayOf, timeOf } from './shared';
import type { DeployMarker } from '../src/contract/deploy-markers';
import { own } from '../src/contract/report-index';
import type { Run, SiteIndex, Summary } from '../src/contract/report-index';
import { MARKERS_KEY, regressionMarkersKey, siteIndexKey, SUMMARY_KEY, trendKey } from '../src/contract/report-keys';

const siteFile = (site: string) => siteIndexKey(encodeURIComponent(site));

// Started before anything else on the page.
const summaryRequest = getJson(SUMMARY_KEY);

let summary: Summary = { version: 2, retentionDays: null, sites: {} };
const runsOfSite = new Map<string, Promise<Run[]>>();
let current: { site?: string; day?: string } = {};
let calendar: Promise<Calendar> | undefined;
let markers: Promise<DeployMarker[]> | undefined;

async function getJson(path: string): Promise<any | undefined> {
  const response = await fetch(path, { cache: 'no-cache' });
  if (response.status === 404 || response.status === 403) return undefined; // S3 answers 403 for a missing key without ListBucket
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

function loadCalendar(): Promise<Calendar> {
  calendar ??= new Promise((resolve, reject) => {
    const styles = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: '.viewer/calendar.css' });
    const script = Object.assign(document.createElement('script'), { src: '.viewer/calendar.js' });
    script.onload = () => resolve((window as any)[CALENDAR_GLOBAL]);
    script.onerror = () => reject(new Error('.viewer/calendar.js did not load'));
    document.head.append(styles, script);
  });
  return calendar;
}

const host: CalendarHost = {
  get retentionDays() { return summary.retentionDays; },
  runsOf: site => {
    let runs = runsOfSite.get(site);
    if (!runs) {
      runs = getJson(siteFile(site)).then((index: SiteIndex | undefined) => index?.runs ?? []);
      runs.catch(() => runsOfSite.delete(site)); // a failed fetch is tried again next time
      runsOfSite.set(site, runs);
    }
    return runs;
  },
  markersOf: async site => {
    // Loaded when a site is first opened, not with the list: the first view stays small.
    markers ??= getJson(MARKERS_KEY).then((file: any) => (Array.isArray(file?.markers) ? file.markers : []), () => []);
    // The report index's own regression markers (with or without DeployMarkers), the same ids as DeployMarkers': one of each.
    const regressions: DeployMarker[] = await getJson(regressionMarkersKey(site))
      .then((file: any) => (Array.isArray(file?.markers) ? file.markers : []), () => []);
    const ofSite = (await markers).filter(m => Array.isArray(m.sites) && m.sites.includes(site));
    return [...ofSite, ...regressions.filter(r => typeof r?.at === 'string' && !ofSite.some(m => m.id === r.id))]
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  },
  // With the site, not the list: the first view stays small.
  trendOf: site => getJson(trendKey(site)).then((file: any) => (file?.version === 1 && Array.isArray(file.runs) ? file : undefined), () => undefined),
  shown: (site, day) => {
    current = { site, day };
    const params = new URLSearchParams({ site, ...(day ? { day } : {}) });
    history.replaceState(null, '', `#${params.toString()}`);
  },
};

async function openSite(site: string, day?: string): Promise<void> {
  document.querySelectorAll<HTMLButtonElement>('#sites button').forEach(b => b.setAttribute('aria-current', String(b.dataset.site === site)));
  current = { site, day };
  byId('site').hidden = false;
  byId('site-name').textContent = site;
  const entry = own(summary.sites, site);
  byId('site-meta').textContent = entry?.first ? `${entry.runs} run${entry.runs === 1 ? '' : 's'} since ${dayOf(entry.first)} (UTC)` : '';
  byId('day-title').textContent = 'Loading…';
  byId('runs').replaceChildren();
  try {
    await (await loadCalendar()).showSite(host, site, day);
  } catch (error) {
    byId('day-title').textContent = `The runs of ${site} cannot be shown (${(error as Error).message}).`;
  }
}

function renderSites(): void {
  const filter = byId<HTMLInputElement>('filter').value.trim().toLowerCase();
  const failingFirst = byId<HTMLInputElement>('failing-first').checked;
  const names = Object.keys(summary.sites).filter(s => s.toLowerCase().includes(filter)).sort();
  const failing = (s: string) => (own(summary.sites, s)!.last?.status === 'failed' ? 0 : 1);
  if (failingFirst) names.sort((a, b) => failing(a) - failing(b));
  byId('sites').replaceChildren(...names.map(site => {
    const entry = own(summary.sites, site)!;
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.dataset.site = site;
    button.className = entry.last?.status ?? 'unknown';
    button.setAttribute('aria-current', String(site === current.site));
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = site;
    const last = document.createElement('span');
    last.className = 'last';
    last.textContent = entry.last
      ? `${entry.last.status === 'failed' ? 'failing' : entry.last.status} · ${dayOf(entry.last.run)} ${timeOf(entry.last.run).slice(0, 5)}`
      : 'no runs';
    button.append(name, last);
    button.addEventListener('click', () => void openSite(site));
    item.append(button);
    return item;
  }));
  const all = Object.keys(summary.sites).length;
  byId('shown').textContent = names.length === all ? '' : `${names.length} of ${all} shown`;
}

function fromHash(): { site?: string; day?: string } {
  const hash = location.hash.slice(1);
  if (!hash.includes('=')) return { site: hash ? decodeURIComponent(hash) : undefined }; // the first viewer's #<site>
  const params = new URLSearchParams(hash);
  return { site: params.get('site') ?? undefined, day: params.get('day') ?? undefined };
}

async function main(): Promise<void> {
  const status = byId('status');
  try {
    const loaded: Summary | undefined = await summaryRequest;
    if (!loaded) throw new Error(`no ${SUMMARY_KEY}`);
    summary = loaded;
  } catch (error) {
    status.textContent = `No runs yet, or the index cannot be read (${(error as Error).message}).`;
    return;
  }
  const sites = Object.keys(summary.sites).sort();
  const failing = sites.filter(s => own(summary.sites, s)!.last?.status === 'failed').length;
  status.textContent = `${sites.length} site${sites.length === 1 ? '' : 's'}, ${failing} failing` +
    (summary.retentionDays !== null ? `; reports are kept ${summary.retentionDays} days` : '');
  byId('filter').addEventListener('input', renderSites);
  byId('failing-first').addEventListener('change', renderSites);
  document.addEventListener('keydown', event => {
    if (event.key === '/' && document.activeElement?.tagName !== 'INPUT') {
      event.preventDefault();
      byId('filter').focus();
    }
  });
  renderSites();
  const open = () => {
    const wanted = fromHash();
    const site = wanted.site && own(summary.sites, wanted.site) ? wanted.site : sites[0];
    if (site && (site !== current.site || (wanted.day && wanted.day !== current.day))) void openSite(site, wanted.day);
  };
  window.addEventListener('hashchange', open);
  open();
}

void main();
