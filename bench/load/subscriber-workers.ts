import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CoherenceSummary } from '../results/types.ts';
import { RAISED_OPEN_FILE_LIMIT } from '../process/open-file-limit.ts';
import { recordLastSubscriber } from '../measure/delivery-latency.ts';
import { LatencyHistogram } from '../measure/latency-histogram.ts';
import type { GeneratorFigures } from './generator-monitor.ts';
import { toSharedClock } from './shared-clock.ts';
import { sumCounters, type SubscriberCounters } from './subscriber.ts';
import type { OpenedAnswer, WorkerAnswers, WorkerReply, WorkerRequest } from './worker-protocol.ts';

const WORKER_SCRIPT = fileURLToPath(new URL('./subscriber-worker.ts', import.meta.url));
/** What a worker printed, kept for the error when it dies. */
const OUTPUT_KEPT_CHARS = 4000;
const STOP_GRACE_MS = 10_000;

/**
 * How many subscriber processes a run uses: one per core left after the server's, at least one. On a
 * machine with more cores the same run spreads the same audience thinner, so the bench flags less.
 */
export function subscriberWorkerCount(cores = availableParallelism()): number {
  return Math.max(1, cores - 1);
}

/** The merged view of every worker's subscribers. */
export interface MergedResults {
  coherence: CoherenceSummary;
  perDelivery: LatencyHistogram;
  lastSubscriber: LatencyHistogram;
  errors: string[];
}

/** One worker process and the requests it has not answered yet. */
class WorkerProcess {
  readonly child: ChildProcess;
  count: number;
  readonly exited: Promise<void>;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #output = '';
  #gone: string | undefined;

  constructor(count: number) {
    this.count = count;
    const argv = [...RAISED_OPEN_FILE_LIMIT, process.execPath, WORKER_SCRIPT];
    // Pinned like this process (a child inherits its CPU affinity): the load generator's cores.
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const keep = (chunk: string): void => {
      this.#output = (this.#output + chunk).slice(-OUTPUT_KEPT_CHARS);
    };
    this.child.stdout?.setEncoding('utf8').on('data', keep);
    this.child.stderr?.setEncoding('utf8').on('data', keep);
    this.child.on('message', (reply: WorkerReply) => {
      const waiting = this.#pending.get(reply.id);
      if (waiting === undefined) return;
      this.#pending.delete(reply.id);
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(new Error(`subscriber worker ${this.child.pid}: ${reply.error}`));
    });
    this.exited = once(this.child, 'exit').then(([code, signal]) => {
      this.#gone = `subscriber worker ${this.child.pid} exited (code ${String(code)}, signal ${String(signal)})${this.#output === '' ? '' : `:\n${this.#output.trim()}`}`;
      for (const waiting of this.#pending.values()) waiting.reject(new Error(this.#gone));
      this.#pending.clear();
      running.delete(this);
    });
    running.add(this);
  }

  request<K extends WorkerRequest['kind']>(request: Extract<WorkerRequest, { kind: K }>): Promise<WorkerAnswers[K]> {
    if (this.#gone !== undefined) return Promise.reject(new Error(this.#gone));
    const id = this.#nextId++;
    return new Promise<WorkerAnswers[K]>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, request });
    });
  }

  kill(): void {
    if (this.#gone === undefined) this.child.kill('SIGKILL');
  }

  get alive(): boolean {
    return this.#gone === undefined;
  }

  /** Whether this process waits for the worker: not while it idles in the pool (an idle worker must not keep a finished run alive). */
  hold(held: boolean): void {
    if (held) {
      this.child.ref();
      this.child.channel?.ref();
    } else {
      this.child.unref();
      this.child.channel?.unref();
    }
  }
}

/**
 * Workers between scenarios: starting one costs a Node start and the client layer's imports (a fraction
 * of a second on a quiet machine, seconds on a loaded one), so a run reuses them; each scenario's
 * subscribers are stopped and dropped before a worker goes back here.
 */
const idle: WorkerProcess[] = [];

function takeWorker(count: number): WorkerProcess {
  for (let worker = idle.pop(); worker !== undefined; worker = idle.pop()) {
    if (!worker.alive) continue;
    worker.hold(true);
    worker.count = count;
    return worker;
  }
  return new WorkerProcess(count);
}

/** Every worker still running, killed if this process exits first (a crash must not leave them behind). */
const running = new Set<WorkerProcess>();
process.once('exit', () => {
  for (const worker of running) worker.kill();
});

export interface OpenOptions {
  request: Omit<Extract<WorkerRequest, { kind: 'open' }>, 'kind' | 'firstIndex' | 'count'>;
  subscribers: number;
  workers: number;
}

/**
 * A scenario's subscribers spread over worker processes (subscriber-worker.ts), each with its own ledgers
 * and latency histogram, merged here exactly: coherence counts add up, histograms add up, and the last
 * subscriber of a vote is the latest of each worker's last (arrivals travel on the machine-wide clock).
 */
export class SubscriberWorkers {
  readonly #workers: WorkerProcess[];
  /** What opening the subscribers found, every worker's answer summed. */
  readonly opened: OpenedAnswer;

  private constructor(workers: WorkerProcess[], opened: OpenedAnswer) {
    this.#workers = workers;
    this.opened = opened;
  }

  /** Starts the workers and has them open their share of sessions and subscribers, until every one has its first snapshot. */
  static async open(options: OpenOptions): Promise<SubscriberWorkers> {
    const workers: WorkerProcess[] = [];
    const share = Math.ceil(options.subscribers / Math.max(1, options.workers));
    for (let first = 0; first < options.subscribers; first += share) workers.push(takeWorker(Math.min(share, options.subscribers - first)));
    const all = new SubscriberWorkers(workers, { subscribers: 0, missing: 0, connectMs: 0, fileLimitHit: false, errors: [] });
    try {
      let first = 0;
      const answers = await Promise.all(
        workers.map((worker) => {
          const request = { ...options.request, kind: 'open' as const, firstIndex: first, count: worker.count };
          first += worker.count;
          return worker.request(request);
        }),
      );
      return new SubscriberWorkers(workers, {
        subscribers: answers.reduce((sum, a) => sum + a.subscribers, 0),
        missing: answers.reduce((sum, a) => sum + a.missing, 0),
        connectMs: Math.max(0, ...answers.map((a) => a.connectMs)),
        fileLimitHit: answers.some((a) => a.fileLimitHit),
        errors: answers.flatMap((a) => a.errors).slice(0, 10),
      });
    } catch (error) {
      await all.stop();
      throw error;
    }
  }

  get processes(): number {
    return this.#workers.length;
  }

  async counters(): Promise<SubscriberCounters> {
    return sumCounters(await this.#all({ kind: 'counters' }));
  }

  async monitorStart(): Promise<void> {
    await this.#all({ kind: 'monitor-start' });
  }

  monitorFinish(): Promise<GeneratorFigures[]> {
    return this.#all({ kind: 'monitor-finish' });
  }

  async drain(lastSeq: number, timeoutMs: number): Promise<void> {
    await this.#all({ kind: 'drain', lastSeq, timeoutMs });
  }

  /** Every worker's ledgers against the votes (`dueBySeq` in this process's performance.now()), merged. */
  async results(dueBySeq: ReadonlyMap<number, number>, expected: readonly number[]): Promise<MergedResults> {
    const due = [...dueBySeq].map(([seq, at]): [number, number] => [seq, toSharedClock(at)]);
    const answers = await this.#all({ kind: 'results', due, expected });
    const perDelivery = new LatencyHistogram();
    for (const answer of answers) perDelivery.addEncoded(answer.perDelivery);
    const lastSubscriber = new LatencyHistogram();
    recordLastSubscriber(
      answers.map((a) => new Map(a.latest)),
      new Map(due),
      lastSubscriber,
    );
    return { coherence: mergeCoherence(answers.map((a) => a.coherence)), perDelivery, lastSubscriber, errors: answers.flatMap((a) => a.errors).slice(0, 10) };
  }

  /** Stops every subscriber and returns the workers to the pool (a worker that does not answer in time is killed). Call once. */
  async stop(): Promise<void> {
    await Promise.all(
      this.#workers.map(async (worker) => {
        const stopped = worker.request({ kind: 'stop' }).then(
          () => true,
          () => false,
        );
        const inTime = await Promise.race([stopped, sleep(STOP_GRACE_MS).then(() => false)]);
        if (inTime && worker.alive) {
          worker.hold(false);
          idle.push(worker);
          return;
        }
        worker.kill();
        await worker.exited;
      }),
    );
  }

  async #all<K extends WorkerRequest['kind']>(request: Extract<WorkerRequest, { kind: K }>): Promise<WorkerAnswers[K][]> {
    return Promise.all(this.#workers.map((worker) => worker.request(request)));
  }
}

/** Coherence of disjoint sets of subscribers against the same votes: every count adds up. */
export function mergeCoherence(parts: readonly CoherenceSummary[]): CoherenceSummary {
  const sum: CoherenceSummary = {
    subscribers: 0,
    expectedPerSubscriber: parts[0]?.expectedPerSubscriber ?? 0,
    lost: 0,
    duplicated: 0,
    outOfOrder: 0,
    resyncs: 0,
    subscribersWithErrors: 0,
  };
  for (const part of parts) {
    sum.subscribers += part.subscribers;
    sum.lost += part.lost;
    sum.duplicated += part.duplicated;
    sum.outOfOrder += part.outOfOrder;
    sum.resyncs += part.resyncs;
    sum.subscribersWithErrors += part.subscribersWithErrors;
  }
  return sum;
}
