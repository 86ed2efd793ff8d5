import { Token } from 'aws-cdk-lib';

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

/** The error for a token where synth needs the value (for values such as a Duration that say so themselves). */
export function refuseToken(prop: string, why: string): never {
  throw new Error(`${prop} must be a plain value, not a token (a CfnParameter, Lazy or resource attribute): ${why}.`);
}
