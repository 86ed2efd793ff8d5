/**
 * Wraps a handler: its outcome is logged as one JSON line; an error is logged (name and message)
 * and rethrown, so the invoker (Scheduler, EventBridge) retries and finally dead-letters it.
 */
export function loggedHandler<Event, Outcome extends object>(
  run: (event: Event) => Promise<Outcome>,
  logLine: (outcome: Outcome) => object = outcome => outcome,
): (event: Event) => Promise<Outcome> {
  return async event => {
    try {
      const outcome = await run(event);
      console.log(JSON.stringify(logLine(outcome)));
      return outcome;
    } catch (error) {
      const err = error as Error;
      console.error(JSON.stringify({ error: err.name, message: err.message }));
      throw error;
    }
  };
}

/** An environment variable the construct always sets; missing, it is a deployment bug. */
export function requiredEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new Error(`environment variable ${name} is not set; the function was not deployed by cdk-sitespeed`);
  }
  return value;
}

/** A request the function refuses: the invoker gets the message, naming each field and what is allowed. */
export class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}

/** RETENTION_DAYS: a whole number of days, or '' (kept for ever). */
export function retentionDaysOf(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1) throw new Error(`environment variable RETENTION_DAYS is '${value}'; expected a whole number of days, or empty`);
  return days;
}
