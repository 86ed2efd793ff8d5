/**
 * The calendar report viewer: reads tree.json (site → runs), lists the sites, shows a month
 * calendar per site with the days that have runs (failed ones in red), and lists a day's runs
 * with links to their reports (<site>/<run>/index.html). Run folders are UTC.
 */
import flatpickr from 'flatpickr';
// Types only (nothing of writeTree is bundled): the viewer reads what writeTree writes.
import type { Run, Tree } from '../write-tree-v1/tree';

const byId = (id: string) => document.getElementById(id)!;
let calendar: flatpickr.Instance | undefined;

function dayOf(run: string): string {
  return run.slice(0, 10);
}

function timeOf(run: string): string {
  return run.slice(11).replace(/-/g, ':');
}

function showDay(site: string, day: string, runs: Run[]): void {
  byId('day-title').textContent = `${day} (UTC)`;
  const list = byId('runs');
  list.replaceChildren(...runs.filter(r => dayOf(r.run) === day).map(run => {
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
    status.textContent = run.status === 'failed'
      ? `failed${run.exitCode !== undefined ? ` (exit ${run.exitCode})` : ''}${run.reason ? `: ${run.reason}` : ''}${run.report === false ? ', no report' : ''}`
      : run.status;
    item.append(status);
    return item;
  }));
}

function showSite(site: string, runs: Run[]): void {
  document.querySelectorAll('#sites button').forEach(b => b.setAttribute('aria-current', String(b.textContent === site)));
  byId('site').hidden = false;
  byId('site-name').textContent = site;
  history.replaceState(null, '', `#${encodeURIComponent(site)}`);
  const days = new Map<string, Run[]>();
  for (const run of runs) days.set(dayOf(run.run), [...(days.get(dayOf(run.run)) ?? []), run]);
  const last = runs.length ? dayOf(runs[runs.length - 1].run) : undefined;
  calendar?.destroy();
  calendar = flatpickr(byId('calendar'), {
    inline: true,
    dateFormat: 'Y-m-d',
    defaultDate: last,
    enable: [...days.keys()],
    locale: { firstDayOfWeek: 1 },
    onDayCreate: (_dates, _text, instance, element: HTMLElement & { dateObj: Date }) => {
      const dayRuns = days.get(instance.formatDate(element.dateObj, 'Y-m-d'));
      if (!dayRuns) return;
      element.classList.add(dayRuns.some(r => r.status === 'failed') ? 'has-failed' : 'has-runs');
      element.title = `${dayRuns.length} run${dayRuns.length > 1 ? 's' : ''}`;
    },
    onChange: (_dates, text) => showDay(site, text, runs),
  });
  if (last) showDay(site, last, runs);
}

async function main(): Promise<void> {
  const status = byId('status');
  let tree: Tree;
  try {
    const response = await fetch('tree.json', { cache: 'no-cache' });
    if (!response.ok) throw new Error(`tree.json: HTTP ${response.status}`);
    tree = await response.json();
  } catch (error) {
    status.textContent = `No runs yet, or the index cannot be read (${(error as Error).message}).`;
    return;
  }
  const sites = Object.keys(tree.sites).sort();
  status.textContent = `${sites.length} site${sites.length === 1 ? '' : 's'}`;
  byId('sites').replaceChildren(...sites.map(site => {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.textContent = site;
    button.addEventListener('click', () => showSite(site, tree.sites[site]));
    item.append(button);
    return item;
  }));
  const wanted = decodeURIComponent(location.hash.slice(1));
  const first = sites.includes(wanted) ? wanted : sites[0];
  if (first) showSite(first, tree.sites[first]);
}

void main();
