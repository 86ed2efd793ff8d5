/*
 * What ReportTree tells its function about regression detection (environment variable
 * REGRESSION_SETTINGS, JSON), written from RegressionOptions at synth and read by
 * lambda-src/regression/settings.ts. Imports nothing: the CLI may bundle it.
 *
 *   { "enabled": true, "defaults": { "minBaselineRuns": 15, … }, "sites": { "blog": { "enabled": false }, "shop": { "floorPercent": 5 } } }
 */

/** One site's settings, or the defaults; what a site leaves out comes from the defaults, and theirs from the function's. */
export interface SettingsOverride {
  readonly enabled?: boolean;
  readonly minBaselineRuns?: number;
  readonly maxBaselineAgeDays?: number;
  readonly recentRuns?: number;
  readonly confirmRuns?: number;
  readonly alpha?: number;
  readonly floorPercent?: number;
  readonly floorMs?: number;
  readonly acceptAfterRuns?: number;
}

export interface RegressionSettingsEnv {
  readonly enabled: boolean;
  readonly defaults: SettingsOverride;
  readonly sites: Record<string, SettingsOverride>;
}

/** The allowed range of each number: checked at synth (naming the prop) and again by the function (naming the variable). */
export const SETTING_RANGES: Record<Exclude<keyof SettingsOverride, 'enabled'>, { min: number; max: number; integer: boolean }> = {
  minBaselineRuns: { min: 5, max: 168, integer: true },
  maxBaselineAgeDays: { min: 1, max: 365, integer: false },
  recentRuns: { min: 1, max: 10, integer: true },
  confirmRuns: { min: 2, max: 48, integer: true },
  alpha: { min: 1e-6, max: 0.2, integer: false },
  floorPercent: { min: 0, max: 100, integer: false },
  floorMs: { min: 0, max: 60_000, integer: false },
  acceptAfterRuns: { min: 1, max: 10_000, integer: true },
};
