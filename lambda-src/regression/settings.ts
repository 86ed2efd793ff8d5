/**
 * The settings of each site's detector, from the function's REGRESSION_SETTINGS
 * (src/contract/regression-settings.ts, written by ReportTree from RegressionOptions): a site's
 * own over the tree's over DEFAULT_SETTINGS. A value out of its range is an error naming the
 * variable, the site and the field: the function refuses to guess.
 */
import { DEFAULT_SETTINGS, RegressionSettings } from './decide';
import { RegressionSettingsEnv, SETTING_RANGES, SettingsOverride } from '../../src/contract/regression-settings';

function checked(where: string, override: unknown): SettingsOverride {
  if (typeof override !== 'object' || override === null || Array.isArray(override)) throw new Error(`REGRESSION_SETTINGS ${where} must be an object, got ${JSON.stringify(override)}`);
  for (const [field, value] of Object.entries(override)) {
    if (field === 'enabled') {
      if (typeof value !== 'boolean') throw new Error(`REGRESSION_SETTINGS ${where}.enabled must be true or false, got ${JSON.stringify(value)}`);
      continue;
    }
    const range = SETTING_RANGES[field as keyof typeof SETTING_RANGES];
    if (!range) throw new Error(`REGRESSION_SETTINGS ${where}.${field} is not a setting (${Object.keys(SETTING_RANGES).join(', ')}, enabled)`);
    if (typeof value !== 'number' || !(value >= range.min && value <= range.max) || (range.integer && !Number.isInteger(value))) {
      throw new Error(`REGRESSION_SETTINGS ${where}.${field} is ${JSON.stringify(value)}; expected ${range.integer ? 'a whole number' : 'a number'} from ${range.min} to ${range.max}`);
    }
  }
  return override as SettingsOverride;
}

/** A site's settings, or undefined when detection is off for it. */
export type SettingsOf = (site: string) => RegressionSettings | undefined;

export function settingsFromEnv(text: string | undefined): SettingsOf {
  if (text === undefined || text === '') return () => DEFAULT_SETTINGS;
  let env: RegressionSettingsEnv;
  try {
    env = JSON.parse(text);
  } catch {
    throw new Error(`REGRESSION_SETTINGS is not JSON: ${text.slice(0, 200)}`);
  }
  if (typeof env?.enabled !== 'boolean') throw new Error(`REGRESSION_SETTINGS.enabled must be true or false, got ${JSON.stringify(env?.enabled)}`);
  const defaults = checked('defaults', env.defaults ?? {});
  const sites = new Map(Object.entries(env.sites ?? {}).map(([site, o]) => [site, checked(`sites.${site}`, o)]));
  return site => {
    if (!env.enabled) return undefined;
    const { enabled, ...merged } = { ...defaults, ...sites.get(site) };
    return enabled === false ? undefined : { ...DEFAULT_SETTINGS, ...merged };
  };
}
