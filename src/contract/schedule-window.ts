import { parseWeekDays } from './week-days';

/** An on/off window: on from `startMinute` on `days`, off at `stopMinute` (the next day when it crosses midnight). */
export interface OnWindow {
  readonly startMinute: number;
  readonly stopMinute: number;
  readonly days: Set<number>;
  readonly timeZone: string;
}

const AWS_DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** The window as the run outcome function gets it (HARD_STOP_WINDOW): days as a list. */
export function windowToJson(w: OnWindow): string {
  return JSON.stringify({ startMinute: w.startMinute, stopMinute: w.stopMinute, days: [...w.days].sort(), timeZone: w.timeZone });
}

/** HARD_STOP_WINDOW read back: undefined when empty; anything else malformed is a deployment error. */
export function windowFromJson(text: string | undefined): OnWindow | undefined {
  if (!text) return undefined;
  const w = JSON.parse(text);
  if (!Number.isInteger(w?.startMinute) || !Number.isInteger(w?.stopMinute) || !Array.isArray(w?.days) || typeof w?.timeZone !== 'string') {
    throw new Error(`environment variable HARD_STOP_WINDOW must be {startMinute, stopMinute, days, timeZone}, got '${text}'`);
  }
  return { startMinute: w.startMinute, stopMinute: w.stopMinute, days: new Set(w.days), timeZone: w.timeZone };
}

/** Whether `at` falls in the window, on the window's own clock (its time zone, daylight saving included). */
export function isInWindow(w: OnWindow, at: Date): boolean {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: w.timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(at);
  const part = (type: string) => parts.find(p => p.type === type)?.value ?? '';
  const day = AWS_DAY_NAMES.indexOf(part('weekday').toUpperCase());
  return inWindow(w, day, Number(part('hour')) * 60 + Number(part('minute')));
}

function inWindow(w: OnWindow, day: number, minute: number): boolean {
  if (w.startMinute < w.stopMinute) return w.days.has(day) && minute >= w.startMinute && minute < w.stopMinute;
  return (w.days.has(day) && minute >= w.startMinute) || (w.days.has((day + 6) % 7) && minute < w.stopMinute);
}

/** The values of one cron field (`*`, `a`, `a-b`, `*\/n`, `a-b/n`, lists) from min to max. */
export function expand(field: string, min: number, max: number): number[] | undefined {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const m = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
    if (!m) return undefined;
    const from = m[1] === '*' ? min : Number(m[1]);
    const to = m[2] !== undefined ? Number(m[2]) : (m[1] === '*' || m[3] !== undefined ? max : from);
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return [...values];
}

/** EventBridge Scheduler's day-of-week field (1–7 or SUN–SAT, 1 = Sunday) as days 0–6. */
export function schedulerDays(field: string): Set<number> | undefined {
  if (field === '?' || field === '*') return new Set([0, 1, 2, 3, 4, 5, 6]);
  if (/[L#]/.test(field)) return new Set([0, 1, 2, 3, 4, 5, 6]);
  const named = field.toUpperCase().replace(/\b([1-7])\b/g, d => AWS_DAY_NAMES[Number(d) - 1]);
  try {
    return parseWeekDays(named);
  } catch {
    return undefined;
  }
}

/**
 * When a site's schedule (a Scheduler expression in `siteZone`) can fire while a hard-stopped
 * cluster has no capacity: a description of one such time, or undefined when it never can.
 */
export function firesOutside(expression: string, siteZone: string, w: OnWindow): string | undefined {
  if (expression.startsWith('rate(')) return `${expression} fires around the clock`;
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) return undefined; // at(...): one time, left to the user
  const [minuteField, hourField, dayOfMonth, , dayOfWeek] = cron[1].trim().split(/\s+/);
  const minutes = expand(minuteField, 0, 59);
  const hours = expand(hourField, 0, 23);
  const days = dayOfMonth !== '?' && dayOfMonth !== '*' ? new Set([0, 1, 2, 3, 4, 5, 6]) : schedulerDays(dayOfWeek ?? '*');
  if (!minutes || !hours || !days) return `${expression} could not be read to compare it with the cluster's window`;
  if (canonical(siteZone) !== canonical(w.timeZone)) {
    return `${expression} is in ${siteZone} and the cluster's window in ${w.timeZone}, which cannot be compared at synth`;
  }
  for (const day of [...days].sort()) {
    for (const hour of hours) {
      for (const minute of minutes) {
        if (!inWindow(w, day, hour * 60 + minute)) {
          return `${expression} fires at ${AWS_DAY_NAMES[day]} ${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')} ${siteZone}`;
        }
      }
    }
  }
  return undefined;
}

function canonical(timeZone: string): string {
  return ianaTimeZone(timeZone) ?? timeZone;
}

/** The canonical name of an IANA time zone (as Intl knows them: EventBridge Scheduler and Auto Scaling take the same names), or undefined. */
export function ianaTimeZone(timeZone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}
