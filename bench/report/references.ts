import type { MedianRange } from '../results/aggregate.ts';
import { VARIANTS } from '../plan/variants.ts';
import type { BenchResults, VariantName } from '../results/types.ts';
import { byHowMuch, compareRanges } from './compare.ts';
import type { ScenarioRow } from './derive.ts';
import { bytes, ms, withRange } from './format.ts';

type ReferenceFigure = 'cpu' | 'p50' | 'p99' | 'bytes' | 'bytesDown';

/** One comparison of a Votewire transport with a reference implementation (or another transport) on one figure. */
export interface ReferencePair {
  ours: VariantName;
  reference: VariantName;
  figure: ReferenceFigure;
  /** Compared at every subscriber count measured at the headline rate, not only at the headline. */
  atEveryCount?: boolean;
}

/** The comparisons the report makes: each transport against the plainest server doing the same job. */
export const REFERENCE_PAIRS: readonly ReferencePair[] = [
  ...(['p50', 'p99', 'bytes', 'cpu'] as const).map((figure) => ({ ours: 'websocket' as const, reference: 'ws-reference' as const, figure })),
  // Long polling beside the floor of long polling in Node: the figures a framework, sessions and validation add to.
  ...(['p50', 'p99', 'bytes'] as const).map((figure) => ({ ours: 'long-polling' as const, reference: 'long-poll-reference' as const, figure })),
  ...(['bytesDown', 'cpu'] as const).map((figure) => ({
    ours: 'long-polling' as const,
    reference: 'long-poll-reference' as const,
    figure,
    atEveryCount: true,
  })),
  ...(['p50', 'p99', 'bytes', 'cpu'] as const).map((figure) => ({ ours: 'long-polling' as const, reference: 'socketio-polling' as const, figure })),
  { ours: 'sse', reference: 'websocket', figure: 'cpu' },
];

export const FIGURE_NAMES: Record<ReferenceFigure, string> = {
  p50: 'p50 latency',
  p99: 'p99 latency',
  bytes: 'bytes per delivered event (↓ + ↑)',
  bytesDown: 'bytes the server writes per delivered event (↓)',
  cpu: 'server CPU per 1,000 deliveries',
};

/** The figure over repetitions; bytes add both directions at the server's sockets, per repetition-median. */
export function rangeOf(row: ScenarioRow, figure: ReferenceFigure): MedianRange {
  switch (figure) {
    case 'cpu':
      return row.figures.cpuMsPer1000Deliveries;
    case 'p50':
      return row.figures.p50Ms;
    case 'p99':
      return row.figures.p99Ms;
    case 'bytesDown':
      return row.figures.bytesDownPerEvent;
    case 'bytes': {
      const down = row.figures.bytesDownPerEvent;
      const up = row.figures.bytesUpPerEvent;
      return { median: down.median + up.median, min: down.min + up.min, max: down.max + up.max, n: Math.min(down.n, up.n) };
    }
  }
}

export function formatReferenceFigure(figure: ReferenceFigure, value: number): string {
  return figure === 'bytes' || figure === 'bytesDown' ? bytes(value) : `${ms(value)} ms`;
}

export interface ReferenceComparison {
  pair: ReferencePair;
  clients: number;
  rate: number;
  ours: MedianRange;
  reference: MedianRange;
  /** Ours over the reference, medians. */
  ratio: number;
  /** A plain sentence: "no measurable difference", "WebSocket 1.3× higher", ... */
  verdict: string;
  /** True when either row flagged the load generator: the figures describe the bench as much as the server. */
  flagged: boolean;
}

/**
 * Every comparison whose two rows were measured: at the headline scenario, and for pairs compared at every
 * count also at the other subscriber counts of the headline rate (headline first, then by count).
 */
export function compareWithReferences(results: BenchResults, rows: readonly ScenarioRow[]): ReferenceComparison[] {
  const { clients: headlineClients, rate } = results.config.headline;
  const otherCounts = [...results.config.clients].sort((a, b) => a - b).filter((c) => c !== headlineClients);
  const find = (variant: VariantName, clients: number): ScenarioRow | undefined =>
    rows.find((r) => r.variant === variant && r.clients === clients && r.rate === rate);
  const out: ReferenceComparison[] = [];
  const wanted = [
    ...REFERENCE_PAIRS.map((pair) => ({ pair, clients: headlineClients })),
    ...otherCounts.flatMap((clients) => REFERENCE_PAIRS.filter((p) => p.atEveryCount === true).map((pair) => ({ pair, clients }))),
  ];
  for (const { pair, clients } of wanted) {
    const oursRow = find(pair.ours, clients);
    const referenceRow = find(pair.reference, clients);
    if (oursRow === undefined || referenceRow === undefined) continue;
    const ours = rangeOf(oursRow, pair.figure);
    const reference = rangeOf(referenceRow, pair.figure);
    if (ours.n === 0 || reference.n === 0 || !(reference.median > 0)) continue;
    const flagged = oursRow.generatorSaturated || referenceRow.generatorSaturated;
    const comparison = compareRanges(ours, reference);
    const label = VARIANTS[pair.ours].label;
    const verdict = comparison.kind === 'no measurable difference' ? comparison.kind : `${label} ${byHowMuch(comparison.ratio)} ${comparison.kind}`;
    out.push({
      pair,
      clients,
      rate,
      ours,
      reference,
      ratio: ours.median / reference.median,
      verdict: flagged ? `${verdict} (load generator flagged)` : verdict,
      flagged,
    });
  }
  return out;
}

/** "12.3 ms (11.9–13.0)": the median with the repetitions' range. */
export function rangeText(figure: ReferenceFigure, range: MedianRange): string {
  return withRange(range.median, range.min, range.max, range.n, (v) => formatReferenceFigure(figure, v));
}
