import { VARIANTS } from '../plan/variants.ts';
import { medianRange, type MedianRange } from '../results/aggregate.ts';
import { derive, type DerivedFigures, type ScenarioRow } from './derive.ts';

/**
 * What a healthy run on a machine with time to spare shows, judged on every scenario: figures that
 * depend on the machine's speed as much as on the code, so the report flags them (in red, and in the
 * conclusions) instead of a test failing on a slow machine. A miss means a busy or slow machine, or
 * a client that polls at the wrong rate, a push transport that is slow, or a byte counter that is off.
 */
export const SANITY = Object.freeze({
  /** Mean polling latency within max(this share of the interval, `pollingMeanToleranceMinMs`) of interval / 2. */
  pollingMeanToleranceShare: 0.2,
  pollingMeanToleranceMinMs: 50,
  /** Polling latency below this many intervals: a vote waits at most one interval, plus the exchange. */
  pollingMaxIntervals: 1.5,
  /** Median latency of a push transport (and long polling) below this. */
  pushP50Ms: 100,
  /** Bytes counted at the subscribers' sockets within this share of the server's count (down, per event). */
  bytesAgreeShare: 0.05,
});

export interface SanityCheck {
  row: ScenarioRow;
  /** What is checked, in words. */
  what: string;
  /** The bound, in words, with this row's numbers. */
  expected: string;
  /** The figure of each repetition; the check is met only when every one is within the bound. */
  measured: MedianRange;
  unit: 'ms' | 'share';
  met: boolean;
}

/** Every check that applies to each row: the polling checks where there is an interval, the push check elsewhere, bytes everywhere. */
export function sanityChecks(rows: readonly ScenarioRow[]): SanityCheck[] {
  const checks: SanityCheck[] = [];
  for (const row of rows) {
    const runs = row.runs.map(derive);
    const check = (
      what: string,
      expected: string,
      unit: SanityCheck['unit'],
      figure: (d: DerivedFigures) => number,
      within: (value: number) => boolean,
    ): void => {
      const values = runs.map(figure);
      checks.push({ row, what, expected, measured: medianRange(values), unit, met: values.every(within) });
    };
    const interval = VARIANTS[row.variant].intervalMs;
    if (interval !== undefined) {
      const tolerance = Math.max(SANITY.pollingMeanToleranceShare * interval, SANITY.pollingMeanToleranceMinMs);
      const limit = SANITY.pollingMaxIntervals * interval;
      check(
        'mean latency',
        `${interval / 2} ± ${tolerance} ms (half the interval)`,
        'ms',
        (d) => d.meanMs,
        (v) => Math.abs(v - interval / 2) <= tolerance,
      );
      check(
        'max latency',
        `below ${limit} ms (${SANITY.pollingMaxIntervals} × the interval)`,
        'ms',
        (d) => d.maxMs,
        (v) => v < limit,
      );
    } else {
      check(
        'p50 latency',
        `below ${SANITY.pushP50Ms} ms`,
        'ms',
        (d) => d.p50Ms,
        (v) => v < SANITY.pushP50Ms,
      );
    }
    check(
      "bytes down: subscribers' count vs the server's",
      `within ${SANITY.bytesAgreeShare * 100} %`,
      'share',
      (d) => Math.abs(d.clientBytesDownPerEvent - d.bytesDownPerEvent) / d.bytesDownPerEvent,
      // NaN (nothing delivered, nothing counted) is not within anything.
      (v) => v <= SANITY.bytesAgreeShare,
    );
  }
  return checks;
}

/** A sentence for the conclusions: all met, or which were missed. */
export function sanityConclusion(checks: readonly SanityCheck[]): string | undefined {
  if (checks.length === 0) return undefined;
  const missed = checks.filter((c) => !c.met);
  if (missed.length === 0) return `Sanity checks: all ${checks.length} met.`;
  const where = (c: SanityCheck): string =>
    `${VARIANTS[c.row.variant].label} at ${c.row.clients} subscribers (${c.what}, expected ${c.expected})${c.row.generatorSaturated ? ' with the load generator flagged' : ''}`;
  return `Sanity checks: ${missed.length} of ${checks.length} missed: ${missed.map(where).join('; ')}. A busy or slow machine misses these; on an idle one a miss points at the code.`;
}
