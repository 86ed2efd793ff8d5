/**
 * When schedules fire, minute by minute over a reference period, on each schedule's own clock
 * (its time zone): the cost model counts warm instance-hours and runs from this, so the
 * Auto Scaling group's Unix cron and EventBridge Scheduler's cron are read as AWS reads them.
 */
import { expand, schedulerDays } from '../../src/contract/schedule-window';

/** A wall-clock minute in some time zone. */
export interface LocalMinute {
  readonly minute: number;
  readonly hour: number;
  readonly day: number;
  readonly month: number;
  /** 0 = Sunday. */
  readonly weekDay: number;
}

export type MinuteMatcher = (t: LocalMinute) => boolean;

/**
 * Four whole weeks from Monday 2026-01-05 00:00 UTC: no daylight-saving change in either
 * hemisphere's common zones, and a monthly figure is the weekly one times 730 / 168.
 */
export const REFERENCE_START = Date.UTC(2026, 0, 5);
export const REFERENCE_WEEKS = 4;
export const REFERENCE_MINUTES = REFERENCE_WEEKS * 7 * 24 * 60;

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** The reference period's minutes as wall-clock minutes of one zone (cached per zone). */
const zoneMinutes = new Map<string, LocalMinute[]>();
export function minutesIn(timeZone: string): LocalMinute[] {
  const cached = zoneMinutes.get(timeZone);
  if (cached) return cached;
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short',
  });
  const out: LocalMinute[] = [];
  // Zones differ from UTC by whole quarter hours: format once per quarter hour, count minutes within it.
  for (let i = 0; i < REFERENCE_MINUTES; i += 15) {
    const parts = format.formatToParts(new Date(REFERENCE_START + i * 60_000));
    const part = (type: string) => parts.find(p => p.type === type)!.value;
    const base = { hour: Number(part('hour')), day: Number(part('day')), month: Number(part('month')), weekDay: DAY_NAMES.indexOf(part('weekday').toUpperCase()) };
    const first = Number(part('minute'));
    for (let m = 0; m < 15; m++) out.push({ ...base, minute: first + m });
  }
  zoneMinutes.set(timeZone, out);
  return out;
}

function names(field: string, list: string[], offset: number): string {
  return field.toUpperCase().replace(/[A-Z]{3}/g, n => {
    const i = list.indexOf(n);
    if (i < 0) throw new Error(`'${n}' is not one of ${list.join(', ')}`);
    return String(i + offset);
  });
}

function values(field: string, min: number, max: number, what: string): Set<number> {
  const v = expand(field, min, max);
  if (!v || v.some(x => x < min || x > max)) throw new Error(`cron ${what} field '${field}' is not one this model reads (${min}-${max}, '*', ranges, steps, lists)`);
  return new Set(v);
}

/** The Auto Scaling group's `Recurrence`: Unix cron, `minute hour day-of-month month day-of-week` (0 or 7 = Sunday). */
export function unixCron(expression: string): MinuteMatcher {
  const f = expression.trim().split(/\s+/);
  if (f.length !== 5) throw new Error(`Recurrence '${expression}' must have five fields (minute hour day month weekday)`);
  const minutes = values(f[0], 0, 59, 'minute');
  const hours = values(f[1], 0, 23, 'hour');
  const days = values(f[2], 1, 31, 'day-of-month');
  const months = values(names(f[3], MONTH_NAMES, 1), 1, 12, 'month');
  const weekDays = new Set([...values(names(f[4], DAY_NAMES, 0), 0, 7, 'day-of-week')].map(d => d % 7));
  // Unix cron: when both day fields are restricted, either one matching is enough.
  const dayRestricted = f[2] !== '*';
  const weekRestricted = f[4] !== '*';
  return t => minutes.has(t.minute) && hours.has(t.hour) && months.has(t.month) && (
    dayRestricted && weekRestricted ? days.has(t.day) || weekDays.has(t.weekDay) : days.has(t.day) && weekDays.has(t.weekDay));
}

/** EventBridge Scheduler's `cron(minutes hours day-of-month month day-of-week year)` (day-of-week 1 = Sunday). */
export function schedulerCron(expression: string): MinuteMatcher {
  const m = /^cron\((.*)\)$/.exec(expression.trim());
  if (!m) throw new Error(`'${expression}' is not a cron(...) expression`);
  const f = m[1].trim().split(/\s+/);
  if (f.length !== 6) throw new Error(`'${expression}' must have six fields (minutes hours day month weekday year)`);
  const minutes = values(f[0], 0, 59, 'minutes');
  const hours = values(f[1], 0, 23, 'hours');
  const days = f[2] === '?' ? undefined : values(f[2].replace(/[LW]/g, ''), 1, 31, 'day-of-month');
  const months = values(names(f[3], MONTH_NAMES, 1), 1, 12, 'month');
  const weekDays = f[4] === '?' ? undefined : schedulerDays(f[4]);
  if (f[4] !== '?' && !weekDays) throw new Error(`'${expression}': day-of-week '${f[4]}' is not one this model reads`);
  return t => minutes.has(t.minute) && hours.has(t.hour) && months.has(t.month) &&
    (days === undefined || days.has(t.day)) && (weekDays === undefined || weekDays.has(t.weekDay));
}

/** `rate(n unit)` as minutes between runs. */
export function rateMinutes(expression: string): number | undefined {
  const m = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!m) return undefined;
  const unit = m[2].startsWith('minute') ? 1 : m[2].startsWith('hour') ? 60 : 1440;
  return Number(m[1]) * unit;
}

/** The reference period's minutes (indexes) at which a matcher fires on its zone's clock. */
export function firings(match: MinuteMatcher, timeZone: string): number[] {
  const out: number[] = [];
  minutesIn(timeZone).forEach((t, i) => { if (match(t)) out.push(i); });
  return out;
}

/** A count over the reference period as a monthly figure. */
export function perMonth(countInReference: number): number {
  return countInReference * 730 / (REFERENCE_WEEKS * 168);
}
