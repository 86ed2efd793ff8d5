/**
 * The only ways a test may be skipped: each names its reason in the test's title, between
 * SKIP_MARK and "]", and test/harness/skip-reporter.js lists them at the end of the run and
 * fails the run on any skip that has no reason.
 */
export const SKIP_MARK = '[skipped:';

export const IS_ROOT = process.getuid?.() === 0;

/**
 * Registers `suite` (tests, hooks and all) when running as root. Anywhere else it registers a
 * single skipped test that says why, and runs none of the suite's code (which would need root
 * even to collect its tests). CI runs as root, so there a missing root is an error, not a skip.
 */
export function asRoot(what: string, suite: () => void): void {
  if (IS_ROOT) {
    suite();
    return;
  }
  if (process.env.CI === 'true') {
    throw new Error(`${what}: needs root, and CI runs every test; run CI as root`);
  }
  test.skip(`${what} ${SKIP_MARK} needs root (run as root, as CI does, to run it)]`, () => undefined);
}

/** A test that runs where `can` holds; elsewhere a skipped test whose title gives `whyNot`. */
export function testIf(can: boolean, name: string, whyNot: string, fn: jest.ProvidesCallback, timeout?: number): void {
  if (can) test(name, fn, timeout);
  else test.skip(`${name} ${SKIP_MARK} ${whyNot}]`, () => undefined);
}
