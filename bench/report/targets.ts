import type { BenchResults, VariantName } from '../results/types.ts';
import type { ScenarioRow } from './derive.ts';

/** The subscriber count the targets are stated at ("at 1,000 subscribers and 20 votes/s"). */
export const TARGET_CLIENTS = 1000;

type TargetFigure = 'cpu' | 'p50' | 'p99' | 'bytes';

/** One performance target: `ours` / `reference` on `figure` must be at most `maxRatio`. */
export interface TargetSpec {
  id: string;
  ours: VariantName;
  reference: VariantName;
  figure: TargetFigure;
  maxRatio: number;
  /** The target in words, as the report shows it. */
  wording: string;
}

export const TARGETS: readonly TargetSpec[] = [
  { id: 'ws-cpu', ours: 'websocket', reference: 'ws-reference', figure: 'cpu', maxRatio: 1.1, wording: 'WebSocket CPU per delivery within 10 % of bare ws' },
  {
    id: 'lp-p50',
    ours: 'long-polling',
    reference: 'socketio-polling',
    figure: 'p50',
    maxRatio: 0.25,
    wording: 'long polling p50 latency at most a quarter of Socket.IO polling',
  },
  {
    id: 'lp-p99',
    ours: 'long-polling',
    reference: 'socketio-polling',
    figure: 'p99',
    maxRatio: 0.25,
    wording: 'long polling p99 latency at most a quarter of Socket.IO polling',
  },
  {
    id: 'lp-cpu',
    ours: 'long-polling',
    reference: 'socketio-polling',
    figure: 'cpu',
    maxRatio: 1,
    wording: 'long polling CPU per delivered vote no more than Socket.IO polling',
  },
  {
    id: 'lp-bytes',
    ours: 'long-polling',
    reference: 'socketio-polling',
    figure: 'bytes',
    maxRatio: 1,
    wording: 'long polling bytes per delivered vote no more than Socket.IO polling',
  },
  { id: 'sse-cpu', ours: 'sse', reference: 'websocket', figure: 'cpu', maxRatio: 1.1, wording: 'SSE CPU per delivery within 10 % of our WebSocket' },
];

export type TargetVerdict = 'met' | 'not met' | 'not measured' | 'flagged';

export interface TargetCheck {
  spec: TargetSpec;
  clients: number;
  rate: number;
  ours?: number;
  reference?: number;
  ratio?: number;
  /** "flagged": measured, but the load generator was flagged in one of the two rows; `metAsMeasured` says how it came out. */
  verdict: TargetVerdict;
  metAsMeasured?: boolean;
}

export function figureOf(row: ScenarioRow, figure: TargetFigure): number {
  switch (figure) {
    case 'cpu':
      return row.figures.cpuMsPer1000Deliveries.median;
    case 'p50':
      return row.figures.p50Ms.median;
    case 'p99':
      return row.figures.p99Ms.median;
    case 'bytes':
      // Both directions at the server's sockets, per delivered vote.
      return row.figures.bytesDownPerEvent.median + row.figures.bytesUpPerEvent.median;
  }
}

/** The points the targets are checked at: the headline, and 1,000 subscribers at the headline rate when that was run. */
export function targetPoints(results: BenchResults): { clients: number; rate: number }[] {
  const { clients, rate } = results.config.headline;
  const points = [{ clients, rate }];
  if (clients !== TARGET_CLIENTS && results.config.clients.includes(TARGET_CLIENTS)) points.push({ clients: TARGET_CLIENTS, rate });
  return points;
}

/** Every target at every point, with the measured ratio and a verdict computed from the rows. */
export function checkTargets(results: BenchResults, rows: readonly ScenarioRow[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const { clients, rate } of targetPoints(results)) {
    const find = (variant: VariantName): ScenarioRow | undefined => rows.find((r) => r.variant === variant && r.clients === clients && r.rate === rate);
    for (const spec of TARGETS) {
      const ours = find(spec.ours);
      const reference = find(spec.reference);
      if (ours === undefined || reference === undefined) {
        checks.push({ spec, clients, rate, verdict: 'not measured' });
        continue;
      }
      const a = figureOf(ours, spec.figure);
      const b = figureOf(reference, spec.figure);
      if (!Number.isFinite(a) || !Number.isFinite(b) || b <= 0) {
        checks.push({ spec, clients, rate, verdict: 'not measured' });
        continue;
      }
      const ratio = a / b;
      const met = ratio <= spec.maxRatio;
      const flagged = ours.generatorSaturated || reference.generatorSaturated;
      checks.push({ spec, clients, rate, ours: a, reference: b, ratio, verdict: flagged ? 'flagged' : met ? 'met' : 'not met', metAsMeasured: met });
    }
  }
  return checks;
}

export const TARGET_UNITS: Record<TargetFigure, string> = {
  cpu: 'CPU ms / 1k deliveries',
  p50: 'p50 ms',
  p99: 'p99 ms',
  bytes: 'bytes / delivered vote (↓ + ↑)',
};

export function formatFigure(figure: TargetFigure, value: number): string {
  if (figure === 'bytes') return `${value.toFixed(0)} B`;
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** "≤ 1.10×", "≤ 0.25×". */
export const limitText = (maxRatio: number): string => `≤ ${maxRatio.toFixed(2)}×`;

/** The measured ratio with two decimals (targets sit at 0.25 and 1.10, so "1.1×" would hide a miss). */
export const ratioText = (ratio: number): string => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–');

export function verdictText(check: TargetCheck): string {
  if (check.verdict === 'flagged') return `load generator flagged (as measured: ${check.metAsMeasured === true ? 'met' : 'not met'})`;
  return check.verdict;
}

/** A sentence for the conclusions: how many targets were met, and which were not. */
export function targetsConclusion(checks: readonly TargetCheck[]): string | undefined {
  const measured = checks.filter((c) => c.verdict !== 'not measured');
  if (measured.length === 0) return undefined;
  const met = measured.filter((c) => c.verdict === 'met');
  const missed = measured.filter((c) => c.verdict === 'not met');
  const flagged = measured.filter((c) => c.verdict === 'flagged');
  const where = (c: TargetCheck): string => `${c.spec.wording} at ${c.clients} subscribers (${ratioText(c.ratio!)} against ${limitText(c.spec.maxRatio)})`;
  const parts = [`Performance targets: ${met.length} of ${measured.length} checks met`];
  if (missed.length > 0) parts.push(`Not met: ${missed.map(where).join('; ')}`);
  if (flagged.length > 0) parts.push(`Not judged because the load generator was flagged: ${flagged.map(where).join('; ')}`);
  const notMeasured = checks.length - measured.length;
  return `${parts.join('. ')}${notMeasured > 0 ? `. ${notMeasured} not measured in this run` : ''}.`;
}
