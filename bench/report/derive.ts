import { groupRepetitions, medianRange, medianRepetition, type MedianRange } from '../results/aggregate.ts';
import { windowDeliveries } from '../results/deliveries.ts';
import { netServerCpuMs } from '../results/idle.ts';
import type { BenchResults, ScenarioResult, VariantName } from '../results/types.ts';

/** The per-event and per-subscriber figures the report shows, derived from one scenario's raw counts. */
export interface DerivedFigures {
  requestsPerEvent: number;
  /** Server → client bytes per delivered event, at the server's sockets. */
  bytesDownPerEvent: number;
  /** Client → server bytes per delivered event, at the server's sockets. */
  bytesUpPerEvent: number;
  /** Both directions per delivered event, at the server's sockets (per run, so its range is the runs' range). */
  bytesPerEvent: number;
  /** The same two, at the subscribers' own sockets (a cross-check of the server's counters). */
  clientBytesDownPerEvent: number;
  clientBytesUpPerEvent: number;
  /** Share of responses without news; null where there are no responses (push transports). */
  emptyShare: number | null;
  cpuMsPer1000Deliveries: number;
  /** The same net of the idle cost (bench/results/idle.ts); NaN where the idle window was not measured. */
  cpuMsPer1000DeliveriesNet: number;
  /** Server RSS growth from connecting the subscribers, per subscriber (noisy below ~100 subscribers). */
  memoryPerSubscriberBytes: number;
  heapPerSubscriberBytes: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  lastSubscriberP99Ms: number;
  coherenceErrors: number;
}

const perEvent = (value: number, deliveries: number): number => (deliveries > 0 ? value / deliveries : Number.NaN);

export function derive(scenario: ScenarioResult): DerivedFigures {
  const { cost, latency, coherence } = scenario;
  const delivered = windowDeliveries(scenario);
  return {
    requestsPerEvent: perEvent(cost.serverRequests, delivered),
    bytesDownPerEvent: perEvent(cost.serverBytesOut, delivered),
    bytesUpPerEvent: perEvent(cost.serverBytesIn, delivered),
    bytesPerEvent: perEvent(cost.serverBytesOut + cost.serverBytesIn, delivered),
    clientBytesDownPerEvent: perEvent(cost.clientBytesIn, delivered),
    clientBytesUpPerEvent: perEvent(cost.clientBytesOut, delivered),
    emptyShare: cost.responses > 0 ? cost.emptyResponses / cost.responses : null,
    cpuMsPer1000Deliveries: perEvent(cost.serverCpuMs * 1000, delivered),
    cpuMsPer1000DeliveriesNet: perEvent((netServerCpuMs(scenario) ?? Number.NaN) * 1000, delivered),
    memoryPerSubscriberBytes: (cost.serverRssConnectedBytes - cost.serverRssBeforeBytes) / scenario.clients,
    heapPerSubscriberBytes: (cost.serverHeapConnectedBytes - cost.serverHeapBeforeBytes) / scenario.clients,
    meanMs: latency.meanUs / 1000,
    p50Ms: latency.p50Us / 1000,
    p99Ms: latency.p99Us / 1000,
    p999Ms: latency.p999Us / 1000,
    maxMs: latency.maxUs / 1000,
    lastSubscriberP99Ms: scenario.lastSubscriber.p99Us / 1000,
    coherenceErrors: coherence.lost + coherence.duplicated + coherence.outOfOrder,
  };
}

/** One variant at one scenario point, over its repetitions. */
export interface ScenarioRow {
  variant: VariantName;
  clients: number;
  rate: number;
  runs: ScenarioResult[];
  /** Median and range of each derived figure over the repetitions. */
  figures: { [K in keyof DerivedFigures]: MedianRange };
  /** Coherence added up over repetitions: any error in any run shows. */
  coherence: { lost: number; duplicated: number; outOfOrder: number; resyncs: number };
  generatorSaturated: boolean;
  generatorReasons: string[];
  /** Server CPU over the window as a share of one core (median). */
  serverCpuUtilization: number;
}

export function scenarioRows(results: BenchResults): ScenarioRow[] {
  const rows: ScenarioRow[] = [];
  for (const runs of groupRepetitions(results.scenarios).values()) rows.push(rowOf(runs));
  const order = results.config.variants;
  return rows.sort((a, b) => order.indexOf(a.variant) - order.indexOf(b.variant) || a.clients - b.clients || a.rate - b.rate);
}

/** One row from the repetitions of one variant at one scenario point. */
export function rowOf(runs: readonly ScenarioResult[]): ScenarioRow {
  const first = runs[0]!;
  const derived = runs.map(derive);
  const figures = Object.fromEntries(
    (Object.keys(derived[0]!) as (keyof DerivedFigures)[]).map((key) => [
      key,
      medianRange(derived.map((d) => d[key]).filter((v): v is number => v !== null && Number.isFinite(v))),
    ]),
  ) as ScenarioRow['figures'];
  return {
    variant: first.variant,
    clients: first.clients,
    rate: first.rate,
    runs: [...runs],
    figures,
    coherence: {
      lost: sum(runs, (r) => r.coherence.lost),
      duplicated: sum(runs, (r) => r.coherence.duplicated),
      outOfOrder: sum(runs, (r) => r.coherence.outOfOrder),
      resyncs: sum(runs, (r) => r.coherence.resyncs),
    },
    generatorSaturated: runs.some((r) => r.generator.saturated),
    generatorReasons: generatorReasons(runs),
    serverCpuUtilization: medianRange(runs.map((r) => r.cost.serverCpuUtilization)).median,
  };
}

/** Why the load generator was flagged: the first flagged run's reasons, and in how many runs it was. */
function generatorReasons(runs: readonly ScenarioResult[]): string[] {
  const flagged = runs.filter((r) => r.generator.saturated);
  if (flagged.length === 0) return [];
  const reasons = flagged[0]!.generator.reasons;
  return runs.length > 1 ? [`in ${flagged.length} of ${runs.length} runs`, ...reasons] : [...reasons];
}

function sum(runs: readonly ScenarioResult[], pick: (r: ScenarioResult) => number): number {
  return runs.reduce((total, r) => total + pick(r), 0);
}

/** The headline rows (every variant at the headline subscriber count and rate), in variant order. */
export function headlineRows(results: BenchResults, rows: readonly ScenarioRow[] = scenarioRows(results)): ScenarioRow[] {
  const { clients, rate } = results.config.headline;
  return rows.filter((r) => r.clients === clients && r.rate === rate);
}

/** The run whose figures stand for a row where one real run is needed (a CDF, a model): its median repetition by p50 latency. */
export function representativeRun(row: ScenarioRow): ScenarioResult {
  return medianRepetition(row.runs, (run) => run.latency.p50Us);
}
