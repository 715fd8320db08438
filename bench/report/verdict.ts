import { VARIANTS } from '../plan/variants.ts';
import type { BenchResults } from '../results/types.ts';
import type { ScenarioRow } from './derive.ts';
import { headlineRows } from './derive.ts';
import type { MedianRange } from '../results/aggregate.ts';
import { compareRanges, comparisonText } from './compare.ts';
import { bytes, ms, num, rateText, times, withRange } from './format.ts';
import { compareWithReferences } from './references.ts';

const label = (row: ScenarioRow): string => VARIANTS[row.variant].label;
const p50 = (row: ScenarioRow): number => row.figures.p50Ms.median;
const cpu = (row: ScenarioRow): number => row.figures.cpuMsPer1000Deliveries.median;
const wire = (row: ScenarioRow): number => row.figures.bytesPerEvent.median;
/** A figure with the range of its repetitions: "2.28 (2.24–2.33)". */
const ranged = (range: MedianRange, format: (v: number) => string): string => withRange(range.median, range.min, range.max, range.n, format);
/** The best row and every other whose range overlaps it: no measurable difference between them. */
const tiedWith = (sorted: readonly ScenarioRow[], range: (row: ScenarioRow) => MedianRange): ScenarioRow[] =>
  sorted.filter((r, i) => i === 0 || compareRanges(range(r), range(sorted[0]!)).kind === 'no measurable difference');
const orList = (rows: readonly ScenarioRow[]): string => rows.map(label).join(' or ');
const byLeast = (rows: readonly ScenarioRow[], figure: (row: ScenarioRow) => number): ScenarioRow[] =>
  [...rows].filter((r) => Number.isFinite(figure(r))).sort((a, b) => figure(a) - figure(b));

/**
 * The report's opening verdict: at most six sentences, each computed from this run's headline figures
 * and carrying its number: which transport for which kind of app, and what each alternative costs.
 * A sentence whose transports were not run is left out.
 */
export function verdict(results: BenchResults, rows: readonly ScenarioRow[]): string[] {
  const { clients, rate } = results.config.headline;
  const headline = headlineRows(results, rows);
  const contenders = headline.filter((r) => !VARIANTS[r.variant].reference);
  const push = contenders.filter((r) => VARIANTS[r.variant].transport === 'websocket' || VARIANTS[r.variant].transport === 'sse');
  const out: string[] = [];

  const byLatency = byLeast(push.length > 0 ? push : contenders, p50);
  const fastest = byLatency[0];
  if (fastest !== undefined) {
    // Transports whose p50 ranges overlap the fastest's are named with it: the run cannot tell them apart.
    const tied = tiedWith(byLatency, (r) => r.figures.p50Ms);
    const tie =
      tied.length > 1 ? ` (no measurable difference between them: ${tied.map((r) => `${label(r)} p50 ${ranged(r.figures.p50Ms, ms)} ms`).join(', ')})` : '';
    out.push(
      `For apps where every update must arrive at once (chat, live scores), use ${orList(tied)}: p50 ${ranged(fastest.figures.p50Ms, ms)} ms and p99 ${ranged(fastest.figures.p99Ms, ms)} ms at ${clients} subscribers and ${rateText(rate)}${tie}.`,
    );
  }
  // Transports that deliver as soon as a vote lands; interval polling is judged on its own below.
  const realTime = contenders.filter((r) => VARIANTS[r.variant].intervalMs === undefined);
  const byCpu = byLeast(realTime, cpu);
  const cheapest = byCpu[0];
  if (cheapest !== undefined && byCpu.length > 1) {
    const cpuRange = (r: ScenarioRow): MedianRange => r.figures.cpuMsPer1000Deliveries;
    const tied = tiedWith(byCpu, cpuRange);
    const others = byCpu.slice(1).map((r) => `${label(r)} ${ranged(cpuRange(r), ms)} ms, ${comparisonText(compareRanges(cpuRange(r), cpuRange(cheapest)))}`);
    out.push(
      `For large audiences (dashboards, live votes) server CPU decides: ${tied.length > 1 ? `${orList(tied)} (no measurable difference); ` : ''}${label(cheapest)} needs ${ranged(cpuRange(cheapest), ms)} ms per 1,000 deliveries; against that, ${others.join('; ')}.`,
    );
  }
  const longPolling = realTime.find((r) => r.variant === 'long-polling');
  if (longPolling !== undefined) {
    out.push(
      `Where only plain HTTP requests get through, long polling delivers at p50 ${ranged(longPolling.figures.p50Ms, ms)} ms and p99 ${ranged(longPolling.figures.p99Ms, ms)} ms with ${num(longPolling.figures.requestsPerEvent.median)} requests per delivered event.`,
    );
  }
  const pollingByCpu = byLeast(
    contenders.filter((r) => VARIANTS[r.variant].intervalMs !== undefined),
    cpu,
  );
  const polling = pollingByCpu[0];
  if (polling !== undefined) {
    const tied = tiedWith(pollingByCpu, (r) => r.figures.cpuMsPer1000Deliveries);
    const cheapestText =
      tied.length > 1 ? `${orList(tied)} cost the least (no measurable difference between them): ${label(polling)}` : `${label(polling)} is the cheapest`;
    out.push(
      `If updates can wait, ${cheapestText} at ${ranged(polling.figures.cpuMsPer1000Deliveries, ms)} CPU ms per 1,000 deliveries and ${num(polling.figures.requestsPerEvent.median)} requests per delivered event, paid for with a p50 of ${ranged(polling.figures.p50Ms, ms)} ms.`,
    );
  }
  const byBytes = byLeast(contenders, wire);
  const lean = byBytes[0];
  const heavy = byBytes.at(-1);
  if (lean !== undefined && heavy !== undefined && lean !== heavy) {
    const apart = compareRanges(heavy.figures.bytesPerEvent, lean.figures.bytesPerEvent).kind !== 'no measurable difference';
    out.push(
      apart
        ? `On the wire ${label(lean)} is leanest at ${ranged(lean.figures.bytesPerEvent, bytes)} per delivered event; ${label(heavy)} sends ${times(wire(heavy) / wire(lean))} that (${ranged(heavy.figures.bytesPerEvent, bytes)}).`
        : `On the wire there is no measurable difference: from ${label(lean)} at ${ranged(lean.figures.bytesPerEvent, bytes)} to ${label(heavy)} at ${ranged(heavy.figures.bytesPerEvent, bytes)} per delivered event.`,
    );
  }
  const comparisons = compareWithReferences(results, rows);
  if (comparisons.length > 0) {
    const same = comparisons.filter((c) => c.verdict.startsWith('no measurable difference')).length;
    out.push(`Beside the plain reference servers, ${same} of ${comparisons.length} comparisons show no measurable difference (see "Against the references").`);
  }
  return out.slice(0, 6);
}
