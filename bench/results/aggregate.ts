import type { ScenarioResult, VariantName } from './types.ts';

/** The median of a list (the mean of the middle two for an even length); NaN for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface MedianRange {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** Median and range of a figure over repetitions: what the report shows for repeated scenarios. */
export function medianRange(values: readonly number[]): MedianRange {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/** Scenarios grouped by variant, clients and rate: the repetitions of one scenario. */
export function groupRepetitions(scenarios: readonly ScenarioResult[]): Map<string, ScenarioResult[]> {
  const groups = new Map<string, ScenarioResult[]>();
  for (const scenario of scenarios) {
    const key = scenarioKey(scenario.variant, scenario.clients, scenario.rate);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [scenario]);
    else group.push(scenario);
  }
  return groups;
}

export function scenarioKey(variant: VariantName, clients: number, rate: number): string {
  return `${variant}/${clients}/${rate}`;
}

/**
 * The repetition whose figure is the median, so a row of the report shows one real run
 * (not a mix of figures from different runs); ties go to the earlier repetition.
 */
export function medianRepetition(group: readonly ScenarioResult[], figure: (s: ScenarioResult) => number): ScenarioResult {
  if (group.length === 0) throw new Error('medianRepetition of an empty group');
  const sorted = [...group].sort((a, b) => figure(a) - figure(b) || a.repetition - b.repetition);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}
