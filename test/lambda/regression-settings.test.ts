import { DEFAULT_SETTINGS } from '../../lambda-src/regression/decide';
import { settingsFromEnv } from '../../lambda-src/regression/settings';

test('a site\'s own settings over the tree\'s over the defaults; a site or a tree turned off has none', () => {
  const env = { enabled: true, defaults: { floorPercent: 5 }, sites: { blog: { enabled: false }, shop: { alpha: 0.001 } } };
  const of = settingsFromEnv(JSON.stringify(env));
  expect(of('docs')).toEqual({ ...DEFAULT_SETTINGS, floorPercent: 5 });
  expect(of('shop')).toEqual({ ...DEFAULT_SETTINGS, floorPercent: 5, alpha: 0.001 });
  expect(of('blog')).toBeUndefined();
  expect(settingsFromEnv(JSON.stringify({ enabled: false, defaults: {}, sites: {} }))('docs')).toBeUndefined();
  expect(settingsFromEnv(undefined)('docs')).toBe(DEFAULT_SETTINGS);
});

test.each([
  ['not JSON', '{', 'REGRESSION_SETTINGS is not JSON: {'],
  ['no enabled', '{"defaults": {}}', 'REGRESSION_SETTINGS.enabled must be true or false, got undefined'],
  ['a value out of range', '{"enabled": true, "defaults": {}, "sites": {"shop": {"recentRuns": 0}}}', 'REGRESSION_SETTINGS sites.shop.recentRuns is 0; expected a whole number from 1 to 10'],
  ['an unknown field', '{"enabled": true, "defaults": {"floor": 3}}', 'REGRESSION_SETTINGS defaults.floor is not a setting'],
])('%s: an error naming the field', (_name, text, message) => {
  expect(() => settingsFromEnv(text)).toThrow(message);
});
