import type { ClientTls } from '../load/node-client-environment.ts';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { GeneratorMonitor, judgeGeneratorProcesses } from '../load/generator-monitor.ts';
import { openSession } from '../load/session.ts';
import { SubscriberWorkers, subscriberWorkerCount } from '../load/subscriber-workers.ts';
import { OpenLoopVoter } from '../load/voter.ts';
import { RelayMonitor } from '../network/relay-monitor.ts';
import type { Relay } from '../network/relay.ts';
import type { VariantSpec } from '../plan/variants.ts';
import type { IdleCost, ScenarioResult } from '../results/types.ts';
import { readServerMetrics, serverDelta, type ServerDelta, type ServerMetrics } from './server-metrics.ts';

export interface ScenarioInput {
  id: string;
  spec: VariantSpec;
  clients: number;
  rate: number;
  windowMs: number;
  /** Unmeasured votes at `rate` before the window, so the server's JIT has settled (0: a cold window). */
  warmupMs: number;
  /** Also measure the server's CPU over a window as long as `windowMs` with the subscribers connected and no votes. */
  measureIdle?: boolean;
  repetition: number;
  baseUrl: string;
  /**
   * Every server process of the scenario when there are several sharing one feed: subscribers and votes
   * are spread over them round-robin, and CPU, memory and counters are summed over them. Default: [baseUrl].
   */
  serverUrls?: readonly string[];
  candidateIds: readonly string[];
  longPollTimeoutMs: number;
  /**
   * The emulated network, already forwarding to the server(s): subscribers, their sessions and the voter
   * connect through it (it spreads them over the servers); the server's metrics are still read directly.
   */
  relay?: Relay;
  /** Subscribers over TLS (an https:// server): HTTP/2 or HTTP/1.1, one connection each. @default cleartext HTTP/1.1 */
  tls?: ClientTls;
  /** Called with a short phase name, for the progress bar. */
  onPhase?: (phase: string) => void;
  /** Subscriber worker processes (default: one per core left after the server's, see subscriberWorkerCount). */
  workers?: number;
  /** How long every subscriber may take to get its first snapshot. @default 60000 */
  connectTimeoutMs?: number;
  /** Pause after the last subscriber connected, before anything is measured. @default 300 (polling: half an interval) */
  settleMs?: number;
}

const CONNECT_TIMEOUT_MS = 60_000;
/** The Redis feed's periodic PING (every 2 s, src/feed/redis-feed.ts) has replaced its start-up sample by then. */
const RTT_SETTLED_UPTIME_MS = 2200;

/**
 * One scenario: N subscribers of one variant hear votes cast at a fixed rate for a fixed window.
 *
 * 1. sessions and subscribers are set up in worker processes (polling ones at random phases) and reach their first snapshot;
 * 2. the warm-up: votes at the same rate, not measured, so the window does not pay for JIT compilation;
 * 3. the measured window: votes on an open-loop schedule, server and client counters read at both ends;
 * 4. a drain lets late deliveries arrive, then every subscriber's ledger is checked against the votes;
 * 5. optionally the idle window: as long as the measured one, subscribers connected, no votes.
 */
export async function runScenario(input: ScenarioInput): Promise<ScenarioResult> {
  const { spec, clients, rate, windowMs, baseUrl } = input;
  const errors: string[] = [];
  const phase = input.onPhase ?? (() => undefined);

  const urls = input.serverUrls ?? [baseUrl];
  const readAll = (): Promise<ServerMetrics[]> => Promise.all(urls.map((url) => readServerMetrics(url)));

  phase('connecting');
  const before = await readAll();
  const connectTimeoutMs = input.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  const subscribers = await SubscriberWorkers.open({
    subscribers: clients,
    workers: input.workers ?? subscriberWorkerCount(),
    request: {
      variant: spec.name,
      urls: input.relay === undefined ? urls : [input.relay.url],
      longPollTimeoutMs: input.longPollTimeoutMs,
      connectTimeoutMs,
      ...(input.tls === undefined ? {} : { tls: input.tls }),
    },
  });
  const opened = subscribers.opened;
  let voter: OpenLoopVoter | undefined;
  try {
    if (opened.subscribers < clients) errors.push(`only ${opened.subscribers} of ${clients} subscribers got a session`);
    if (opened.missing > 0) errors.push(`${opened.missing} of ${opened.subscribers} subscribers had no snapshot after ${connectTimeoutMs / 1000} s`);
    if (opened.fileLimitHit) errors.push(`the OS open-file limit stopped the load generator or the server from opening every connection`);
    for (const e of opened.errors) if (errors.length < 10) errors.push(e);
    // Let connection setup (handshakes, first polls) finish before the window opens.
    await sleep(input.settleMs ?? Math.max(300, (spec.intervalMs ?? 0) / 2));
    const settled = await readAll();

    const voterUrls = input.relay === undefined ? urls : [input.relay.url];
    if (input.warmupMs > 0) {
      phase('warming up');
      await warmUp(input, voterUrls);
    }

    phase('measuring');
    voter = new OpenLoopVoter({
      baseUrl: voterUrls[0]!,
      baseUrls: voterUrls,
      cookie: await openSession(voterUrls[0]!, 'bench-voter'),
      rate,
      count: Math.max(1, Math.round((windowMs * rate) / 1000)),
      candidateIds: input.candidateIds,
      idPrefix: input.id,
      ...(input.tls === undefined ? {} : { ca: input.tls.ca }),
    });
    const monitor = new GeneratorMonitor();
    const relayMonitor = input.relay === undefined ? undefined : new RelayMonitor(input.relay);
    await relayMonitor?.start();
    const atStart = await readAll();
    const clientsAtStart = await subscribers.counters();
    await subscribers.monitorStart();
    const windowStart = performance.now();
    monitor.start();
    await voter.run();
    await sleep(Math.max(0, windowStart + windowMs - performance.now()));
    const voteStats = voter.stats();
    const voterFigures = monitor.measure();
    const generator = judgeGeneratorProcesses([...(await subscribers.monitorFinish()), voterFigures], subscribers.processes, voteStats.sendLagP99Ms);
    const relay = await relayMonitor?.finish();
    const atEnd = await readAll();
    const clientsAtEnd = await subscribers.counters();
    await voter.close();

    phase('draining');
    const dueBySeq = voter.dueBySeq();
    const expected = [...dueBySeq.keys()].sort((a, b) => a - b);
    const last = expected.at(-1);
    if (last !== undefined) await subscribers.drain(last, Math.max(3000, 3 * (spec.intervalMs ?? 0)));

    for (const vote of voter.votes) if (vote.error !== undefined && errors.length < 10) errors.push(`vote ${vote.voteId}: ${vote.error}`);
    const latencies = await subscribers.results(dueBySeq, expected);
    for (const e of latencies.errors) if (errors.length < 10) errors.push(e);
    const server = sumDeltas(atStart.map((m, i) => serverDelta(m, atEnd[i]!, spec.serverLabel)));
    const sumOf = (all: readonly ServerMetrics[], pick: (m: ServerMetrics) => number): number => all.reduce((total, m) => total + pick(m), 0);
    // The Redis feed PINGs at start-up (a sample taken while the process is still warming up, often
    // 100+ ms) and then every 2 s: only samples from processes up for longer than that count. They are
    // read at the end of the window and after the drain (waiting for the first periodic PING if needed).
    const youngest = Math.min(...atEnd.map((m) => m.uptimeMs));
    if (atEnd.some((m) => m.feed.rttMs !== undefined) && youngest < RTT_SETTLED_UPTIME_MS) await sleep(RTT_SETTLED_UPTIME_MS - youngest);
    const afterDrain = await readAll();
    let idle: IdleCost | undefined;
    if (input.measureIdle === true) {
      phase('idle');
      idle = await measureIdle(readAll, afterDrain, windowMs, spec.serverLabel);
    }
    const rtts = [...atEnd, ...afterDrain]
      .filter((m) => m.uptimeMs >= RTT_SETTLED_UPTIME_MS)
      .map((m) => m.feed.rttMs)
      .filter((v): v is number => typeof v === 'number');
    const deliveries = voteStats.acknowledged * opened.subscribers;
    const result: ScenarioResult = {
      id: input.id,
      variant: spec.name,
      clients,
      rate,
      repetition: input.repetition,
      windowMs,
      warmup: { ms: input.warmupMs },
      ...(idle === undefined ? {} : { idle }),
      votes: voteStats,
      latency: latencies.perDelivery.summary(),
      lastSubscriber: latencies.lastSubscriber.summary(),
      cdf: latencies.perDelivery.cdf(),
      coherence: latencies.coherence,
      connect: { ms: opened.connectMs, subscribers: opened.subscribers, missing: opened.missing, fileLimitHit: opened.fileLimitHit },
      cost: {
        deliveries,
        serverDeliveries: server.counters.deliveries,
        serverRequests: server.counters.requests,
        clientRequests: clientsAtEnd.requests - clientsAtStart.requests,
        serverBytesIn: server.counters.bytesIn,
        serverBytesOut: server.counters.bytesOut,
        clientBytesOut: clientsAtEnd.bytesSent - clientsAtStart.bytesSent,
        clientBytesIn: clientsAtEnd.bytesReceived - clientsAtStart.bytesReceived,
        emptyResponses: clientsAtEnd.emptyResponses - clientsAtStart.emptyResponses,
        responses: clientsAtEnd.responses - clientsAtStart.responses,
        serverCpuMs: server.cpuMs,
        serverCpuUtilization: server.wallMs > 0 ? server.cpuMs / server.wallMs : 0,
        serverEventLoopUtilization: server.eventLoopUtilization,
        serverRssBeforeBytes: sumOf(before, (m) => m.process.rssBytes),
        serverRssConnectedBytes: sumOf(atStart, (m) => m.process.rssBytes),
        serverHeapBeforeBytes: sumOf(before, (m) => m.process.heapUsedBytes),
        serverHeapConnectedBytes: sumOf(atStart, (m) => m.process.heapUsedBytes),
        serverRssSettledBytes: sumOf(settled, (m) => m.process.rssBytes),
        serverHeapSettledBytes: sumOf(settled, (m) => m.process.heapUsedBytes),
        // The servers' event-loop delay since the previous read of their metrics: over the measured window.
        ...windowEventLoopDelay(atEnd),
      },
      ...(urls.length > 1 || rtts.length > 0 ? { servers: { processes: urls.length, feedKind: atEnd[0]!.feed.kind, feedRttMs: rtts } } : {}),
      generator,
      errors,
      ...(relay === undefined ? {} : { relay }),
    };
    latencies.perDelivery.destroy();
    latencies.lastSubscriber.destroy();
    return result;
  } finally {
    phase('closing');
    await voter?.close();
    await subscribers.stop();
  }
}

/** The worst event-loop delay of the servers since the previous read of their metrics. */
function windowEventLoopDelay(atEnd: readonly ServerMetrics[]): { serverEventLoopDelayP99Ms: number; serverEventLoopDelayMaxMs: number } {
  const delays = atEnd.map((m) => m.process.eventLoopDelay);
  return { serverEventLoopDelayP99Ms: Math.max(...delays.map((d) => d.p99Ms)), serverEventLoopDelayMaxMs: Math.max(...delays.map((d) => d.maxMs)) };
}

/**
 * Votes at the scenario's rate for `warmupMs`, none of them measured: the same traffic as the window, so
 * the server has compiled its hot paths (and the subscribers theirs) before the counters are read.
 * Their seqs are not among the window's expected ones; a warm-up vote that arrives in the window still
 * counts in the window's bytes and CPU, as it would in steady traffic.
 */
async function warmUp(input: ScenarioInput, voterUrls: readonly string[]): Promise<void> {
  const started = performance.now();
  const voter = new OpenLoopVoter({
    baseUrl: voterUrls[0]!,
    baseUrls: voterUrls,
    cookie: await openSession(voterUrls[0]!, 'bench-warmup'),
    rate: input.rate,
    count: Math.max(1, Math.round((input.warmupMs * input.rate) / 1000)),
    candidateIds: input.candidateIds,
    idPrefix: `${input.id}-warmup`,
    ...(input.tls === undefined ? {} : { ca: input.tls.ca }),
  });
  try {
    await voter.run();
    await sleep(Math.max(0, started + input.warmupMs - performance.now()));
  } finally {
    await voter.close();
  }
}

/** The server's CPU over `windowMs` from `start` on, with the subscribers connected and no votes. */
async function measureIdle(
  readAll: () => Promise<ServerMetrics[]>,
  start: readonly ServerMetrics[],
  windowMs: number,
  label: VariantSpec['serverLabel'],
): Promise<IdleCost> {
  await sleep(windowMs);
  const end = await readAll();
  const delta = sumDeltas(start.map((m, i) => serverDelta(m, end[i]!, label)));
  return { serverCpuMs: delta.cpuMs, windowMs: delta.wallMs };
}

/** Several processes' deltas as one: CPU and counters add up, the wall time is the longest, utilisation is the mean. */
function sumDeltas(deltas: readonly ServerDelta[]): ServerDelta {
  if (deltas.length === 1) return deltas[0]!;
  const counters = { ...deltas[0]!.counters };
  for (const d of deltas.slice(1)) for (const key of Object.keys(counters) as (keyof typeof counters)[]) counters[key] += d.counters[key];
  return {
    wallMs: Math.max(...deltas.map((d) => d.wallMs)),
    cpuMs: deltas.reduce((total, d) => total + d.cpuMs, 0),
    eventLoopUtilization: deltas.reduce((total, d) => total + d.eventLoopUtilization, 0) / deltas.length,
    counters,
  };
}
