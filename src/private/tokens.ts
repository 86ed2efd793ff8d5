import { Duration, Token } from 'aws-cdk-lib';

/*
 * Props given as tokens (a CfnParameter, Lazy, another resource's attribute) are known only at
 * deploy time. A prop that synth must read (it names folders, builds a cron expression, is
 * checked for uniqueness) must be a plain value: say so. Any other is passed on unvalidated.
 */

/** Whether a value is a token (validation of its content is then skipped). */
export function isToken(value: unknown): boolean {
  return Token.isUnresolved(value);
}

/** Refuses a token where synth needs the value itself. */
export function requirePlain(prop: string, value: unknown, why: string): void {
  if (Token.isUnresolved(value)) refuseToken(prop, why);
}

/**
 * A Duration prop as synth needs it: a Duration (an untyped caller may pass a number), not a
 * token in any unit (asked of the Duration itself: converting a token Duration made in another
 * unit throws CDK's own error, which names no prop), and a finite amount (Duration.days(NaN)
 * is a Duration too).
 */
export function plainDuration(prop: string, value: unknown, example: string, why: string): Duration {
  if (value === null || typeof value !== 'object' || typeof (value as Duration).toMilliseconds !== 'function') {
    throw new Error(`${prop} must be a Duration such as ${example}, not ${JSON.stringify(value)}.`);
  }
  const duration = value as Duration;
  if (duration.isUnresolved()) refuseToken(prop, why);
  if (!Number.isFinite(duration.toMilliseconds({ integral: false }))) {
    throw new Error(`${prop} is not a number of ${duration.unitLabel()}; give a finite Duration such as ${example}.`);
  }
  return duration;
}

/** The error for a token where synth needs the value (for values such as a Duration that say so themselves). */
export function refuseToken(prop: string, why: string): never {
  throw new Error(`${prop} must be a plain value, not a token (a CfnParameter, Lazy or resource attribute): ${why}.`);
}
