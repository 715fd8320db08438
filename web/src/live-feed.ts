import { createClient } from '../../src/client/registry.ts';
import { FeedSubscription } from '../../src/client/subscription.ts';
import type { ClientEnvironment, ClientHooks, ConnectionStatus, FeedClientOptions, ReconnectInfo, TransportName, WireRecord } from '../../src/client/types.ts';
import { UpdateLatency } from './models/latency.ts';
import { RunningPercentiles } from './models/stats.ts';

/** What the page itself saw of the current transport since it was selected. */
export interface PageTotals {
  /** HTTP requests, or connections opened for WebSocket and SSE. */
  requests: number;
  /** Responses, frames or events received. */
  messages: number;
  emptyResponses: number;
  bytesIn: number;
  bytesOut: number;
  events: number;
}

export interface ConnectionState {
  status: ConnectionStatus;
  transport: TransportName;
  detail: string | undefined;
  reconnect: ReconnectInfo | undefined;
  /** When the connection was last lost (undefined while it is fine). */
  lostSince: number | undefined;
  /** When the next reconnect attempt happens (for a countdown). */
  retryAt: number | undefined;
}

const LOG_SIZE = 60;

function emptyTotals(): PageTotals {
  return { requests: 0, messages: 0, emptyResponses: 0, bytesIn: 0, bytesOut: 0, events: 0 };
}

/**
 * The main view's model: one subscription that switches transport live, the update latencies
 * (own votes and others'), the page-side byte and request counts, and the recent exchanges.
 */
export class LiveFeed {
  readonly subscription: FeedSubscription;
  readonly latency = new UpdateLatency();
  readonly own = new RunningPercentiles(200);
  readonly others = new RunningPercentiles(200);
  readonly log: WireRecord[] = [];
  totals: PageTotals = emptyTotals();
  connection: ConnectionState;
  /** Bumped on every change, so views redraw at most once per frame. */
  version = 0;
  #options: FeedClientOptions;

  constructor(env: ClientEnvironment & ClientHooks, transport: TransportName, options: FeedClientOptions) {
    this.#options = options;
    this.connection = { status: 'connecting', transport, detail: undefined, reconnect: undefined, lostSince: undefined, retryAt: undefined };
    this.subscription = new FeedSubscription(
      (name, handlers, clientOptions) => createClient(name, env, handlers, clientOptions),
      {
        onSnapshot: (snapshot, _transport, _applied, at) => {
          for (const sample of this.latency.onSnapshot(snapshot.seq, at)) this.own.add(sample.ms);
          this.version += 1;
        },
        onEvent: (event, _transport, applied, at) => {
          if (applied.kind !== 'duplicate') {
            const sample = this.latency.onEvent(event, at);
            (sample.kind === 'own' ? this.own : this.others).add(sample.ms);
          }
          this.version += 1;
        },
        onWire: (record) => this.#onWire(record),
        onStatus: (status, name, detail, reconnect) => {
          const lost = status === 'reconnecting';
          this.connection = {
            status,
            transport: name,
            detail,
            reconnect,
            lostSince: lost ? (this.connection.lostSince ?? env.now()) : undefined,
            retryAt: reconnect === undefined ? undefined : env.now() + reconnect.retryInMs,
          };
          this.version += 1;
        },
      },
      { now: () => env.now() },
    );
    this.subscription.switchTo(transport, options);
  }

  get transport(): TransportName {
    return this.connection.transport;
  }

  get options(): FeedClientOptions {
    return this.#options;
  }

  /** Live switch: the cursor is handed over; the page's counters start again for the new transport. */
  switchTo(transport: TransportName): void {
    this.totals = emptyTotals();
    this.own.clear();
    this.others.clear();
    this.subscription.switchTo(transport, this.#options);
    this.version += 1;
  }

  /** New polling interval or conditional setting: restarts polling from the cursor held. */
  setOptions(options: FeedClientOptions): void {
    this.#options = { ...this.#options, ...options };
    if (this.transport === 'polling') this.subscription.reconfigure(this.#options);
    this.version += 1;
  }

  /**
   * Reopens the current transport from the cursor held. The Anatomy tab asks for it once the server
   * captures: a connection opened before that (its handshake, its parked poll) was not captured.
   */
  reconnect(): void {
    if (this.transport !== 'polling') this.subscription.reconfigure(this.#options);
    this.version += 1;
  }

  /**
   * Votes go over POST on every transport and the server counts them as "other", so they appear in the
   * exchange log but not in the transport's totals: both columns of the wire panel then measure the same
   * thing, the feed reaching this page.
   */
  recordVotePost(bytesOut: number, bytesIn: number, at: number): void {
    this.#appendLog({ transport: this.transport, what: 'POST /api/votes', status: 201, bytesIn, bytesOut, empty: false, at, note: 'your vote' });
  }

  #onWire(record: WireRecord): void {
    const totals = this.totals;
    if (record.what.startsWith('GET ')) totals.requests += 1;
    const received = record.status !== undefined || /frame \(|event \(/.test(record.what);
    if (received) totals.messages += 1;
    if (record.empty && record.status !== undefined) totals.emptyResponses += 1;
    totals.events += record.events ?? 0;
    totals.bytesIn += record.bytesIn;
    totals.bytesOut += record.bytesOut;
    this.#appendLog(record);
  }

  #appendLog(record: WireRecord): void {
    this.log.unshift(record);
    if (this.log.length > LOG_SIZE) this.log.length = LOG_SIZE;
    this.version += 1;
  }
}
