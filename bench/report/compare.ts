import type { MedianRange } from '../results/aggregate.ts';

/** How two figures over repetitions compare, lower being better for every figure the report compares. */
export type Comparison = { kind: 'no measurable difference' } | { kind: 'lower' | 'higher'; ratio: number };

/**
 * Compares `a` with `b`: "no measurable difference" when the repetitions' ranges overlap (the spread
 * between runs is as large as the gap), otherwise which is lower and by what ratio of the medians.
 * A single run has a range of one point, so only equal figures overlap there.
 */
export function compareRanges(a: MedianRange, b: MedianRange): Comparison {
  if (a.min <= b.max && b.min <= a.max) return { kind: 'no measurable difference' };
  const ratio = a.median / b.median;
  return { kind: ratio < 1 ? 'lower' : 'higher', ratio };
}
