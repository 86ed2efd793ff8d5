import { Duration } from 'aws-cdk-lib';
import { forCaller } from './private/for-caller';
import { plainDuration } from './private/tokens';

/** Options of {@link ReportRetention.expireAfter}. */
export interface ReportRetentionOptions {
  /**
   * Move a run's report files to S3 Standard-Infrequent Access this long after the run (at
   * least 30 days, S3's minimum, and less than the expiry). S3 does not move objects smaller
   * than 128 KB, so this moves the videos and HAR files, which are most of a report's bytes.
   * @default - reports stay in S3 Standard until they expire
   */
  readonly infrequentAccessAfter?: Duration;
}

/**
 * How long run reports are kept in the reports bucket. Expired reports are deleted by an S3
 * lifecycle rule per site, and the index drops their runs at the same age, so the viewer never
 * links to a deleted report.
 */
export class ReportRetention {
  /**
   * 90 days: longer than Graphite keeps a page's trend (65 days), so every point in Grafana still
   * has its report, and a quarter to compare with. docs/report-tree.md gives the cost.
   */
  public static readonly DEFAULT_DAYS = 90;

  /** Reports (and their runs in the index) are deleted `expiry` after the run, in whole days. */
  public static expireAfter(expiry: Duration, options: ReportRetentionOptions = {}): ReportRetention {
    try {
      const days = wholeDays('expireAfter', expiry);
      let iaDays: number | undefined;
      if (options.infrequentAccessAfter !== undefined) {
        iaDays = wholeDays('infrequentAccessAfter', options.infrequentAccessAfter);
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
        if (iaDays < 30) throw new Error(`ReportRetention: infrequentAccessAfter is ${iaDays} days; S3 moves objects to Standard-IA after 30 days at the earliest.`);
        if (iaDays >= days) throw new Error(`ReportRetention: infrequentAccessAfter (${iaDays} days) must be shorter than expireAfter (${days} days).`);
      }
      return new ReportRetention(days, iaDays);
    } catch (error) {
      throw forCaller(error);
    }
  }

  /** Reports are never deleted (the bucket only grows). */
  public static forever(): ReportRetention {
    return new ReportRetention(undefined, undefined);
  }

  /** Days after which reports expire; undefined: never. */
  public readonly expiryDays?: number;
  /** Days after which report files move to Standard-IA; undefined: never. */
  public readonly infrequentAccessDays?: number;

  private constructor(expiryDays: number | undefined, infrequentAccessDays: number | undefined) {
    this.expiryDays = expiryDays;
    this.infrequentAccessDays = infrequentAccessDays;
  }
}

function wholeDays(name: string, value: Duration): number {
  const duration = plainDuration(`ReportRetention: ${name}`, value, 'Duration.days(90)', 'the lifecycle rules are written from it at synth');
  const days = duration.toDays({ integral: false });
  if (!Number.isInteger(days) || days < 1) throw new Error(`ReportRetention: ${name} is ${duration.toHumanString()}; S3 lifecycle rules count whole days (at least 1).`);
  return days;
}
