import type { MedianRange } from '../results/aggregate.ts';
import { times } from './format.ts';

/** Medians closer than this share of the larger one are the same figure as far as the report can tell. */
const SAME_WITHIN = 0.005;

/** How two figures over repetitions compare, lower being better for every figure the report compares. */
export type Comparison = { kind: 'no measurable difference' } | { kind: 'lower' | 'higher'; ratio: number };

/**
 * Compares `a` with `b`: "no measurable difference" when the repetitions' ranges overlap (the spread
 * between runs is as large as the gap), otherwise which is lower and by what ratio of the medians.
 * A single run has a range of one point, so only equal figures overlap there. Medians less than
 * SAME_WITHIN apart count as no difference either: the report would print that gap as "0 %".
 */
export function compareRanges(a: MedianRange, b: MedianRange): Comparison {
  if (a.min <= b.max && b.min <= a.max) return { kind: 'no measurable difference' };
  if (Math.abs(a.median - b.median) < SAME_WITHIN * Math.max(Math.abs(a.median), Math.abs(b.median))) return { kind: 'no measurable difference' };
  const ratio = a.median / b.median;
  return { kind: ratio < 1 ? 'lower' : 'higher', ratio };
}

/** "no measurable difference", or how far apart and which way: "1.3× higher", "4 % lower" (a factor that would round to 1.0× as a percentage). */
export function comparisonText(comparison: Comparison): string {
  return comparison.kind === 'no measurable difference' ? comparison.kind : `${byHowMuch(comparison.ratio)} ${comparison.kind}`;
}

/** "1.3×" apart, or "4 %" where a factor would round to 1.0×. */
export function byHowMuch(ratio: number): string {
  const factor = ratio < 1 ? 1 / ratio : ratio;
  return factor < 1.1 ? `${Math.round((factor - 1) * 100)} %` : times(factor);
}
