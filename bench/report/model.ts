import { VARIANTS } from '../plan/variants.ts';
import { rateText } from './format.ts';
import type { BenchResults, OverheadResult, VariantName, WireProbe } from '../results/types.ts';
import { derive, headlineRows, representativeRun, type ScenarioRow } from './derive.ts';

export interface ModelComparison {
  variant: VariantName;
  what: string;
  /** How the model figure is computed, with the numbers put in. */
  formula: string;
  model: number;
  measured: number;
  unit: 'ms' | 'B';
}

/**
 * Polling latency against interval/2: with clients polling at random phases, a vote waits on average
 * half an interval for the next poll (and at most a whole one).
 */
export function pollingLatencyModel(results: BenchResults, rows: readonly ScenarioRow[]): ModelComparison[] {
  const out: ModelComparison[] = [];
  for (const row of headlineRows(results, rows)) {
    const interval = VARIANTS[row.variant].intervalMs;
    if (interval === undefined) continue;
    const run = representativeRun(row);
    out.push({
      variant: row.variant,
      what: 'mean latency',
      formula: `interval / 2 = ${interval} / 2`,
      model: interval / 2,
      measured: run.latency.meanUs / 1000,
      unit: 'ms',
    });
    out.push({
      variant: row.variant,
      what: 'max latency',
      formula: `≤ interval = ${interval}`,
      model: interval,
      measured: run.latency.maxUs / 1000,
      unit: 'ms',
    });
  }
  return out;
}

function probe(results: BenchResults, name: WireProbe['name']): WireProbe | undefined {
  return results.probes.find((p) => p.name === name);
}

/** Bytes of one WebSocket frame from the server: 2 bytes of header up to 125 bytes of payload, 4 up to 64 KiB. */
export function wsFrameBytes(payload: number): number {
  return payload + (payload < 126 ? 2 : payload < 65_536 ? 4 : 10);
}

/** Bytes of one SSE vote event: `id: <seq>\nevent: vote\ndata: <json>\n\n`, plus chunked framing if used. */
export function sseEventBytes(payload: number, seqDigits: number, chunked: boolean): number {
  const text = 'id: '.length + seqDigits + 1 + 'event: vote\n'.length + 'data: '.length + payload + 2;
  return text + (chunked ? Math.round(text).toString(16).length + 4 : 0);
}

/**
 * Bytes per delivered event (both directions) from header and framing arithmetic, against the socket
 * counters of the run. Header sizes come from single exchanges captured on raw sockets.
 */
export function bytesModel(results: BenchResults, rows: readonly ScenarioRow[]): ModelComparison[] {
  const out: ModelComparison[] = [];
  const b200 = probe(results, 'ballot-200');
  const b304 = probe(results, 'ballot-304');
  const longPoll = probe(results, 'long-poll-200');
  const sse = probe(results, 'sse-event');
  for (const row of headlineRows(results, rows)) {
    const run = representativeRun(row);
    const measured = derive(run).bytesDownPerEvent + derive(run).bytesUpPerEvent;
    const payload = run.votes.meanEventJsonBytes;
    const spec = VARIANTS[row.variant];
    // The model is our wire format's arithmetic; Socket.IO's framing is its own.
    if (spec.client !== 'shared') continue;
    const rate = run.rate;
    let formula: string | undefined;
    let model: number | undefined;
    if (spec.transport === 'polling' && spec.intervalMs !== undefined && b200 !== undefined && b304 !== undefined) {
      const pollsPerEvent = 1 / (rate * (spec.intervalMs / 1000));
      const full = b200.requestBytes + b200.responseHeaderBytes + b200.responseBodyBytes;
      if (spec.conditional === true) {
        const changed = Math.min(1, rate * (spec.intervalMs / 1000));
        const notModified = b304.requestBytes + b304.responseHeaderBytes;
        const conditionalFull = full + (b304.requestBytes - b200.requestBytes);
        model = pollsPerEvent * (changed * conditionalFull + (1 - changed) * notModified);
        formula = `polls/event ${fmt(pollsPerEvent)} × (${fmt(changed)} × ${conditionalFull} B + ${fmt(1 - changed)} × ${notModified} B)`;
      } else {
        model = pollsPerEvent * full;
        formula = `polls/event ${fmt(pollsPerEvent)} × (request ${b200.requestBytes} + headers ${b200.responseHeaderBytes} + body ${b200.responseBodyBytes}) B`;
      }
    } else if (spec.transport === 'long-polling' && longPoll !== undefined) {
      model = longPoll.requestBytes + longPoll.responseHeaderBytes + longPoll.responseBodyBytes - longPoll.eventJsonBytes + payload;
      formula = `one poll per event: request ${longPoll.requestBytes} + headers ${longPoll.responseHeaderBytes} + {"events":[…]} around ${fmt(payload)} B`;
    } else if (spec.transport === 'websocket') {
      model = wsFrameBytes(payload);
      formula = `payload ${fmt(payload)} B + ${payload < 126 ? 2 : 4} B frame header`;
    } else if (spec.transport === 'sse' && sse !== undefined) {
      model = sseEventBytes(payload, Math.round(run.votes.meanSeqDigits), sse.chunked);
      formula = `"id: <seq>\\nevent: vote\\ndata: " + payload ${fmt(payload)} B + "\\n\\n"${sse.chunked ? ' + chunk size line and CRLF' : ''}`;
    }
    if (model !== undefined && formula !== undefined) {
      out.push({ variant: row.variant, what: 'bytes per event (both directions)', formula, model, measured, unit: 'B' });
    }
  }
  return out;
}

export interface ProjectionRow {
  clients: number;
  variant: VariantName;
  requestsPerSecond: number;
  /** Megabits per second on the wire, both directions. */
  megabitsPerSecond: number;
  /** Server CPU cores busy, from CPU per request (polling) or per delivery (push). */
  cores: number;
  /** Which measured figures the row is projected from. */
  basis: string;
}

/**
 * The classic table: N clients that each need one update per second, served by polling every second
 * or by a push transport. A linear projection from figures measured in this run: it ignores kernel,
 * network and memory limits, so it says what the protocol costs, not what a box can hold.
 */
export function projection(results: BenchResults, rows: readonly ScenarioRow[]): ProjectionRow[] {
  const out: ProjectionRow[] = [];
  const counts = [1_000, 10_000, 100_000];
  const ballot200 = results.overhead.find((o) => o.name === 'ballot-200');
  const pollingRow = pickRow(rows, 'polling-1s', Math.min(...results.config.rates));
  if (ballot200 !== undefined && pollingRow !== undefined) {
    const run = representativeRun(pollingRow);
    const bytesPerRequest = (run.cost.serverBytesIn + run.cost.serverBytesOut) / Math.max(1, run.cost.serverRequests);
    for (const clients of counts) {
      out.push({
        clients,
        variant: 'polling-1s',
        requestsPerSecond: clients,
        megabitsPerSecond: (clients * bytesPerRequest * 8) / 1e6,
        cores: ballot200.requestsPerCpuSecond > 0 ? clients / ballot200.requestsPerCpuSecond : Number.NaN,
        basis: `${Math.round(bytesPerRequest)} B per poll (${pollingRow.clients} subscribers at ${rateText(pollingRow.rate)}); ${Math.round(ballot200.requestsPerCpuSecond)} polls per CPU-second (autocannon)`,
      });
    }
  }
  for (const variant of ['websocket', 'sse'] as const) {
    const bytesRow = pickRow(rows, variant, Math.min(...results.config.rates));
    const cpuRow = pickRow(rows, variant, Math.max(...results.config.rates));
    if (bytesRow === undefined || cpuRow === undefined) continue;
    const bytes = derive(representativeRun(bytesRow));
    const cpu = derive(representativeRun(cpuRow));
    for (const clients of counts) {
      out.push({
        clients,
        variant,
        requestsPerSecond: 0,
        megabitsPerSecond: (clients * (bytes.bytesDownPerEvent + bytes.bytesUpPerEvent) * 8) / 1e6,
        cores: (clients * cpu.cpuMsPer1000Deliveries) / 1000 / 1000,
        basis: `${Math.round(bytes.bytesDownPerEvent + bytes.bytesUpPerEvent)} B per event (${bytesRow.clients} subscribers at ${rateText(bytesRow.rate)}); ${cpu.cpuMsPer1000Deliveries.toFixed(0)} CPU ms per 1,000 deliveries (${cpuRow.clients} subscribers at ${rateText(cpuRow.rate)}, accepting the votes included)`,
      });
    }
  }
  return out;
}

/**
 * The row of a variant at a rate with the most subscribers (the best amortised figures), preferring
 * one whose load generator kept up.
 */
function pickRow(rows: readonly ScenarioRow[], variant: VariantName, rate: number): ScenarioRow | undefined {
  const candidates = rows.filter((r) => r.variant === variant && r.rate === rate).sort((a, b) => b.clients - a.clients);
  return candidates.find((r) => !r.generatorSaturated) ?? candidates[0];
}

/** Autocannon's figure for one request kind, if measured. */
export function overheadOf(results: BenchResults, name: OverheadResult['name']): OverheadResult | undefined {
  return results.overhead.find((o) => o.name === name);
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
