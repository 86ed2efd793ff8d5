/**
 * InstanceSchedule.aroundRuns: an instance from leadTime before each scheduled run, derived from
 * the sites' own cron schedules, in their time zones; read back by the cost model.
 */
import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { testApp } from './harness/nag';
import { readAssembly } from '../cli-src/cost/assembly';
import { DEFAULT_ASSUMPTIONS } from '../cli-src/cost/assumptions';
import { costOf } from '../cli-src/cost/model';
import { US_EAST_1 } from '../cli-src/cost/prices';
import { GraphiteGrafana, InstanceSchedule, SitespeedCluster } from '../src';
import { warmActions } from '../src/private/warm-windows';

describe('the warm-up actions of one schedule', () => {
  test('up leadTime before each run, a floor of zero at the run, days and hours kept', () => {
    expect(warmActions('cron(15 8-18/2 ? * MON-FRI *)', 15)).toEqual([
      { recurrence: '15 8-18/2 * * MON,TUE,WED,THU,FRI', minCapacity: 0 },
      { recurrence: '0 8-18/2 * * MON,TUE,WED,THU,FRI', minCapacity: 1 },
    ]);
  });

  test('a run early in the hour starts the hour before; a run at midnight the day before (Scheduler counts days from 1 = Sunday)', () => {
    expect(warmActions('cron(5 0,9 ? * 2 *)', 15)).toEqual([
      { recurrence: '5 0,9 * * MON', minCapacity: 0 },
      { recurrence: '50 8 * * MON', minCapacity: 1 },
      { recurrence: '50 23 * * SUN', minCapacity: 1 },
    ]);
    expect(warmActions('cron(0 0 1 * ? *)', 10)).toMatch(/runs at midnight on days of the month/);
  });

  test('what cannot be warmed says why: a rate, several minutes an hour, last days', () => {
    expect(warmActions('rate(3 hours)', 15)).toBe('rate(3 hours) fires at no fixed time of day');
    expect(warmActions('cron(0/15 * * * ? *)', 15)).toMatch(/more than one minute of the hour/);
    expect(warmActions('cron(0 9 L * ? *)', 15)).toMatch(/L, W or #/);
  });
});

describe('a cluster with InstanceSchedule.aroundRuns', () => {
  const build = (order: 'early-first' | 'late-first' = 'early-first') => {
    const stack = new Stack(testApp(), 'S', { env: { account: '123456789012', region: 'eu-north-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc, schedule: InstanceSchedule.aroundRuns({ leadTime: Duration.minutes(10) }) });
    const stockholm = TimeZone.of('Europe/Stockholm');
    const sites = {
      early: () => cluster.addSite('Early', { schedule: ScheduleExpression.cron({ minute: '10', hour: '9', weekDay: 'MON-FRI', timeZone: stockholm }), urls: [{ url: 'https://a.example/' }] }),
      // Its run at 09:20 warms up at 09:10: the same minute the other's run lets go. Up wins, in either order.
      late: () => cluster.addSite('Late', { schedule: ScheduleExpression.cron({ minute: '20', hour: '9', weekDay: 'MON-FRI', timeZone: stockholm }), urls: [{ url: 'https://b.example/' }] }),
      twin: () => cluster.addSite('Twin', { schedule: ScheduleExpression.cron({ minute: '20', hour: '9', weekDay: 'MON-FRI', timeZone: stockholm }), urls: [{ url: 'https://c.example/' }] }),
      rate: () => cluster.addSite('Often', { schedule: ScheduleExpression.rate(Duration.hours(3)), urls: [{ url: 'https://d.example/' }] }),
      off: () => cluster.addSite('Off', { schedule: ScheduleExpression.cron({ minute: '0', hour: '3', timeZone: stockholm }), enabled: false, urls: [{ url: 'https://e.example/' }] }),
    };
    const names = order === 'early-first' ? ['early', 'late', 'twin', 'rate', 'off'] : ['off', 'rate', 'twin', 'late', 'early'];
    for (const name of names) sites[name as keyof typeof sites]();
    return stack;
  };
  const actionsOf = (template: Template) => Object.values(template.findResources('AWS::AutoScaling::ScheduledAction'))
    .map(r => [r.Properties.Recurrence, r.Properties.TimeZone, r.Properties.MinSize]).sort();

  test('the cluster is up from 10 minutes before each run; two sites at one time share; nothing for a disabled site', () => {
    expect(actionsOf(Template.fromStack(build()))).toEqual([
      ['0 9 * * MON,TUE,WED,THU,FRI', 'Europe/Stockholm', 1],
      ['10 9 * * MON,TUE,WED,THU,FRI', 'Europe/Stockholm', 1],
      ['20 9 * * MON,TUE,WED,THU,FRI', 'Europe/Stockholm', 0],
    ]);
  });

  test('the same actions, and the same template, whichever site comes first', () => {
    expect(Template.fromStack(build('late-first')).toJSON()).toEqual(Template.fromStack(build()).toJSON());
  });

  test('a site on rate(...) gets a warning that its runs start an instance when they fire', () => {
    Annotations.fromStack(build()).hasWarning('/S/Sitespeed/Often', Match.stringLikeRegexp('rate\\(3 hours\\) fires at no fixed time of day: InstanceSchedule.aroundRuns cannot start an instance before its runs'));
  });

  test('the cost model reads the windows back: every cron run finds an instance up, and the fixed hours are the lead times', () => {
    const app = testApp();
    const dir = app.outdir;
    const stack = new Stack(app, 'S');
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc, schedule: InstanceSchedule.aroundRuns() });
    cluster.addSite('Shop', {
      schedule: ScheduleExpression.cron({ minute: '15', hour: '8-18/2', weekDay: 'MON-FRI', timeZone: TimeZone.of('Europe/Stockholm') }),
      urls: [{ url: 'https://shop.example/' }],
    });
    app.synth();
    const report = costOf(readAssembly(dir), US_EAST_1, DEFAULT_ASSUMPTIONS);
    expect(report.sites.map(s => s.warmShare)).toEqual([1]);
    // Six runs a weekday, each warmed 10 minutes ahead (the default leadTime) and let go 15 minutes
    // after it starts (the floor drops at the run; managed scaling scales in later): 30 × 25 min a
    // week. The run itself (3.5 min) holds the instance 15 minutes after it ends: 3.5 more minutes
    // each (4 whole), charged to the site.
    const hours = report.fixed.find(l => /instance-hours/.test(l.item))!;
    expect(hours.monthly).toBeCloseTo(30 * 25 / 60 * 730 / 168 * 0.085, 6);
    expect(report.sites[0].basis).toMatch(/each adds 4\.0 instance-minutes beyond/);
  });

  test('leadTime is whole minutes from 1 to 59; the metrics instance refuses a schedule that follows sites', () => {
    expect(() => InstanceSchedule.aroundRuns({ leadTime: Duration.hours(1) })).toThrow(/leadTime \(1 hour\) must be whole minutes from 1 to 59/);
    expect(() => InstanceSchedule.aroundRuns({ leadTime: Duration.seconds(90) })).toThrow(/whole minutes/);
    const stack = new Stack(testApp(), 'M', { env: { account: '123456789012', region: 'eu-north-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
    expect(() => new GraphiteGrafana(stack, 'Metrics', { vpc, schedule: InstanceSchedule.aroundRuns() })).toThrow(/aroundRuns follows a cluster's sites, and the metrics instance has none/);
  });
});
