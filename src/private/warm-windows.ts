/**
 * The Auto Scaling scheduled actions that warm a cluster around one site's runs: up `leadMinutes`
 * before each run (Unix cron, the group's Recurrence), back to a floor of zero at the run itself —
 * the run then holds its instance, and managed scaling removes it after the last run has ended.
 */
import { expand, schedulerDays } from '../contract/schedule-window';
import { renderWeekDays } from '../contract/week-days';

export interface WarmAction {
  /** Unix cron for the group's Recurrence. */
  readonly recurrence: string;
  /** 1 warms the cluster up, 0 lets it go. */
  readonly minCapacity: number;
}

/** The actions for a Scheduler expression, or why there are none (a rate, or a cron this cannot shift). */
export function warmActions(expression: string, leadMinutes: number): WarmAction[] | string {
  if (expression.startsWith('rate(')) return `${expression} fires at no fixed time of day`;
  const m = /^cron\((.*)\)$/.exec(expression.trim());
  const f = m?.[1].trim().split(/\s+/);
  if (!f || f.length !== 6) return `'${expression}' is not a cron expression of six fields`;
  const [minuteField, hourField, dayField, monthField, weekField, yearField] = f;
  if (!/^\d+$/.test(minuteField)) return `'${expression}' fires at more than one minute of the hour (every few minutes is a cluster to keep on: InstanceSchedule.onOff)`;
  if (yearField !== '*') return `'${expression}' names years`;
  if (/[LW#]/.test(dayField + weekField)) return `'${expression}' uses L, W or # (last or nth days)`;
  const days = weekField === '?' || weekField === '*' ? undefined : schedulerDays(weekField);
  if (weekField !== '?' && weekField !== '*' && !days) return `'${expression}' has a day-of-week this cannot read`;
  const hours = expand(hourField, 0, 23);
  if (!hours) return `'${expression}' has an hours field this cannot read`;

  const dayOfMonth = dayField === '?' ? '*' : dayField;
  const weekDays = days ? renderWeekDays(days) : '*';
  const minute = Number(minuteField);
  const cron = (min: number, hourList: string, week: string) => `${min} ${hourList} ${dayOfMonth} ${monthField} ${week}`;
  const actions: WarmAction[] = [{ recurrence: cron(minute, hourField, weekDays), minCapacity: 0 }];
  if (minute >= leadMinutes) {
    actions.push({ recurrence: cron(minute - leadMinutes, hourField, weekDays), minCapacity: 1 });
    return actions;
  }
  // Earlier than the hour: the hour before, and for a run at midnight 23:xx of the day before.
  const start = minute - leadMinutes + 60;
  const sameDay = hours.filter(h => h > 0).map(h => h - 1);
  if (sameDay.length > 0) actions.push({ recurrence: cron(start, sameDay.join(','), weekDays), minCapacity: 1 });
  if (hours.includes(0)) {
    if (dayOfMonth !== '*') return `'${expression}' runs at midnight on days of the month: the day before cannot be named`;
    const dayBefore = days ? renderWeekDays(new Set([...days].map(d => (d + 6) % 7))) : '*';
    actions.push({ recurrence: cron(start, '23', dayBefore), minCapacity: 1 });
  }
  return actions;
}
