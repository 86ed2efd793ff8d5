import { Token } from 'aws-cdk-lib';
import { expand, schedulerDays } from '../contract/schedule-window';

const UNIT_MINUTES: Record<string, number> = { minute: 1, minutes: 1, hour: 60, hours: 60, day: 1440, days: 1440 };
const WEEK = 7 * 1440;

/**
 * The longest time between two firings of a Scheduler expression, in minutes: what "this site has
 * not run for too long" is measured against (SiteAlerts). rate() exactly; cron() over a week of
 * its minutes, hours and weekdays (a weekday-only schedule's gap is the weekend); a day-of-month
 * schedule as a month. Undefined when it cannot be told (at(), a token, months or years limited).
 */
export function maxIntervalMinutes(expression: string): number | undefined {
  if (Token.isUnresolved(expression)) return undefined;
  const rate = /^rate\((\d+)\s+(minutes?|hours?|days?)\)$/.exec(expression.trim());
  if (rate) return Number(rate[1]) * UNIT_MINUTES[rate[2]];
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (!cron) return undefined;
  const [minuteField, hourField, dayOfMonth, month, dayOfWeek, year] = cron[1].trim().split(/\s+/);
  if ((month !== undefined && month !== '*') || (year !== undefined && year !== '*')) return undefined;
  // A day of the month, or a weekday of the month (2#1: the first Monday; 6L: the last Friday): a month.
  if ((dayOfMonth !== '?' && dayOfMonth !== '*') || /[L#]/.test(dayOfWeek ?? '')) return 31 * 1440;
  const minutes = expand(minuteField, 0, 59);
  const hours = expand(hourField, 0, 23);
  const days = schedulerDays(dayOfWeek ?? '*');
  if (!minutes || !hours || !days || minutes.length === 0 || hours.length === 0 || days.size === 0) return undefined;
  const times = [...days].flatMap(d => hours.flatMap(h => minutes.map(m => d * 1440 + h * 60 + m))).sort((a, b) => a - b);
  let longest = times[0] + WEEK - times[times.length - 1];
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i] - times[i - 1]);
  return longest;
}
