/**
 * A run of each marked site a set time after a deploy marker (DeployMarkers `runAfter`): a
 * one-time EventBridge Scheduler schedule per site, in the DeployMarkers' own group, with the
 * target of the site's own schedule (its runTask, role, input, retries and dead-letter queue: the
 * same path, guard and arguments as its scheduled runs), deleted by the scheduler once it ran.
 * Its name is the site's and the marker's: a retry or a copy of the marker schedules nothing twice.
 * From AWS's own texts: `at(yyyy-mm-ddThh:mm:ss)` makes a one-time schedule that invokes its target
 * once (CreateSchedule's ScheduleExpression, @aws-sdk/client-scheduler models_0.d.ts); with
 * `ActionAfterCompletion: DELETE` a one-time schedule is deleted after that invocation
 * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-delete.html); a name
 * already taken is CreateSchedule's ConflictException (CreateScheduleCommand.d.ts). moto's
 * Scheduler backend (moto/scheduler/models.py) raises the same for the tests.
 */
import { createHash } from 'crypto';
import { CreateScheduleCommand, GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DeployMarker, RunAfterConfig } from '../../src/contract/deploy-markers';

/** A marker handled later than this after its runs were due (a copy of an old event) schedules none: the next scheduled run is judged at it. */
export const LATE_AFTER_MS = 3600_000;

/** The one-time schedule's name: ≤ 64 of [0-9a-zA-Z-_], the site's slug and a hash of the marker's id. */
export function runScheduleName(site: string, markerId: string): string {
  const hash = createHash('sha256').update(`${markerId}\n${site}`).digest('hex').slice(0, 16);
  return `${site.slice(0, 47)}-${hash}`;
}

export interface ScheduledRuns {
  /** When the runs start (UTC). */
  readonly at: string;
  readonly sites: string[];
  /** Set when no run was scheduled, saying why. */
  readonly skipped?: string;
}

export async function scheduleRunsAfter(scheduler: SchedulerClient, marker: DeployMarker, config: RunAfterConfig, now: Date,
  log: (line: object) => void): Promise<ScheduledRuns> {
  const due = Date.parse(marker.at) + config.seconds * 1000;
  if (now.getTime() > due + LATE_AFTER_MS) {
    return { at: new Date(due).toISOString(), sites: [], skipped: 'the marker came over an hour after its runs were due: the next scheduled runs are judged at it' };
  }
  // A schedule's time must be in the future: a marker handled late runs a minute from now.
  const at = new Date(Math.max(due, now.getTime() + 60_000));
  const expression = `at(${at.toISOString().slice(0, 19)})`;
  const sites: string[] = [];
  for (const site of marker.sites) {
    const own = await scheduler.send(new GetScheduleCommand({ Name: config.schedules[site] }));
    const target = own.Target!;
    try {
      await scheduler.send(new CreateScheduleCommand({
        Name: runScheduleName(site, marker.id),
        GroupName: config.group,
        Description: `cdk-sitespeed: a run of ${site} after the deploy marker ${marker.id}`.slice(0, 512),
        ScheduleExpression: expression,
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: target.Arn,
          RoleArn: target.RoleArn,
          Input: target.Input,
          ...(target.RetryPolicy ? { RetryPolicy: target.RetryPolicy } : {}),
          ...(target.DeadLetterConfig ? { DeadLetterConfig: target.DeadLetterConfig } : {}),
        },
        ActionAfterCompletion: 'DELETE',
      }));
      log({ runAfterMarker: marker.id, site, at: at.toISOString() });
    } catch (error: any) {
      // Scheduled by an earlier try of this marker (CreateSchedule's ConflictException: the name exists).
      if (error?.name !== 'ConflictException') throw error;
    }
    sites.push(site);
  }
  return { at: at.toISOString(), sites };
}
