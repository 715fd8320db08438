/**
 * The two order statistics the project reports, defined once for the bench (its report and its load
 * generator) and the demo (the live view's and the race's latency figures). It lives in the client
 * layer because that is the code both already import; it has no imports of its own.
 *
 * - `percentile` is the nearest-rank percentile: the smallest sample such that at least p % of the
 *   samples are less than or equal to it. It always answers with a sample that was observed (never an
 *   interpolation between two), so "p99 = 41 ms" means some vote really took 41 ms.
 * - `median` is the mean of the two middle values for an even count (the middle value for an odd one).
 *   For an even count it is not `percentile(values, 50)`, which is the lower of the two middle values.
 *
 * Both take finite numbers (callers drop NaN and infinities first: a sort cannot order them) and answer
 * `undefined` for an empty list, so each caller says what "no samples" means in its own place. Neither
 * touches its input.
 *
 * Latency percentiles of the bench's scenarios are not computed here: they come from HdrHistogram
 * (bench/measure/latency-histogram.ts), a different instrument that keeps every sample in buckets of
 * three significant digits.
 */

/** Nearest-rank percentile, `p` from 0 to 100 (0 gives the smallest sample, 100 the largest). */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be between 0 and 100, got ${p}`);
  if (values.length === 0) return undefined;
  const sorted = ascending(values);
  // p × n before dividing: (p / 100) × n rounds up a hair for some p (7 / 100 × 100 = 7.000000000000001),
  // and the ceiling would then skip a whole rank.
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100));
  return sorted[rank - 1];
}

/** The middle value, or the mean of the two middle values for an even count. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = ascending(values);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function ascending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}
