import { VARIANTS } from '../plan/variants.ts';
import { windowDeliveries } from '../results/deliveries.ts';
import type { BenchResults, ScenarioResult, VariantName } from '../results/types.ts';
import { bytes, ms, num, rateText } from './format.ts';
import type { Cell, Table } from './tables.ts';

const cell = (text: string, bad = false): Cell => (bad ? { text, bad } : { text });
/** The targets the capacity scenario is judged by: a ratio to the bare reference measured in the same run. */
export const CAPACITY_TARGET_RATIO = 1.3;

/** What one capacity run says per subscriber and per vote. */
export interface CapacityFigures {
  variant: VariantName;
  connected: number;
  connectMs: number;
  rssPerSubscriber: number;
  heapPerSubscriber: number;
  cpuUsPerDelivery: number;
  lastP50Ms: number;
  lastP99Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

export function capacityFigures(run: ScenarioResult): CapacityFigures {
  const { cost } = run;
  const connected = run.connect?.subscribers ?? run.clients;
  const perSubscriber = (settled: number | undefined, before: number): number =>
    settled === undefined || connected === 0 ? Number.NaN : (settled - before) / connected;
  return {
    variant: run.variant,
    connected,
    connectMs: run.connect?.ms ?? Number.NaN,
    rssPerSubscriber: perSubscriber(cost.serverRssSettledBytes, cost.serverRssBeforeBytes),
    heapPerSubscriber: perSubscriber(cost.serverHeapSettledBytes, cost.serverHeapBeforeBytes),
    cpuUsPerDelivery: windowDeliveries(run) > 0 ? (cost.serverCpuMs * 1000) / windowDeliveries(run) : Number.NaN,
    lastP50Ms: run.lastSubscriber.count > 0 ? run.lastSubscriber.p50Us / 1000 : Number.NaN,
    lastP99Ms: run.lastSubscriber.count > 0 ? run.lastSubscriber.p99Us / 1000 : Number.NaN,
    loopDelayP99Ms: cost.serverEventLoopDelayP99Ms ?? Number.NaN,
    loopDelayMaxMs: cost.serverEventLoopDelayMaxMs ?? Number.NaN,
  };
}

/** One row per capacity variant: connecting, memory and CPU per subscriber, the last subscriber's latency, the server's loop delay. */
export function capacityTable(results: BenchResults): Table | undefined {
  const capacity = results.capacity;
  if (capacity === undefined) return undefined;
  const limit = capacity.openFileLimit;
  return {
    id: 'capacity',
    title: `Capacity: ${capacity.clients.toLocaleString('en-US')} subscribers per transport, ${rateText(capacity.rate)}`,
    intro: `Each transport on a fresh server process: ${capacity.clients.toLocaleString('en-US')} subscribers connect (connect: until the last had its first snapshot), settle for a moment, then votes arrive at ${rateText(capacity.rate)} for ${(capacity.windowMs / 1000).toFixed(0)} s after ${(capacity.warmupMs / 1000).toFixed(0)} s of unmeasured ones. Memory per subscriber: the server's RSS and V8 heap after the connections settled, minus the same before the first connected, divided by the subscribers. CPU per delivery: server CPU in the window over the deliveries. Last subscriber: per vote, from its due time until the last subscriber had it; p50 and p99 over the votes. Event-loop delay: how late the server's loop ran during the window (its own figure, GET /api/metrics), what every vote, heartbeat and request waited behind the fan-outs.`,
    columns: [
      'transport',
      'subscribers',
      'connect s',
      'RSS / subscriber',
      'heap / subscriber',
      'server CPU µs / delivery',
      'last subscriber p50 / p99 ms',
      'server loop delay p99 / max ms',
      'lost / dup / out of order',
      'load generator',
    ],
    rows: capacity.runs.map((run) => {
      const f = capacityFigures(run);
      const { lost, duplicated, outOfOrder } = run.coherence;
      const short = f.connected < run.clients || (run.connect?.missing ?? 0) > 0;
      return [
        cell(VARIANTS[run.variant].label),
        cell(
          short
            ? `${f.connected.toLocaleString('en-US')} of ${run.clients.toLocaleString('en-US')}${run.connect?.fileLimitHit === true ? ' (open-file limit)' : ''}`
            : run.clients.toLocaleString('en-US'),
          short,
        ),
        cell(num(f.connectMs / 1000, 1)),
        cell(bytes(f.rssPerSubscriber)),
        cell(bytes(f.heapPerSubscriber)),
        cell(num(f.cpuUsPerDelivery, 1)),
        cell(`${ms(f.lastP50Ms)} / ${ms(f.lastP99Ms)}`),
        cell(`${ms(f.loopDelayP99Ms)} / ${ms(f.loopDelayMaxMs)}`),
        cell(`${lost} / ${duplicated} / ${outOfOrder}`, lost + duplicated + outOfOrder > 0),
        run.generator.saturated ? cell(`flagged: ${run.generator.reasons.join('; ')}`, true) : cell('ok'),
      ];
    }),
    notes: [
      `Open-file limit of the server and the subscriber processes: ${limit === null ? 'unknown (or unlimited)' : limit.toLocaleString('en-US')}${limit !== null && limit < capacity.clients + 200 ? ` — below the ${(capacity.clients + 200).toLocaleString('en-US')} the scenario needs: the OS limit stops it part-way, and the rows say how many connected` : ''}.`,
      ...capacity.runs
        .filter((r) => r.connect?.fileLimitHit === true)
        .map(
          (r) =>
            `${VARIANTS[r.variant].label}: the OS open-file limit stopped connections; its figures are for the ${(r.connect?.subscribers ?? 0).toLocaleString('en-US')} that connected.`,
        ),
      ...capacity.notRun.map((n) => `Not measured: ${VARIANTS[n.variant].label}: ${n.reason}`),
      `The capacity scenario took ${(capacity.durationMs / 60_000).toFixed(1)} min.`,
    ],
  };
}

/** The two capacity targets: memory per idle WebSocket subscriber and last-subscriber p99, each within 1.3× of bare ws. */
export function capacityTargetsTable(results: BenchResults): Table | undefined {
  const capacity = results.capacity;
  if (capacity === undefined) return undefined;
  const of = (variant: VariantName): CapacityFigures | undefined => {
    const run = capacity.runs.find((r) => r.variant === variant);
    return run === undefined ? undefined : capacityFigures(run);
  };
  const ours = of('websocket');
  const bare = of('ws-reference');
  const target = (label: string, pick: (f: CapacityFigures) => number, format: (v: number) => string): Cell[] => {
    if (ours === undefined || bare === undefined)
      return [cell(label), cell('–'), cell('–'), cell('–'), cell('not measured (needs WebSocket and Bare ws in the same run)', true)];
    const ratio = pick(ours) / pick(bare);
    const met = Number.isFinite(ratio) && ratio <= CAPACITY_TARGET_RATIO;
    return [
      cell(label),
      cell(format(pick(ours))),
      cell(format(pick(bare))),
      cell(Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–'),
      cell(met ? `met (≤ ${CAPACITY_TARGET_RATIO}×)` : `not met (> ${CAPACITY_TARGET_RATIO}×)`, !met),
    ];
  };
  return {
    id: 'capacity-targets',
    title: `Capacity targets: WebSocket against bare ws at ${capacity.clients.toLocaleString('en-US')} subscribers`,
    intro: `Both measured in this run, one after the other on the same machine. Memory per idle subscriber is the server's RSS after the connections settled (see the Capacity table); the heap per subscriber is there too. One run each: the ratio is as good as that run; the machine's load moves the latency far more than the memory.`,
    columns: ['target', 'WebSocket', 'bare ws', 'ratio', 'verdict'],
    rows: [
      target('memory per idle subscriber (RSS)', (f) => f.rssPerSubscriber, bytes),
      target('last subscriber p99 for one vote, ms', (f) => f.lastP99Ms, ms),
    ],
  };
}

/**
 * The load generator's measured capacity: per variant, the most deliveries per second one subscriber
 * process handled without being flagged, and the fewest at which it was. Rows above the first figure
 * may show the bench's limit rather than the server's.
 */
export function generatorCapacityTable(results: BenchResults): Table | undefined {
  const all = [...results.scenarios, ...(results.networks?.runs.map((r) => r.scenario) ?? []), ...(results.capacity?.runs ?? [])];
  const byVariant = new Map<VariantName, { clean: number; flagged: number; cpuUs: number[]; workers: number }>();
  for (const s of all) {
    if (s.relay !== undefined) continue;
    const workers = s.generator.workers ?? 1;
    const perWorker = (s.votes.acknowledged * s.clients) / (s.windowMs / 1000) / workers;
    const entry = byVariant.get(s.variant) ?? { clean: 0, flagged: Number.POSITIVE_INFINITY, cpuUs: [], workers };
    if (s.generator.saturated) entry.flagged = Math.min(entry.flagged, perWorker);
    else entry.clean = Math.max(entry.clean, perWorker);
    if (s.generator.cpuMs !== undefined && windowDeliveries(s) > 0) entry.cpuUs.push((s.generator.cpuMs * 1000) / windowDeliveries(s));
    byVariant.set(s.variant, entry);
  }
  if (byVariant.size === 0) return undefined;
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted.length === 0 ? Number.NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
  };
  const workers = Math.max(...[...byVariant.values()].map((e) => e.workers));
  return {
    id: 'generator-capacity',
    title: 'Load generator: deliveries per second it handled',
    intro: `Subscribers run in ${workers} worker process${workers === 1 ? '' : 'es'} (one per core left after the server's), each with its own event loop, ledgers and latency histograms, merged exactly afterwards. A scenario is flagged when any of the bench's processes was saturated (event loop over 90 % busy, its timers over 50 ms late at p99, or votes sent over 20 ms late). Per transport: the most deliveries per second one worker handled without being flagged, and the fewest at which it was flagged; rows that ask more of a worker than the first figure may show the bench's limit rather than the server's. CPU per delivery is the whole generator's (workers and voter), the median over the scenarios.`,
    columns: ['transport', 'most deliveries/s per worker, not flagged', 'fewest deliveries/s per worker, flagged', 'generator CPU µs / delivery'],
    rows: [...byVariant.entries()].map(([variant, e]) => [
      cell(VARIANTS[variant].label),
      cell(e.clean > 0 ? num(e.clean, 0) : 'none unflagged', e.clean === 0),
      cell(Number.isFinite(e.flagged) ? num(e.flagged, 0) : 'never flagged'),
      cell(num(median(e.cpuUs), 1)),
    ]),
  };
}
