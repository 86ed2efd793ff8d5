import { SITESPEED_OPTION_NAMES } from './sitespeed-option-names';
import { SITESPEED_OPTIONS_VERSION } from '../contract/sitespeed-options';

/*
 * sitespeed.io takes any option and ignores the ones nobody reads: a typo (`visual_metrics` for
 * `visualMetrics`) renders, runs and does nothing. Refusing would be wrong (plugins read keys of
 * their own, and an image of another version declares other options), so a name the pinned
 * version does not declare gets a warning, with the declared name it most likely meant.
 */
const DECLARED = new Set(SITESPEED_OPTION_NAMES);
const squashed = (name: string) => name.toLowerCase().replace(/[-_]/g, '');
const BY_SQUASHED = new Map(SITESPEED_OPTION_NAMES.map(n => [squashed(n), n] as const));

/** The warning for an option name the pinned sitespeed.io does not declare, or undefined for a declared one. */
export function unknownOptionWarning(name: string, source: string): string | undefined {
  const plain = name.startsWith('no-') ? name.slice(3) : name;
  if (plain === '' || DECLARED.has(plain) || DECLARED.has(name)) return undefined;
  const guess = suggestion(plain);
  return `${source}: '${name}' is not an option sitespeed.io ${SITESPEED_OPTIONS_VERSION} declares, so it may do nothing at run time` +
    `${guess ? `; did you mean '${guess}'?` : '.'} Acknowledge this warning when a plugin or another image version reads it.`;
}

/** The declared name that differs only in case, '-' and '_', or by at most two edits in its last part. */
function suggestion(name: string): string | undefined {
  const same = BY_SQUASHED.get(squashed(name));
  if (same) return same;
  const dot = name.lastIndexOf('.');
  const parent = name.slice(0, dot + 1);
  const last = name.slice(dot + 1);
  let best: { name: string; distance: number } | undefined;
  for (const candidate of SITESPEED_OPTION_NAMES) {
    if (!candidate.startsWith(parent) || candidate.slice(parent.length).includes('.')) continue;
    const distance = editDistance(squashed(last), squashed(candidate.slice(parent.length)));
    if (distance <= 2 && last.length > 3 && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}
