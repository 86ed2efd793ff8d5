import { maxIntervalMinutes } from '../src/private/schedule-interval';

// The longest gap between two firings: what SiteAlerts' stale check measures a site against.
test.each([
  ['rate(3 hours)', 180],
  ['rate(1 day)', 1440],
  ['rate(15 minutes)', 15],
  // The reference app's shop: every two hours 08:15–18:15 on weekdays; the longest gap is the weekend.
  ['cron(15 8-18/2 ? * MON-FRI *)', (24 * 3 - 10) * 60],
  ['cron(0 9 ? * MON-FRI *)', 3 * 1440],
  ['cron(0 9 * * ? *)', 1440],
  ['cron(0 9 ? * 2-6 *)', 3 * 1440],
  ['cron(30 12,18 ? * * *)', 18 * 60],
  ['cron(0 3 1 * ? *)', 31 * 1440],
  ['cron(0 9 ? * 2#1 *)', 31 * 1440],
  ['cron(0 9 ? * 6L *)', 31 * 1440],
])('%s: %d minutes', (expression, minutes) => {
  expect(maxIntervalMinutes(expression)).toBe(minutes);
});

test.each(['at(2026-12-24T18:00:00)', 'cron(0 9 * 12 ? *)', 'cron(0 9 * * ? 2027)', 'nonsense'])(
  '%s cannot be told: undefined (no stale alert for that site)', expression => {
    expect(maxIntervalMinutes(expression)).toBeUndefined();
  });
