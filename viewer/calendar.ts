/**
 * The report viewer's calendar, loaded when a site is first opened: a month calendar with the
 * days that have runs (failed ones in red), a day's runs with links to their reports
 * (<site>/<run>/index.html) and why a run failed (exit code, reason, failing budget checks).
 * Run folders are UTC.
 */
import flatpickr from 'flatpickr';
import { byId, Calendar, CALENDAR_GLOBAL, CalendarHost, dayOf, timeOf } from './shared';
import type { Run } from '../src/contract/report-index';

let picker: flatpickr.Instance | undefined;

/** Runs the bucket no longer keeps (the index drops them too; this covers sites that stopped running). */
function kept(runs: Run[], retentionDays: number | null): Run[] {
  if (retentionDays === null) return runs;
  const cutoff = new Date(Date.now() - retentionDays * 86_400_000).toISOString().slice(0, 19).replace(/[T:]/g, '-');
  return runs.filter(r => r.run >= cutoff);
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

function runItem(site: string, run: Run): HTMLLIElement {
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

function showDay(host: CalendarHost, site: string, day: string, runs: Run[]): void {
  host.shown(site, day);
  byId('day-title').textContent = `${day} (UTC)`;
  const onDay = runs.filter(r => dayOf(r.run) === day);
  byId('runs').replaceChildren(...(onDay.length > 0
    ? onDay.map(run => runItem(site, run))
    : [Object.assign(document.createElement('li'), { textContent: 'No runs on this day.', className: 'none' })]));
  const days = [...new Set(runs.map(r => dayOf(r.run)))];
  const earlier = byId<HTMLButtonElement>('earlier');
  const later = byId<HTMLButtonElement>('later');
  earlier.disabled = !days.some(d => d < day);
  later.disabled = !days.some(d => d > day);
  const go = (to: string | undefined) => {
    if (!to) return;
    picker?.setDate(to, false);
    showDay(host, site, to, runs);
  };
  earlier.onclick = () => go([...days].reverse().find(d => d < day));
  later.onclick = () => go(days.find(d => d > day));
}

const calendar: Calendar = {
  async showSite(host, site, day) {
    const runs = kept(await host.runsOf(site), host.retentionDays);
    if (byId('site-name').textContent !== site) return; // another site was opened meanwhile
    const days = new Map<string, Run[]>();
    for (const run of runs) days.set(dayOf(run.run), [...(days.get(dayOf(run.run)) ?? []), run]);
    const last = runs.length ? dayOf(runs[runs.length - 1].run) : undefined;
    const shown = day && days.has(day) ? day : last;
    picker?.destroy();
    picker = flatpickr(byId('calendar'), {
      inline: true,
      dateFormat: 'Y-m-d',
      defaultDate: shown,
      enable: [...days.keys()],
      locale: { firstDayOfWeek: 1 },
      onDayCreate: (_dates, _text, instance, element: HTMLElement & { dateObj: Date }) => {
        const dayRuns = days.get(instance.formatDate(element.dateObj, 'Y-m-d'));
        if (!dayRuns) return;
        element.classList.add(dayRuns.some(r => r.status === 'failed') ? 'has-failed' : 'has-runs');
        element.title = `${dayRuns.length} run${dayRuns.length > 1 ? 's' : ''}`;
      },
      onChange: (_dates, text) => showDay(host, site, text, runs),
    });
    if (shown) {
      showDay(host, site, shown, runs);
    } else {
      host.shown(site, undefined);
      byId('day-title').textContent = 'No runs kept.';
    }
  },
};

(window as any)[CALENDAR_GLOBAL] = calendar;
