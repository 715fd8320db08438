import { VARIANTS } from '../plan/variants.ts';
import type { BenchResults } from '../results/types.ts';
import type { ScenarioRow } from './derive.ts';
import { headlineRows } from './derive.ts';
import { bytes, ms, num, rateText, times } from './format.ts';
import { compareWithReferences } from './references.ts';

const label = (row: ScenarioRow): string => VARIANTS[row.variant].label;
const p50 = (row: ScenarioRow): number => row.figures.p50Ms.median;
const p99 = (row: ScenarioRow): number => row.figures.p99Ms.median;
const cpu = (row: ScenarioRow): number => row.figures.cpuMsPer1000Deliveries.median;
const wire = (row: ScenarioRow): number => row.figures.bytesDownPerEvent.median + row.figures.bytesUpPerEvent.median;
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

  const fastest = byLeast(push.length > 0 ? push : contenders, p50)[0];
  if (fastest !== undefined) {
    out.push(
      `For apps where every update must arrive at once (chat, live scores), use ${label(fastest)}: p50 ${ms(p50(fastest))} ms and p99 ${ms(p99(fastest))} ms at ${clients} subscribers and ${rateText(rate)}.`,
    );
  }
  // Transports that deliver as soon as a vote lands; interval polling is judged on its own below.
  const realTime = contenders.filter((r) => VARIANTS[r.variant].intervalMs === undefined);
  const byCpu = byLeast(realTime, cpu);
  const cheapest = byCpu[0];
  if (cheapest !== undefined && byCpu.length > 1) {
    const others = byCpu.slice(1).map((r) => `${label(r)} ${times(cpu(r) / cpu(cheapest))}`);
    out.push(
      `For large audiences (dashboards, live votes) server CPU decides: ${label(cheapest)} needs ${ms(cpu(cheapest))} ms per 1,000 deliveries; against that, ${others.join(', ')}.`,
    );
  }
  const longPolling = realTime.find((r) => r.variant === 'long-polling');
  if (longPolling !== undefined) {
    out.push(
      `Where only plain HTTP requests get through, long polling delivers at p50 ${ms(p50(longPolling))} ms and p99 ${ms(p99(longPolling))} ms with ${num(longPolling.figures.requestsPerEvent.median)} requests per delivered event.`,
    );
  }
  const polling = byLeast(
    contenders.filter((r) => VARIANTS[r.variant].intervalMs !== undefined),
    cpu,
  )[0];
  if (polling !== undefined) {
    out.push(
      `If updates can wait, ${label(polling)} is the cheapest at ${ms(cpu(polling))} CPU ms per 1,000 deliveries and ${num(polling.figures.requestsPerEvent.median)} requests per delivered event, paid for with a p50 of ${ms(p50(polling))} ms.`,
    );
  }
  const byBytes = byLeast(contenders, wire);
  const lean = byBytes[0];
  const heavy = byBytes.at(-1);
  if (lean !== undefined && heavy !== undefined && lean !== heavy) {
    out.push(
      `On the wire ${label(lean)} is leanest at ${bytes(wire(lean))} per delivered event; ${label(heavy)} sends ${times(wire(heavy) / wire(lean))} that (${bytes(wire(heavy))}).`,
    );
  }
  const comparisons = compareWithReferences(results, rows);
  if (comparisons.length > 0) {
    const same = comparisons.filter((c) => c.verdict.startsWith('no measurable difference')).length;
    out.push(`Beside the plain reference servers, ${same} of ${comparisons.length} comparisons show no measurable difference (see "Against the references").`);
  }
  return out.slice(0, 6);
}
