import { createHash } from 'crypto';
import { Duration, TimeZone, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import { Construct, IConstruct } from 'constructs';
import { ianaTimeZone, OnWindow } from './contract/schedule-window';
import { nextDays, parseWeekDays, WEEK_DAYS } from './contract/week-days';
import { DEFAULTS } from './private/defaults';
import { factoryOnly } from './private/factory-only';
import { spelledForCaller, spelledValidation, warn } from './private/for-caller';
import { isToken, plainDuration, requirePlain } from './private/tokens';
import { warmActions } from './private/warm-windows';

const D = DEFAULTS.OnOffScheduleOptions;

/** Options for {@link InstanceSchedule.onOff}. */
export interface OnOffScheduleOptions {
  /**
   * The time zone the hours are in, e.g. `TimeZone.of('Europe/Stockholm')` or `TimeZone.EUROPE_LONDON`
   * (the type a site's schedule takes). Daylight saving is followed.
   */
  readonly timeZone: TimeZone;
  /** Hour (0–23) at which the cluster comes up. */
  readonly startHour: number;
  /**
   * Minute (0–59) of the start hour.
   * @default 0
   */
  readonly startMinute?: number;
  /** Hour (0–23) at which the cluster goes down to zero instances. */
  readonly stopHour: number;
  /**
   * Minute (0–59) of the stop hour.
   * @default 0
   */
  readonly stopMinute?: number;
  /**
   * Days on which the cluster comes up, as a cron day-of-week field (`MON-FRI`, `MON,WED,FRI`,
   * `*`). A window that crosses midnight (22:00 to 06:00) goes down on the following days.
   * @default 'MON-FRI'
   */
  readonly weekDays?: string;
  /**
   * Instances kept running while the cluster is on. Warm instances have the image pulled and
   * start a run at once; with 0, the first run of the day waits for a scale-out (minutes).
   * @default 1
   */
  readonly warmInstances?: number;

  /**
   * Whether the cluster is held at zero instances outside the window. By default it is not: off
   * means no warm instance, and a run scheduled then still scales the cluster out from zero (it
   * waits a few minutes for the instance), so no run is ever stranded. With `hardStop`, the
   * maximum is 0 outside the window: runs scheduled then cannot start (each site whose schedule
   * can fire then gets a synth warning), and runTask stops such a run once it has waited too long.
   * @default false
   */
  readonly hardStop?: boolean;
}

/** Options for {@link InstanceSchedule.aroundRuns}. */
export interface AroundRunsScheduleOptions {
  /**
   * How long before each scheduled run an instance is started: booting, joining the cluster and
   * pulling the sitespeed.io image (the boot pre-pulls it) take a few minutes. From 1 to 59 minutes.
   * @default Duration.minutes(10)
   */
  readonly leadTime?: Duration;
}

/** @internal A site's runs, as a schedule that follows them needs them. */
export interface SiteRuns {
  readonly expression: string;
  readonly timeZone: string;
  readonly enabled: boolean;
}

/** @internal */
export interface ScheduleTarget {
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  readonly maxCapacity: number;
  /** Hold the group at zero outside the window whatever the options say (nothing else would scale it out). */
  readonly alwaysHardStop?: boolean;
}


/**
 * When the test instances run.
 *
 * A schedule sets the Auto Scaling group's bounds at fixed times; between them the capacity
 * provider's managed scaling adds instances for waiting runs. On means warm instances (the
 * minimum); off means none, and a run scheduled then still scales the cluster out from zero,
 * unless the schedule has `hardStop` (maximum 0 off the window: such runs cannot start).
 */
export abstract class InstanceSchedule {
  /** Instances are available around the clock (between the cluster's min and max capacity). */
  public static alwaysOn(): InstanceSchedule {
    return new AlwaysOn();
  }

  /**
   * The cluster comes up at a time of day and goes down to zero at another, in a time zone —
   * e.g. up at 07:00 and down at 20:00 Europe/Stockholm on weekdays.
   */
  public static onOff(options: OnOffScheduleOptions): InstanceSchedule {
    return spelledForCaller(() => new OnOff(options));
  }

  /**
   * An instance only around the runs: started `leadTime` before each scheduled run of the
   * cluster's sites (from their cron schedules, in their time zones), and gone about 15 minutes
   * after the last run ends (managed scaling). The cheapest warm choice for sites that run a few
   * times a day; what it does to measurements: each run is on an instance booted minutes before,
   * with the image pulled but page caches, JIT and CPU frequency cold, where sitespeed.io advises
   * long-lived instances — the median of several iterations absorbs most of it, and a site that
   * runs hourly is better on `onOff`. A site on `rate(...)`, or a cron this cannot shift (every few
   * minutes, L/W/#), gets a synth warning: its runs start an instance when they fire.
   */
  public static aroundRuns(options: AroundRunsScheduleOptions = {}): InstanceSchedule {
    return spelledForCaller(() => new AroundRuns(options));
  }

  /** Made by the static factories only (see factoryOnly). */
  protected constructor() {
    factoryOnly(new.target, InstanceSchedule, 'InstanceSchedule.alwaysOn(), InstanceSchedule.onOff(...) or InstanceSchedule.aroundRuns(...)');
  }

  /** @internal */
  public abstract _apply(scope: Construct, target: ScheduleTarget): void;

  /** @internal A site of the cluster: a schedule that follows runs adds its windows. */
  public _addSiteRuns(_site: IConstruct, _target: ScheduleTarget, _runs: SiteRuns): void {}

  /** @internal Whether the schedule follows the cluster's sites (and so means nothing for the metrics instance). */
  public get _followsSites(): boolean {
    return false;
  }

  /** @internal The instances kept up in the on-windows; undefined when always on. */
  public get _warmInstances(): number | undefined {
    return undefined;
  }

  /** @internal Whether the group is held at zero outside the window. */
  public get _hardStop(): boolean {
    return false;
  }

  /** @internal The window in which a hard-stopped cluster has capacity; undefined when it always may. */
  public get _hardStopWindow(): OnWindow | undefined {
    return undefined;
  }
}

class AlwaysOn extends InstanceSchedule {
  public _apply(): void {}
}

/** The Auto Scaling group's quota of scheduled actions (Amazon EC2 Auto Scaling user guide, "Quotas"). */
const MAX_SCHEDULED_ACTIONS = 125;

class AroundRuns extends InstanceSchedule {
  private readonly leadMinutes: number;
  /** Per group: the actions made so far, by what they do (two sites at one time share them). */
  private readonly made = new WeakMap<autoscaling.AutoScalingGroup, Set<string>>();

  constructor(options: AroundRunsScheduleOptions) {
    super();
    const lead = plainDuration('InstanceSchedule.aroundRuns: leadTime', options.leadTime ?? Duration.minutes(10), 'Duration.minutes(10)',
      'the warm-up times are built from it at synth');
    const minutes = lead.toMinutes({ integral: false });
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 59) {
      throw new Error(`InstanceSchedule.aroundRuns: leadTime (${lead.toHumanString()}) must be whole minutes from 1 to 59.`);
    }
    this.leadMinutes = minutes;
  }

  public get _followsSites(): boolean {
    return true;
  }

  public _apply(): void {}

  public _addSiteRuns(site: IConstruct, target: ScheduleTarget, runs: SiteRuns): void {
    if (!runs.enabled || Token.isUnresolved(runs.expression)) return;
    const actions = warmActions(runs.expression, this.leadMinutes);
    if (typeof actions === 'string') {
      warn(site, 'cdk-sitespeed:siteNotWarmed',
        `${actions}: InstanceSchedule.aroundRuns cannot start an instance before its runs, so each run starts one when it fires ` +
        '(a few minutes late) unless another site\'s window holds one. Give the site a cron schedule at fixed minutes, or the cluster an onOff schedule.');
      return;
    }
    const group = target.autoScalingGroup;
    let made = this.made.get(group);
    if (!made) {
      made = new Set();
      this.made.set(group, made);
      const count = made;
      group.node.addValidation(spelledValidation({
        validate: () => (count.size > MAX_SCHEDULED_ACTIONS
          ? [`InstanceSchedule.aroundRuns needs ${count.size} scheduled actions for this cluster's sites, more than an Auto Scaling group's ${MAX_SCHEDULED_ACTIONS}; ` +
            'put some sites at the same times, or use InstanceSchedule.onOff.']
          : []),
      }));
    }
    // An up and a down at one time: up wins, whichever site came first (a run then is what the window is for).
    const ups = new Set(actions.filter(a => a.minCapacity > 0).map(a => a.recurrence));
    const idOf = (key: string) => `${key.startsWith('0') ? 'LetGo' : 'WarmUp'}${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
    for (const action of actions) {
      const key = `${action.minCapacity} ${action.recurrence} ${runs.timeZone}`;
      const downAtSameTime = `0 ${action.recurrence} ${runs.timeZone}`;
      if (made.has(key) || (action.minCapacity === 0 && (ups.has(action.recurrence) || made.has(`1 ${action.recurrence} ${runs.timeZone}`)))) continue;
      if (action.minCapacity > 0 && made.has(downAtSameTime)) {
        // scaleOnSchedule names its child `ScheduledAction<id>` (aws-autoscaling auto-scaling-group.ts).
        group.node.tryRemoveChild(`ScheduledAction${idOf(downAtSameTime)}`);
        made.delete(downAtSameTime);
      }
      made.add(key);
      const id = idOf(key);
      group.scaleOnSchedule(id, {
        schedule: autoscaling.Schedule.expression(action.recurrence),
        timeZone: runs.timeZone,
        minCapacity: action.minCapacity,
      });
    }
  }
}

class OnOff extends InstanceSchedule {
  /** The IANA name as AWS expects it (validation accepts any case: 'europe/stockholm'). */
  private readonly timeZone: string;

  constructor(private readonly options: OnOffScheduleOptions) {
    super();
    const o = options;
    // A token time zone goes to AWS as it is; the hours, minutes and days build cron expressions
    // and the midnight shift at synth, so they must be plain.
    const zone = timeZoneName(o.timeZone);
    this.timeZone = isToken(zone) ? zone : canonicalTimeZone(zone);
    const why = 'the scheduled actions\' cron expressions are built from it at synth';
    const plain = {
      startHour: o.startHour,
      stopHour: o.stopHour,
      startMinute: o.startMinute,
      stopMinute: o.stopMinute,
      weekDays: o.weekDays,
      warmInstances: o.warmInstances,
    };
    for (const [prop, value] of Object.entries(plain)) {
      requirePlain(`InstanceSchedule.onOff: ${prop}`, value, why);
    }
    checkInteger('startHour', o.startHour, 0, 23);
    checkInteger('stopHour', o.stopHour, 0, 23);
    checkInteger('startMinute', o.startMinute ?? D.startMinute, 0, 59);
    checkInteger('stopMinute', o.stopMinute ?? D.stopMinute, 0, 59);
    if (o.startHour === o.stopHour && (o.startMinute ?? D.startMinute) === (o.stopMinute ?? D.stopMinute)) {
      throw new Error(
        `InstanceSchedule.onOff: startHour:startMinute and stopHour:stopMinute are both ${o.startHour}:${pad(o.startMinute ?? D.startMinute)}; ` +
        'the window would be empty. Use InstanceSchedule.alwaysOn() for a cluster that never stops.',
      );
    }
    if (o.weekDays !== undefined && !WEEK_DAYS.test(o.weekDays)) {
      throw new Error(
        `InstanceSchedule.onOff: weekDays '${o.weekDays}' is not a cron day-of-week field; ` +
        "allowed: '*', day names SUN–SAT or numbers 0–6, ranges with '-' and lists with ',' (e.g. 'MON-FRI').",
      );
    }
    if (o.warmInstances !== undefined) {
      checkInteger('warmInstances', o.warmInstances, 0, Number.MAX_SAFE_INTEGER);
    }
  }

  public get _warmInstances(): number | undefined {
    return this.options.warmInstances ?? D.warmInstances;
  }

  public get _hardStop(): boolean {
    return this.options.hardStop ?? D.hardStop;
  }

  public get _hardStopWindow(): OnWindow | undefined {
    if (!this._hardStop) return undefined;
    const o = this.options;
    return {
      startMinute: o.startHour * 60 + (o.startMinute ?? D.startMinute),
      stopMinute: o.stopHour * 60 + (o.stopMinute ?? D.stopMinute),
      days: parseWeekDays(o.weekDays ?? D.weekDays),
      timeZone: this.timeZone,
    };
  }

  public _apply(_scope: Construct, target: ScheduleTarget): void {
    const o = this.options;
    const warm = o.warmInstances ?? D.warmInstances;
    // A token maxCapacity (a CfnParameter) passes through into the scheduled actions: the check waits for a plain value.
    if (!Token.isUnresolved(target.maxCapacity) && warm > target.maxCapacity) {
      throw new Error(
        `InstanceSchedule.onOff: warmInstances (${warm}) must not exceed the cluster's maxCapacity (${target.maxCapacity}).`,
      );
    }
    const weekDay = (o.weekDays ?? D.weekDays).toUpperCase();
    // A window past midnight (22:00 to 06:00, MON-FRI) ends on the next days (TUE-SAT), or it
    // would start on Friday night and end on Monday morning.
    const crossesMidnight = o.stopHour * 60 + (o.stopMinute ?? D.stopMinute) < o.startHour * 60 + (o.startMinute ?? D.startMinute);
    target.autoScalingGroup.scaleOnSchedule('ScheduleOn', {
      schedule: autoscaling.Schedule.cron({ minute: `${o.startMinute ?? D.startMinute}`, hour: `${o.startHour}`, weekDay }),
      timeZone: this.timeZone,
      minCapacity: warm,
      maxCapacity: target.maxCapacity,
    });
    target.autoScalingGroup.scaleOnSchedule('ScheduleOff', {
      schedule: autoscaling.Schedule.cron({
        minute: `${o.stopMinute ?? D.stopMinute}`, hour: `${o.stopHour}`, weekDay: crossesMidnight ? nextDays(weekDay) : weekDay,
      }),
      timeZone: this.timeZone,
      minCapacity: 0,
      maxCapacity: this._hardStop || target.alwaysHardStop ? 0 : target.maxCapacity,
    });
  }
}

function checkInteger(prop: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
    throw new Error(`InstanceSchedule.onOff: ${prop} (${value}) must be ${range}.`);
  }
}

/** The name of a TimeZone (an untyped caller may pass the string itself: say what to pass). */
function timeZoneName(timeZone: unknown): string {
  if (typeof timeZone === 'string') {
    throw new Error(`InstanceSchedule.onOff: timeZone must be a TimeZone, as a site's schedule takes it: TimeZone.of('${timeZone}'), not the string '${timeZone}'.`);
  }
  const name = (timeZone as TimeZone | undefined)?.timezoneName;
  if (typeof name !== 'string') throw new Error(`InstanceSchedule.onOff: timeZone must be a TimeZone such as TimeZone.of('Europe/Stockholm'), got ${JSON.stringify(timeZone)}.`);
  return name;
}

function canonicalTimeZone(timeZone: string): string {
  const canonical = ianaTimeZone(timeZone);
  if (canonical === undefined) {
    throw new Error(`InstanceSchedule.onOff: timeZone '${timeZone}' is not an IANA time zone; use a name such as 'Europe/Stockholm' or 'UTC'.`);
  }
  return canonical;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
