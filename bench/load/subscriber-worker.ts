/**
 * One process of the load generator: runs its share of a scenario's subscribers (the shared client layer,
 * or socket.io-client for the Socket.IO reference) with their own ledgers, and answers the parent's
 * requests over the IPC channel (see worker-protocol.ts and subscriber-workers.ts, which starts it).
 * Its own event loop and heap: subscribers here do not queue behind the voter or another worker's.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, setGlobalDispatcher } from 'undici';
import { mapLimited } from './concurrency.ts';
import { GeneratorMonitor } from './generator-monitor.ts';
import { openSession } from './session.ts';
import { fromSharedClock, toSharedClock } from './shared-clock.ts';
import { SocketIoSubscriber } from './socketio-subscriber.ts';
import { Subscriber, sumCounters, type BenchSubscriber } from './subscriber.ts';
import type { OpenedAnswer, ResultsAnswer, WorkerAnswers, WorkerMessage, WorkerReply, WorkerRequest } from './worker-protocol.ts';
import { summarizeCoherence } from '../measure/coherence.ts';
import { latestArrivals, recordPerDelivery } from '../measure/delivery-latency.ts';
import { LatencyHistogram } from '../measure/latency-histogram.ts';
import { VARIANTS, type VariantSpec } from '../plan/variants.ts';

/** Subscribers connect in small waves: a burst of thousands of SYNs would overflow the listen backlog. */
const CONNECT_WAVE = 50;
/** Sessions opened at once. */
const SESSION_CONCURRENCY = 32;

let subscribers: BenchSubscriber[] = [];
const monitor = new GeneratorMonitor();

async function handle(request: WorkerRequest): Promise<WorkerAnswers[WorkerRequest['kind']]> {
  switch (request.kind) {
    case 'open':
      return open(request);
    case 'counters':
      return sumCounters(subscribers.map((s) => s.counters()));
    case 'monitor-start':
      monitor.start();
      return null;
    case 'monitor-finish':
      return monitor.measure();
    case 'drain':
      await drain(request.lastSeq, request.timeoutMs);
      return null;
    case 'results':
      return results(request.due, request.expected);
    case 'stop':
      await Promise.all(subscribers.map((s) => s.stop()));
      subscribers = [];
      return null;
  }
}

async function open(request: Extract<WorkerRequest, { kind: 'open' }>): Promise<OpenedAnswer> {
  const started = performance.now();
  const spec = VARIANTS[request.variant];
  const urlOf = (i: number): string => request.urls[(request.firstIndex + i) % request.urls.length]!;
  const errors: string[] = [];
  let fileLimitHit = false;
  const note = (error: unknown): void => {
    const message = (error as Error).message;
    if (/EMFILE|ENFILE/.test(message) || /EMFILE|ENFILE/.test(String((error as { code?: unknown }).code))) fileLimitHit = true;
    if (errors.length < 5) errors.push(message);
  };
  // Over TLS the sessions' plain requests trust the bench's certificate too (and only it), as the parent's do.
  if (request.tls !== undefined) setGlobalDispatcher(new Agent({ connect: { ca: request.tls.ca } }));
  const cookies = await mapLimited(request.count, SESSION_CONCURRENCY, async (i) => {
    try {
      return await openSession(urlOf(i), `bench-${request.firstIndex + i}`);
    } catch (error) {
      note(error);
      return undefined;
    }
  });
  subscribers = [];
  for (const [i, cookie] of cookies.entries()) {
    if (cookie === undefined) continue;
    subscribers.push(
      spec.client === 'socketio'
        ? new SocketIoSubscriber({ baseUrl: urlOf(i), cookie })
        : new Subscriber({
            spec,
            baseUrl: urlOf(i),
            cookie,
            longPollTimeoutMs: request.longPollTimeoutMs,
            ...(request.tls === undefined ? {} : { tls: request.tls }),
          }),
    );
  }
  await startAll(spec);
  // The timeout counts from the request: opening sessions is part of connecting.
  const left = Math.max(0, request.connectTimeoutMs - (performance.now() - started));
  await Promise.race([Promise.all(subscribers.map((s) => s.ready)), sleep(left)]);
  const connectMs = performance.now() - started;
  const missing = subscribers.filter((s) => s.ledger.baseline === undefined).length;
  for (const s of subscribers) for (const e of s.errors) note(new Error(e));
  return { subscribers: subscribers.length, missing, connectMs, fileLimitHit, errors };
}

/** Starts subscribers in waves; polling ones start at a random phase of their interval, as real tabs do. */
async function startAll(spec: VariantSpec): Promise<void> {
  if (spec.intervalMs !== undefined) {
    const interval = spec.intervalMs;
    for (const subscriber of subscribers) setTimeout(() => subscriber.start(), Math.random() * interval);
    return;
  }
  for (let i = 0; i < subscribers.length; i += CONNECT_WAVE) {
    for (const subscriber of subscribers.slice(i, i + CONNECT_WAVE)) subscriber.start();
    await sleep(10);
  }
}

async function drain(lastSeq: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (subscribers.every((s) => s.ledger.highest >= lastSeq)) return;
    await sleep(25);
  }
}

function results(due: readonly [number, number][], expected: readonly number[]): ResultsAnswer {
  const ledgers = subscribers.map((s) => s.ledger);
  const localDue = new Map(due.map(([seq, at]) => [seq, fromSharedClock(at)]));
  const perDelivery = new LatencyHistogram();
  recordPerDelivery(ledgers, localDue, perDelivery);
  const latest = [...latestArrivals(ledgers, localDue.keys())].map(([seq, at]): [number, number | null] => [seq, at === null ? null : toSharedClock(at)]);
  const errors: string[] = [];
  for (const s of subscribers) for (const e of s.errors) if (errors.length < 10) errors.push(e);
  const answer = { coherence: summarizeCoherence(ledgers, expected), perDelivery: perDelivery.encode(), latest, errors };
  perDelivery.destroy();
  return answer;
}

process.on('message', (message: WorkerMessage) => {
  void handle(message.request).then(
    (value): void => reply({ id: message.id, ok: true, value }),
    (error: unknown): void => reply({ id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});

function reply(answer: WorkerReply): void {
  process.send?.(answer);
}

// The parent gone (a killed bench), nothing is left to measure for.
process.on('disconnect', () => process.exit(0));
