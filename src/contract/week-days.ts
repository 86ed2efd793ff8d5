/** Cron day-of-week fields (SUN–SAT or 0–6, ranges, lists, `*`): parsed, shifted and rendered. */

const NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const DAY = '(SUN|MON|TUE|WED|THU|FRI|SAT|[0-6])';
const DAY_RANGE = `${DAY}(-${DAY})?`;
export const WEEK_DAYS = new RegExp(`^(\\*|${DAY_RANGE}(,${DAY_RANGE})*)$`, 'i');

function dayNumber(day: string): number {
  const named = NAMES.indexOf(day.toUpperCase());
  return named >= 0 ? named : Number(day);
}

/** The days (0 = Sunday) a field names; a range may wrap (FRI-MON). */
export function parseWeekDays(field: string): Set<number> {
  if (field === '*' || field === '?') return new Set([0, 1, 2, 3, 4, 5, 6]);
  const days = new Set<number>();
  for (const part of field.split(',')) {
    const [from, to] = part.split('-').map(dayNumber);
    if (to === undefined) {
      days.add(from);
      continue;
    }
    for (let d = from; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === to) break;
    }
  }
  return days;
}

/** A field for a set of days: `*` for all seven, else names in week order. */
export function renderWeekDays(days: Set<number>): string {
  if (days.size === 7) return '*';
  return [...days].sort((a, b) => a - b).map(d => NAMES[d]).join(',');
}

/** The days after each of `field`'s days: an off time past midnight falls on the next day. */
export function nextDays(field: string): string {
  if (field === '*') return '*';
  return renderWeekDays(new Set([...parseWeekDays(field)].map(d => (d + 1) % 7)));
}
