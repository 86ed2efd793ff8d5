/**
 * The report viewer's calendar, loaded when a site is first opened: a month calendar with the
 * days that have runs (failed ones in red), a day's runs with links to their reports
 * (<site>/<run>/index.html) and why a run failed (exit code, reason, failing budget checks).
 * Run folders are UTC.
 */
import flatpickr from 'flatpickr';
import { byId, Calendar, CALENDAR_GLOBAL, CalendarHost, dayOf, timeOf } from './shared';
import { drawTrend } from './trend-chart';
import type { DeployMarker } from '../src/contract/deploy-markers';
import type { Run } from '../src/contract/report-index';

let picker: flatpickr.Instance | undefined;

/** Runs (and deploy markers) the bucket no longer keeps (the index drops them too; this covers sites that stopped running). */
function cutoffOf(retentionDays: number | null): string | undefined {
  return retentionDays === null ? undefined : new Date(Date.now() - retentionDays * 86_400_000).toISOString().slice(0, 19).replace(/[T:]/g, '-');
}

function statusText(run: Run): string {
  if (run.started === false) {
    // Held back by the cluster's hardStop schedule (unknown), or a run that found no capacity (failed).
    const why = run.status === 'unknown' ? 'outside the cluster\'s hours' : run.reason;
    return ['never started', run.stopCode, why].filter(Boolean).join(', ');
  }
  if (run.status !== 'failed') return run.status;
  const parts = [`failed${run.exitCode !== undefined ? ` (exit ${run.exitCode})` : ''}`];
  const failing = run.budgetCount ?? run.budget?.length ?? 0;
  if (failing) parts.push(`budget: ${failing} check${failing > 1 ? 's' : ''} failing`);
  else if (run.reason) parts.push(run.reason);
  if (run.report === false) parts.push('no report');
  return parts.join(', ');
}

/** A run's line; `slower`: the first run of a regression the detector confirmed, badged so (its marker's line follows it). */
function runItem(site: string, run: Run, slower: boolean): HTMLLIElement {
  const item = document.createElement('li');
  item.className = run.status;
  const label = `${timeOf(run.run)} UTC`;
  if (run.report === false) {
    item.append(label);
  } else {
    const link = document.createElement('a');
    link.href = `${encodeURIComponent(site)}/${run.run}/index.html`;
    link.textContent = label;
    item.append(link);
  }
  const status = document.createElement('span');
  status.className = 'status';
  status.textContent = statusText(run) + (run.rerun ? ' (confirmation run)' : '');
  item.append(status);
  if (slower) {
    item.append(Object.assign(document.createElement('span'), {
      className: 'badge', textContent: '▲ slower', title: 'The first run slower than the site\'s baseline: the line below says what moved',
    }));
  }
  if (run.budget?.length) {
    if (run.reason) item.append(Object.assign(document.createElement('div'), { className: 'reason', textContent: run.reason }));
    const list = document.createElement('ul');
    list.className = 'budget';
    list.replaceChildren(...run.budget.map(c => Object.assign(document.createElement('li'), {
      textContent: `${c.page}: ${c.metric} is ${c.value}, ${c.limitType === 'min' ? 'at least' : 'at most'} ${c.limit} allowed`,
    })));
    item.append(list);
  }
  return item;
}

/** How each kind of marker reads: a deploy, or what the regression detector announced. */
const MARKER_WORDS: Record<string, string> = { deploy: '◆ {t} UTC deploy', regression: '▲ {t} UTC slower', recovered: '✓ {t} UTC recovered', baseline: '○ {t} UTC new baseline' };
const markerWords = (m: DeployMarker) => (MARKER_WORDS[m.kind ?? 'deploy'] ?? MARKER_WORDS.deploy).replace('{t}', m.at.slice(11, 19));

/** A marker in the day's list: its time (UTC, as the runs'), its kind and message, and where it came from. */
function markerItem(marker: DeployMarker): HTMLLIElement {
  const item = document.createElement('li');
  item.className = `marker ${marker.kind ?? 'deploy'}`;
  item.append(`${markerWords(marker)}: ${marker.message}`);
  item.append(Object.assign(document.createElement('span'), { className: 'status', textContent: marker.source }));
  return item;
}

/** A marker's day, as a run folder's: UTC. */
const markerDay = (m: DeployMarker) => m.at.slice(0, 10);
/** A marker's time in the form of a run folder, so runs and markers sort together. */
const markerKey = (m: DeployMarker) => m.at.slice(0, 19).replace(/[T:]/g, '-');

function showDay(host: CalendarHost, site: string, day: string, runs: Run[], markers: DeployMarker[]): void {
  host.shown(site, day);
  byId('day-title').textContent = `${day} (UTC)`;
  // A regression's marker is at its first slower run (src/contract/regression-markers.ts): that run gets the badge.
  const slower = new Set(markers.filter(m => m.kind === 'regression').map(markerKey));
  const onDay: Array<[string, HTMLLIElement]> = [
    ...runs.filter(r => dayOf(r.run) === day).map(run => [run.run, runItem(site, run, slower.has(run.run))] as [string, HTMLLIElement]),
    ...markers.filter(m => markerDay(m) === day).map(m => [markerKey(m), markerItem(m)] as [string, HTMLLIElement]),
  ].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  byId('runs').replaceChildren(...(onDay.length > 0
    ? onDay.map(([, item]) => item)
    : [Object.assign(document.createElement('li'), { textContent: 'No runs on this day.', className: 'none' })]));
  const days = [...new Set([...runs.map(r => dayOf(r.run)), ...markers.map(markerDay)])].sort();
  const earlier = byId<HTMLButtonElement>('earlier');
  const later = byId<HTMLButtonElement>('later');
  earlier.disabled = !days.some(d => d < day);
  later.disabled = !days.some(d => d > day);
  const go = (to: string | undefined) => {
    if (!to) return;
    picker?.setDate(to, false);
    showDay(host, site, to, runs, markers);
  };
  earlier.onclick = () => go([...days].reverse().find(d => d < day));
  later.onclick = () => go(days.find(d => d > day));
}

const calendar: Calendar = {
  async showSite(host, site, day) {
    const [allRuns, allMarkers, trend] = await Promise.all([host.runsOf(site), host.markersOf(site), host.trendOf(site)]);
    const cutoff = cutoffOf(host.retentionDays);
    const runs = cutoff === undefined ? allRuns : allRuns.filter(r => r.run >= cutoff);
    const markers = cutoff === undefined ? allMarkers : allMarkers.filter(m => markerKey(m) >= cutoff);
    if (byId('site-name').textContent !== site) return; // another site was opened meanwhile
    const days = new Map<string, Run[]>();
    for (const run of runs) days.set(dayOf(run.run), [...(days.get(dayOf(run.run)) ?? []), run]);
    const deploys = new Map<string, DeployMarker[]>();
    for (const m of markers) deploys.set(markerDay(m), [...(deploys.get(markerDay(m)) ?? []), m]);
    const last = runs.length ? dayOf(runs[runs.length - 1].run) : undefined;
    const shown = day && days.has(day) ? day : last;
    picker?.destroy();
    picker = flatpickr(byId('calendar'), {
      inline: true,
      dateFormat: 'Y-m-d',
      defaultDate: shown,
      enable: [...new Set([...days.keys(), ...deploys.keys()])],
      locale: { firstDayOfWeek: 1 },
      onDayCreate: (_dates, _text, instance, element: HTMLElement & { dateObj: Date }) => {
        const date = instance.formatDate(element.dateObj, 'Y-m-d');
        const dayRuns = days.get(date);
        const dayDeploys = deploys.get(date);
        const titles: string[] = [];
        if (dayRuns) {
          element.classList.add(dayRuns.some(r => r.status === 'failed') ? 'has-failed' : 'has-runs');
          titles.push(`${dayRuns.length} run${dayRuns.length > 1 ? 's' : ''}`);
        }
        if (dayDeploys) {
          element.classList.add('has-deploy');
          if (dayDeploys.some(m => m.kind === 'regression')) element.classList.add('has-regression');
          titles.push(...dayDeploys.map(m => `${m.kind === 'regression' ? 'slower' : m.kind ?? 'deploy'}: ${m.message}`));
        }
        if (titles.length) element.title = titles.join('\n');
      },
      onChange: (_dates, text) => showDay(host, site, text, runs, markers),
    });
    drawTrend(site, trend, markers, cutoff);
    if (shown) {
      showDay(host, site, shown, runs, markers);
    } else {
      host.shown(site, undefined);
      byId('day-title').textContent = 'No runs kept.';
    }
  },
};

(window as any)[CALENDAR_GLOBAL] = calendar;
