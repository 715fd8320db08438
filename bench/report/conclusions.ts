import { median } from '../../src/client/statistics.ts';
import { VARIANTS } from '../plan/variants.ts';
import type { BenchResults, VariantName } from '../results/types.ts';
import { sanityChecks, sanityConclusion } from './checks.ts';
import { derive, headlineRows, type ScenarioRow } from './derive.ts';
import type { MedianRange } from '../results/aggregate.ts';
import { compareRanges, comparisonText } from './compare.ts';
import { bytes, ms, percent, times, rateText, withRange } from './format.ts';
import { pollingLatencyModel } from './model.ts';

const label = (variant: VariantName): string => VARIANTS[variant].label;

/**
 * Conclusions written from the run's own figures: who wins on what, by what ratio, and where each
 * transport broke down. Nothing here is prose written in advance: every sentence is computed, and a
 * sentence whose figures are missing (a transport not run) is left out.
 */
export function conclusions(results: BenchResults, rows: readonly ScenarioRow[]): string[] {
  const out: string[] = [];
  const headline = headlineRows(results, rows);
  const { clients, rate } = results.config.headline;
  const at = `at ${clients} subscribers and ${rateText(rate)}`;
  const contenders = headline.filter((r) => !VARIANTS[r.variant].reference);
  const figure = (row: ScenarioRow, key: keyof ScenarioRow['figures']): number => row.figures[key].median;
  // A comparison that leans on a flagged scenario says so where it is made.
  const flaggedLabel = (variant: VariantName): string => {
    const row = headline.find((r) => r.variant === variant);
    return row?.generatorSaturated === true ? `${VARIANTS[variant].label} (load generator flagged)` : VARIANTS[variant].label;
  };

  if (contenders.length >= 2) {
    const byLatency = [...contenders].sort((a, b) => figure(a, 'p50Ms') - figure(b, 'p50Ms'));
    const fastest = byLatency[0]!;
    const slowest = byLatency.at(-1)!;
    out.push(
      `Latency ${at}: ${extremes(flaggedLabel(fastest.variant), fastest.figures.p50Ms, flaggedLabel(slowest.variant), slowest.figures.p50Ms, 'p50', 'fastest', 'slowest', ms, ' ms')}; ` +
        `p99 ${rangeOf(fastest.figures.p99Ms, ms)} ms against ${rangeOf(slowest.figures.p99Ms, ms)} ms.`,
    );
    const byBytes = [...contenders].sort((a, b) => totalBytes(a) - totalBytes(b));
    const lean = byBytes[0]!;
    const heavy = byBytes.at(-1)!;
    const batching =
      lean.figures.requestsPerEvent.median > 0 && lean.figures.requestsPerEvent.median < 0.9
        ? ` ${flaggedLabel(lean.variant)} gets there by batching: one response carries ${(1 / lean.figures.requestsPerEvent.median).toFixed(1)} events on average, paid for in latency.`
        : '';
    out.push(
      `Bytes on the wire per delivered event ${at}: ${extremes(flaggedLabel(lean.variant), totalBytesRange(lean), flaggedLabel(heavy.variant), totalBytesRange(heavy), '', 'leanest', 'heaviest', bytes, '')}.${batching}`,
    );
    const byCpu = [...contenders].sort((a, b) => figure(a, 'cpuMsPer1000Deliveries') - figure(b, 'cpuMsPer1000Deliveries'));
    const cheap = byCpu[0]!;
    const dear = byCpu.at(-1)!;
    out.push(
      `Server CPU per 1,000 deliveries ${at}: ${extremes(flaggedLabel(cheap.variant), cheap.figures.cpuMsPer1000Deliveries, flaggedLabel(dear.variant), dear.figures.cpuMsPer1000Deliveries, '', 'cheapest', 'dearest', ms, ' ms')}` +
        `${netCpuClause(cheap, dear)}.`,
    );
  }

  const reference = headline.find((r) => r.variant === 'ws-reference');
  const websocket = headline.find((r) => r.variant === 'websocket');
  if (reference !== undefined && websocket !== undefined) {
    out.push(
      `Against a bare \`ws\` broadcast server ${at}, the product's WebSocket: CPU per 1,000 deliveries ${versus(websocket.figures.cpuMsPer1000Deliveries, reference.figures.cpuMsPer1000Deliveries, ms, ' ms')}; ` +
        `bytes per delivered event ${versus(totalBytesRange(websocket), totalBytesRange(reference), bytes, '')}; p50 ${versus(websocket.figures.p50Ms, reference.figures.p50Ms, ms, ' ms')}.`,
    );
  }

  const longPolling = headline.find((r) => r.variant === 'long-polling');
  const bareLongPoll = headline.find((r) => r.variant === 'long-poll-reference');
  if (bareLongPoll !== undefined && longPolling !== undefined) {
    out.push(
      `Against a bare \`node:http\` long-poll server ${at}, our long polling: CPU per 1,000 deliveries ${versus(longPolling.figures.cpuMsPer1000Deliveries, bareLongPoll.figures.cpuMsPer1000Deliveries, ms, ' ms')}; ` +
        `bytes the server writes per delivered event ${versus(longPolling.figures.bytesDownPerEvent, bareLongPoll.figures.bytesDownPerEvent, bytes, '')}; p50 ${versus(longPolling.figures.p50Ms, bareLongPoll.figures.p50Ms, ms, ' ms')}.`,
    );
  }

  const socketIo = headline.find((r) => r.variant === 'socketio-polling');
  if (socketIo !== undefined && longPolling !== undefined) {
    out.push(
      `Against Socket.IO's polling transport ${at}, our long polling: p50 ${versus(longPolling.figures.p50Ms, socketIo.figures.p50Ms, ms, ' ms')}; p99 ${versus(longPolling.figures.p99Ms, socketIo.figures.p99Ms, ms, ' ms')}; ` +
        `CPU per 1,000 deliveries ${versus(longPolling.figures.cpuMsPer1000Deliveries, socketIo.figures.cpuMsPer1000Deliveries, ms, ' ms')}; bytes per delivered vote ${versus(totalBytesRange(longPolling), totalBytesRange(socketIo), bytes, '')}.`,
    );
  }
  const sanity = sanityConclusion(sanityChecks(rows));
  if (sanity !== undefined) out.push(sanity);

  for (const model of pollingLatencyModel(results, rows).filter((m) => m.what === 'mean latency')) {
    const off = (model.measured - model.model) / model.model;
    out.push(
      `${flaggedLabel(model.variant)}: mean latency ${ms(model.measured)} ms against interval/2 = ${ms(model.model)} ms (${off >= 0 ? '+' : ''}${(off * 100).toFixed(0)} %): polling's latency is set by its interval, not by the server.`,
    );
  }

  const quietRate = Math.min(...results.config.rates);
  for (const row of rows.filter((r) => r.rate === quietRate && r.clients === clients)) {
    const empty = row.figures.emptyShare;
    if (empty.n > 0 && empty.median >= 0.2) {
      out.push(
        `${flaggedLabel(row.variant)} at ${rateText(quietRate)}: ${percent(empty.median)} of responses carried no news, and it took ${row.figures.requestsPerEvent.median.toFixed(1)} requests per delivered event.`,
      );
    }
  }
  const busyRate = Math.max(...results.config.rates);
  const longPollBusy = rows.filter((r) => r.variant === 'long-polling' && r.rate === busyRate).sort((a, b) => b.clients - a.clients)[0];
  if (longPollBusy !== undefined && longPollBusy.figures.requestsPerEvent.median < 0.95) {
    out.push(
      `Long polling batches when busy: at ${rateText(busyRate)} and ${longPollBusy.clients} subscribers it needed ${longPollBusy.figures.requestsPerEvent.median.toFixed(2)} requests per event.`,
    );
  }

  const feeds = feedsConclusion(results);
  if (feeds !== undefined) out.push(feeds);

  out.push(...breakdowns(rows));
  return out;
}

/** What sharing the feed through Redis costs, from the Redis scenario (or why it did not run). */
function feedsConclusion(results: BenchResults): string | undefined {
  const feeds = results.feeds;
  if (feeds === undefined) return undefined;
  if (feeds.skipped !== undefined) return `Redis scenario skipped: ${feeds.skipped}.`;
  const run = (setup: string) => feeds.runs.find((r) => r.setup === setup);
  const memory = run('memory-1');
  if (memory === undefined) return undefined;
  const base = derive(memory.scenario);
  const parts: string[] = [];
  for (const other of [run('redis-1'), run('redis-2')]) {
    if (other === undefined) continue;
    const d = derive(other.scenario);
    const rtt = median(other.scenario.servers?.feedRttMs ?? []);
    const flagged = other.scenario.generator.saturated ? ' (load generator flagged)' : '';
    parts.push(
      `${other.label}${flagged}: p50 ${ms(d.p50Ms)} ms, p99 ${ms(d.p99Ms)} ms, ${times(d.cpuMsPer1000Deliveries / base.cpuMsPer1000Deliveries)} the server CPU per delivery (${ms(d.cpuMsPer1000Deliveries)} ms per 1,000` +
        `${other.processes > 1 ? ', summed over both processes' : ''})${rtt === undefined ? '' : `, Redis round trip ${ms(rtt)} ms`}`,
    );
  }
  if (parts.length === 0) return undefined;
  return `Sharing the feed through Redis (WebSocket, ${feeds.clients} subscribers at ${rateText(feeds.rate)}), against one process on the memory feed (p50 ${ms(base.p50Ms)} ms, p99 ${ms(base.p99Ms)} ms, ${ms(base.cpuMsPer1000Deliveries)} CPU ms per 1,000 deliveries): ${parts.join('; ')}.`;
}

function totalBytes(row: ScenarioRow): number {
  return row.figures.bytesPerEvent.median;
}

function totalBytesRange(row: ScenarioRow): MedianRange {
  return row.figures.bytesPerEvent;
}

/** "12.3 (11.9–13.0)": a median with the range of its repetitions (just the figure for one run). */
function rangeOf(range: MedianRange, format: (v: number) => string): string {
  return withRange(range.median, range.min, range.max, range.n, format);
}

/**
 * The two ends of a ranking, named only when their ranges are apart: "A is fastest (p50 12 (11–13) ms),
 * B is slowest (p50 40 (38–45) ms), 3.3× the median", or "no measurable difference between A (…) and B (…)".
 */
function extremes(
  bestLabel: string,
  best: MedianRange,
  worstLabel: string,
  worst: MedianRange,
  what: string,
  bestWord: string,
  worstWord: string,
  format: (v: number) => string,
  unit: string,
): string {
  const figure = (range: MedianRange): string => `${what === '' ? '' : `${what} `}${rangeOf(range, format)}${unit}`;
  const comparison = compareRanges(worst, best);
  if (comparison.kind === 'no measurable difference') {
    return `no measurable difference between ${bestLabel} (${figure(best)}) and ${worstLabel} (${figure(worst)}): their ranges overlap`;
  }
  return `${bestLabel} is ${bestWord} (${figure(best)}), ${worstLabel} ${worstWord} (${figure(worst)}, ${times(comparison.ratio)} the median)`;
}

/** "12 (11–13) ms against 10 (9–10) ms, 1.2× higher", or the same ending in "no measurable difference". */
function versus(ours: MedianRange, theirs: MedianRange, format: (v: number) => string, unit: string): string {
  return `${rangeOf(ours, format)}${unit} against ${rangeOf(theirs, format)}${unit}, ${comparisonText(compareRanges(ours, theirs))}`;
}

/** The same two transports' CPU net of the idle cost, where the idle window was measured. */
function netCpuClause(cheap: ScenarioRow, dear: ScenarioRow): string {
  const a = cheap.figures.cpuMsPer1000DeliveriesNet;
  const b = dear.figures.cpuMsPer1000DeliveriesNet;
  if (a.n === 0 || b.n === 0) return '';
  return `; net of the idle cost (the same subscribers connected, no votes), ${label(dear.variant)} ${rangeOf(b, ms)} ms against ${label(cheap.variant)} ${rangeOf(a, ms)} ms, ${comparisonText(compareRanges(b, a))}`;
}

/** Where each transport broke down: errors, a saturated server, a tail that grows with subscribers. */
function breakdowns(rows: readonly ScenarioRow[]): string[] {
  const out: string[] = [];
  const flagged: string[] = [];
  for (const row of rows) {
    const where = `${label(row.variant)} at ${row.clients} subscribers and ${rateText(row.rate)}`;
    const errors = row.coherence.lost + row.coherence.duplicated + row.coherence.outOfOrder;
    if (errors > 0) {
      out.push(`Breakdown: ${where} lost ${row.coherence.lost}, duplicated ${row.coherence.duplicated} and reordered ${row.coherence.outOfOrder} events.`);
    }
    if (row.serverCpuUtilization > 0.9) {
      out.push(`Breakdown: ${where} kept the server's core ${percent(row.serverCpuUtilization)} busy: it is at its limit there.`);
    }
    if (row.generatorSaturated) flagged.push(`${where} (${row.generatorReasons.join('; ')})`);
  }
  if (flagged.length > 0) {
    out.push(
      `Not the server's figures: the load generator could not keep up in ${flagged.length} scenario${flagged.length === 1 ? '' : 's'}, whose latencies describe the bench as much as the server: ${flagged.join('; ')}.`,
    );
  }
  const variants = [...new Set(rows.map((r) => r.variant))];
  for (const variant of variants) {
    for (const rate of [...new Set(rows.map((r) => r.rate))]) {
      const series = rows.filter((r) => r.variant === variant && r.rate === rate && !r.generatorSaturated).sort((a, b) => a.clients - b.clients);
      if (series.length < 2) continue;
      const first = series[0]!;
      const last = series.at(-1)!;
      const growth = last.figures.p99Ms.median / first.figures.p99Ms.median;
      if (growth >= 5) {
        out.push(
          `${label(variant)} at ${rateText(rate)}: p99 grows ${times(growth)} from ${first.clients} to ${last.clients} subscribers (${ms(first.figures.p99Ms.median)} → ${ms(last.figures.p99Ms.median)} ms): fan-out time grows with the audience.`,
        );
      }
    }
  }
  return out;
}
