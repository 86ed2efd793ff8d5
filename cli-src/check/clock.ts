/** Time, waits and the polling interval, injectable so the tests do not wait. */
export interface Clock {
  readonly pollMs: number;
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: ms => new Promise(resolve => setTimeout(resolve, ms)),
  pollMs: 5000,
};
