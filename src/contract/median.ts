/**
 * The median of a list of numbers (the mean of the two middle ones for an even count): what the
 * run extracts, the trend files, the regression detector and the benchmarks summarise with.
 * No imports: the viewer and the CLI may bundle it. An empty list has none (NaN).
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
