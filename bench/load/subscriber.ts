import { performance } from 'node:perf_hooks';
import { createClient } from '../../src/client/registry.ts';
import type { BackoffOptions, FeedClient, FeedClientHandlers, WireRecord } from '../../src/client/types.ts';
import { SubscriberLedger } from '../measure/coherence.ts';
import { isSnapshotVariant, type VariantSpec } from '../plan/variants.ts';
import { nodeClientEnvironment, type ClientTls, type CountedEnvironment } from './node-client-environment.ts';

/** The counters of one subscriber that the bench reads at the start and end of the measured window. */
export interface SubscriberCounters {
  bytesSent: number;
  bytesReceived: number;
  requests: number;
  /** HTTP responses received (polls, long polls); push frames are not responses. */
  responses: number;
  /** Of those, the ones without news (304, 204, an unchanged 200). */
  emptyResponses: number;
}

export interface SubscriberOptions {
  spec: VariantSpec;
  baseUrl: string;
  cookie: string;
  longPollTimeoutMs: number;
  /** Over TLS: HTTP/2 or HTTP/1.1 (bench/load/node-client-environment.ts). @default cleartext HTTP/1.1 */
  tls?: ClientTls;
  /** The client layer's reconnect backoff; default its own (the fault scenarios switch the jitter off). */
  backoff?: BackoffOptions;
  /** Also told of everything the client layer hands over, after the ledger (the fault scenarios' timings). */
  watcher?: Partial<Pick<FeedClientHandlers, 'onSnapshot' | 'onEvent' | 'onStatus' | 'onWire'>>;
}

/** What the scenario runner needs of a subscriber, whoever drives it. */
export interface BenchSubscriber {
  readonly ledger: SubscriberLedger;
  readonly errors: string[];
  /** Resolves once the first snapshot arrived. */
  readonly ready: Promise<void>;
  start(): void;
  counters(): SubscriberCounters;
  stop(): Promise<void>;
}

/**
 * One subscriber as a browser tab would be: its own connection, the shared client transport layer
 * (src/client) driving it, and a ledger of what arrived when. Arrival time is taken in the handler,
 * the moment the layer hands the vote over, with the same clock as the voter's schedule.
 */
export class Subscriber implements BenchSubscriber {
  readonly ledger: SubscriberLedger;
  readonly errors: string[] = [];
  reconnects = 0;
  readonly #network: CountedEnvironment;
  readonly #client: FeedClient;
  #responses = 0;
  #emptyResponses = 0;
  #resolveReady: (() => void) | undefined;
  readonly ready: Promise<void>;

  constructor(options: SubscriberOptions) {
    const { spec, watcher } = options;
    this.ledger = new SubscriberLedger(isSnapshotVariant(spec) ? 'snapshots' : 'events');
    this.ready = new Promise((resolve) => {
      this.#resolveReady = resolve;
    });
    this.#network = nodeClientEnvironment(options);
    this.#client = createClient(
      spec.transport,
      this.#network.environment,
      {
        onSnapshot: (snapshot, _transport, reason) => {
          this.ledger.onSnapshot(snapshot.seq, performance.now());
          this.#resolveReady?.();
          watcher?.onSnapshot?.(snapshot, spec.transport, reason);
        },
        onEvent: (event) => {
          this.ledger.onEvent(event.seq, performance.now());
          watcher?.onEvent?.(event, spec.transport);
        },
        onWire: (record) => {
          this.#countWire(record);
          watcher?.onWire?.(record);
        },
        onStatus: (status, detail, reconnect) => {
          if (status === 'reconnecting') {
            this.reconnects++;
            if (this.errors.length < 5) this.errors.push(detail ?? 'reconnecting');
          }
          watcher?.onStatus?.(status, detail, reconnect);
        },
      },
      {
        ...(spec.intervalMs === undefined ? {} : { intervalMs: spec.intervalMs }),
        ...(spec.conditional === undefined ? {} : { conditional: spec.conditional }),
        ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      },
    );
  }

  /** Starts the subscription (from a fresh snapshot). */
  start(): void {
    this.#client.start(undefined);
  }

  counters(): SubscriberCounters {
    const bytes = this.#network.sockets.totals();
    return {
      bytesSent: bytes.sent,
      bytesReceived: bytes.received,
      requests: this.#network.requests.requests,
      responses: this.#responses,
      emptyResponses: this.#emptyResponses,
    };
  }

  async stop(): Promise<void> {
    this.#client.stop();
    await this.#network.close();
  }

  #countWire(record: WireRecord): void {
    // Only HTTP exchanges carry a status; WebSocket upgrades and frames are not "responses".
    if (record.status === undefined || record.what.includes('upgrade')) return;
    this.#responses++;
    if (record.empty) this.#emptyResponses++;
  }
}

/** Adds up counters of many subscribers. */
export function sumCounters(all: readonly SubscriberCounters[]): SubscriberCounters {
  const sum: SubscriberCounters = { bytesSent: 0, bytesReceived: 0, requests: 0, responses: 0, emptyResponses: 0 };
  for (const c of all) {
    sum.bytesSent += c.bytesSent;
    sum.bytesReceived += c.bytesReceived;
    sum.requests += c.requests;
    sum.responses += c.responses;
    sum.emptyResponses += c.emptyResponses;
  }
  return sum;
}
