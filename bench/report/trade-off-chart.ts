import type { TopLevelSpec } from 'vega-lite';
import { VARIANT_NAMES, VARIANTS } from '../plan/variants.ts';
import type { BenchResults } from '../results/types.ts';
import { headlineRows, type ScenarioRow } from './derive.ts';

export interface TradeOffPoint {
  transport: string;
  p50Ms: number;
  bytesPerEvent: number;
  cpuMsPer1000: number;
}

/**
 * The points no other point beats on both figures at once (lower is better on each), in order of `x`:
 * the best-of-both (Pareto) frontier. A point equal to another on both is kept once.
 */
export function paretoFrontier<T>(points: readonly T[], x: (p: T) => number, y: (p: T) => number): T[] {
  const sorted = [...points].sort((a, b) => x(a) - x(b) || y(a) - y(b));
  const frontier: T[] = [];
  for (const point of sorted) {
    const last = frontier.at(-1);
    if (last === undefined || y(point) < y(last)) frontier.push(point);
  }
  return frontier;
}

const COLOR = {
  field: 'transport',
  type: 'nominal',
  scale: {
    domain: VARIANT_NAMES.map((v) => VARIANTS[v].label),
    range: ['#4c78a8', '#9ecae9', '#72b7b2', '#e45756', '#b279a2', '#f58518', '#54a24b', '#8c6d31'],
  },
  legend: { labelLimit: 240 },
} as const;

/** One panel: each transport at its p50 (x, log) against `field` (y, log), the frontier drawn as a line. */
function panel(points: readonly TradeOffPoint[], field: 'bytesPerEvent' | 'cpuMsPer1000', title: string): object {
  const frontier = paretoFrontier(
    points,
    (p) => p.p50Ms,
    (p) => p[field],
  );
  const x = { field: 'p50Ms', type: 'quantitative', scale: { type: 'log' }, title: 'p50 latency ms (log)' };
  const y = { field, type: 'quantitative', scale: { type: 'log' }, title };
  return {
    width: 260,
    height: 240,
    layer: [
      {
        data: { values: frontier },
        mark: { type: 'line', color: '#888', strokeDash: [4, 3] },
        encoding: { x, y, order: { field: 'p50Ms', type: 'quantitative' } },
      },
      { data: { values: points }, mark: { type: 'point', filled: true, size: 90 }, encoding: { x, y, color: COLOR, tooltip: { field: 'transport' } } },
    ],
  };
}

/**
 * The trade-off at the headline scenario: latency against bytes per delivered event, and latency against
 * server CPU per delivery, each with its best-of-both frontier (dashed): a transport off the line is beaten
 * on both figures by one on it.
 */
export function tradeOffChart(results: BenchResults, rows: readonly ScenarioRow[]): TopLevelSpec | undefined {
  const points: TradeOffPoint[] = headlineRows(results, rows)
    .map((row) => ({
      transport: VARIANTS[row.variant].label,
      p50Ms: row.figures.p50Ms.median,
      bytesPerEvent: row.figures.bytesDownPerEvent.median + row.figures.bytesUpPerEvent.median,
      cpuMsPer1000: row.figures.cpuMsPer1000Deliveries.median,
    }))
    .filter((p) => p.p50Ms > 0 && p.bytesPerEvent > 0 && p.cpuMsPer1000 > 0);
  if (points.length < 2) return undefined;
  return {
    config: { axis: { labelLimit: 240 }, font: 'system-ui, sans-serif' },
    hconcat: [panel(points, 'bytesPerEvent', 'bytes per delivered event (log)'), panel(points, 'cpuMsPer1000', 'server CPU ms per 1,000 deliveries (log)')],
  } as TopLevelSpec;
}
