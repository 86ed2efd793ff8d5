import { plainDuration, requirePlain } from './tokens';
import { SETTING_RANGES, SettingsOverride } from '../contract/regression-settings';
import type { RegressionOptions } from '../regression-options';

/** The props' names of the settings, for errors. */
const PROP_OF: Record<keyof typeof SETTING_RANGES, string> = {
  minBaselineRuns: 'minBaselineRuns',
  maxBaselineAgeDays: 'maxBaselineAge',
  recentRuns: 'recentRuns',
  confirmRuns: 'confirmRuns',
  alpha: 'significance',
  floorPercent: 'minSlowdownPercent',
  floorMs: 'minSlowdown',
  acceptAfterRuns: 'acceptAfterRuns',
};

/**
 * RegressionOptions checked (an error names the prop, e.g. `regressions.significance`, and the
 * allowed range) and turned into the settings the function reads; only what was given.
 */
export function regressionSettingsOf(prefix: string, options: RegressionOptions | undefined): SettingsOverride {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw new Error(`${prefix} must be RegressionOptions (e.g. { minSlowdownPercent: 5 }), not ${JSON.stringify(options)}.`);
  const why = 'the regression detector reads it as a number';
  const settings: Record<string, number | boolean> = {};
  if (options.enabled !== undefined) {
    requirePlain(`${prefix}.enabled`, options.enabled, why);
    if (typeof options.enabled !== 'boolean') throw new Error(`${prefix}.enabled (${JSON.stringify(options.enabled)}) must be true or false.`);
    settings.enabled = options.enabled;
  }
  const given: Partial<Record<keyof typeof SETTING_RANGES, unknown>> = {
    minBaselineRuns: options.minBaselineRuns,
    maxBaselineAgeDays: options.maxBaselineAge === undefined ? undefined
      : plainDuration(`${prefix}.maxBaselineAge`, options.maxBaselineAge, 'Duration.days(30)', why).toHours({ integral: false }) / 24,
    recentRuns: options.recentRuns,
    confirmRuns: options.confirmRuns,
    alpha: options.significance,
    floorPercent: options.minSlowdownPercent,
    floorMs: options.minSlowdown === undefined ? undefined
      : plainDuration(`${prefix}.minSlowdown`, options.minSlowdown, 'Duration.millis(50)', why).toMilliseconds({ integral: false }),
    acceptAfterRuns: options.acceptAfterRuns,
  };
  for (const [name, value] of Object.entries(given) as [keyof typeof SETTING_RANGES, unknown][]) {
    if (value === undefined) continue;
    const prop = `${prefix}.${PROP_OF[name]}`;
    requirePlain(prop, value, why);
    const { min, max, integer } = SETTING_RANGES[name];
    const unit = name === 'maxBaselineAgeDays' ? ' days' : name === 'floorMs' ? ' ms' : '';
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw new Error(`${prop} is ${typeof value === 'number' ? `${value}${unit}` : JSON.stringify(value)}; it must be ${integer ? 'a whole number' : 'a number'} ` +
        `from ${min}${unit} to ${max}${unit}.`);
    }
    settings[name] = value;
  }
  return settings as SettingsOverride;
}
