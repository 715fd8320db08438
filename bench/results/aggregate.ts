import { median } from '../../src/client/statistics.ts';
import type { ScenarioResult, VariantName } from './types.ts';

export interface MedianRange {
  median: number;
  min: number;
  max: number;
  n: number;
}

/**
 * Median (the mean of the two middle values for an even count, src/client/statistics.ts) and range of a
 * figure over repetitions: what the report shows for repeated scenarios. NaN and n 0 for no values.
 */
export function medianRange(values: readonly number[]): MedianRange {
  const middle = median(values);
  if (middle === undefined) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  return { median: middle, min: Math.min(...values), max: Math.max(...values), n: values.length };
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
 * (not a mix of figures from different runs). A run cannot be averaged, so of an even number of
 * repetitions it is the lower of the two middle ones; ties go to the earlier repetition.
 */
export function medianRepetition(group: readonly ScenarioResult[], figure: (s: ScenarioResult) => number): ScenarioResult {
  if (group.length === 0) throw new Error('medianRepetition of an empty group');
  const sorted = [...group].sort((a, b) => figure(a) - figure(b) || a.repetition - b.repetition);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}
