import { Duration, TimeZone } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { stackWithVpc } from './helpers';
import { InstanceSchedule, SitespeedCluster } from '../src';
import { firesOutside, OnWindow } from '../src/contract/schedule-window';
import { nextDays, parseWeekDays } from '../src/contract/week-days';

const weekdays7to20: OnWindow = { startMinute: 7 * 60, stopMinute: 20 * 60, days: parseWeekDays('MON-FRI'), timeZone: 'Europe/Stockholm' };
const nights: OnWindow = { startMinute: 22 * 60, stopMinute: 6 * 60, days: parseWeekDays('*'), timeZone: 'UTC' };

describe('week days', () => {
  test('parse names, numbers, ranges (also wrapping) and lists; shift to the next days', () => {
    expect([...parseWeekDays('MON-FRI')].sort()).toEqual([1, 2, 3, 4, 5]);
    expect([...parseWeekDays('fri-mon')].sort()).toEqual([0, 1, 5, 6]);
    expect([...parseWeekDays('0,SAT')].sort()).toEqual([0, 6]);
    expect(nextDays('MON-FRI')).toBe('TUE,WED,THU,FRI,SAT');
    expect(nextDays('SAT')).toBe('SUN');
    expect(nextDays('*')).toBe('*');
  });
});

describe('firesOutside: when a site can fire while a hard-stopped cluster has no capacity', () => {
  test.each<[string, string, OnWindow, RegExp | undefined]>([
    ['cron(15 8-18/2 ? * MON-FRI *)', 'Europe/Stockholm', weekdays7to20, undefined],
    ['cron(0 21 ? * MON-FRI *)', 'Europe/Stockholm', weekdays7to20, /fires at MON 21:00 Europe\/Stockholm/],
    ['cron(0 9 ? * SAT *)', 'Europe/Stockholm', weekdays7to20, /fires at SAT 09:00/],
    ['cron(0 9 ? * 2-6 *)', 'Europe/Stockholm', weekdays7to20, undefined], // Scheduler: 1 = Sunday
    ['cron(0 9 ? * 1 *)', 'Europe/Stockholm', weekdays7to20, /fires at SUN 09:00/],
    ['cron(0 9 1 * ? *)', 'Europe/Stockholm', weekdays7to20, /fires at SUN 09:00/], // a day of the month can be any weekday
    ['rate(3 hours)', 'Europe/Stockholm', weekdays7to20, /rate\(3 hours\) fires around the clock/],
    ['cron(30 23,2 ? * * *)', 'Etc/UTC', nights, undefined], // across midnight, and Etc/UTC is UTC
    ['cron(0 7 ? * * *)', 'UTC', nights, /fires at SUN 07:00 UTC/],
    ['cron(0 9 ? * MON-FRI *)', 'Europe/London', weekdays7to20, /in Europe\/London and the cluster's window in Europe\/Stockholm, which cannot be compared/],
    ['at(2027-01-01T09:00:00)', 'Europe/Stockholm', weekdays7to20, undefined],
  ])('%s (%s)', (expression, zone, window, expected) => {
    const outcome = firesOutside(expression, zone, window);
    if (expected) expect(outcome).toMatch(expected);
    else expect(outcome).toBeUndefined();
  });
});

describe('sites on a hard-stopped cluster', () => {
  function cluster(hardStop: boolean) {
    const { stack, vpc } = stackWithVpc();
    const sitespeed = new SitespeedCluster(stack, 'Sitespeed', {
      vpc, schedule: InstanceSchedule.onOff({ timeZone: TimeZone.of('Europe/Stockholm'), startHour: 7, stopHour: 20, hardStop }),
    });
    return { stack, sitespeed };
  }
  const zone = TimeZone.of('Europe/Stockholm');

  test('a site that can fire outside the window gets a warning saying when; one inside does not', () => {
    const { stack, sitespeed } = cluster(true);
    sitespeed.addSite('Night', { schedule: ScheduleExpression.rate(Duration.hours(3)), urls: [{ url: 'https://a.example/' }] });
    sitespeed.addSite('Day', { schedule: ScheduleExpression.cron({ minute: '0', hour: '9', weekDay: 'MON-FRI', timeZone: zone }), urls: [{ url: 'https://b.example/' }] });
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Test/Sitespeed/Night', Match.stringLikeRegexp('rate\\(3 hours\\) fires around the clock, when the cluster\'s hardStop schedule holds it at zero'));
    expect(annotations.findWarning('/Test/Sitespeed/Day', Match.stringLikeRegexp('hardStop'))).toHaveLength(0);
  });

  test('without hardStop nothing is stranded, so nothing is said', () => {
    const { stack, sitespeed } = cluster(false);
    sitespeed.addSite('Night', { schedule: ScheduleExpression.rate(Duration.hours(3)), urls: [{ url: 'https://a.example/' }] });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('hardStop'))).toHaveLength(0);
  });
});
