import type { Snapshot, VoteEvent } from '../feed/types.ts';
import { CursorTracker, type Applied } from './cursor.ts';
import type { ProtocolError } from './decode.ts';
import type { ConnectionStatus, FeedClient, FeedClientHandlers, FeedClientOptions, ReconnectInfo, TransportName, WireRecord } from './types.ts';

/** Makes a transport client; `createClient` with a fixed environment, or a fake in tests. */
export type ClientFactory = (name: TransportName, handlers: FeedClientHandlers, options: FeedClientOptions) => FeedClient;

/** What a subscription reports, each delivery already judged by the tracker. */
export interface SubscriptionListener {
  onSnapshot?(snapshot: Snapshot, transport: TransportName, applied: Applied, at: number): void;
  onEvent?(event: VoteEvent, transport: TransportName, applied: Applied, at: number): void;
  onWire?(record: WireRecord): void;
  onStatus?(status: ConnectionStatus, transport: TransportName, detail?: string, reconnect?: ReconnectInfo): void;
  /** The server sent something the contract does not allow; the client reconnects from its cursor. */
  onProtocolError?(error: ProtocolError, transport: TransportName): void;
  /** After every delivery that was applied (counts or integrity counters may have changed). */
  onChange?(tracker: CursorTracker): void;
}

export interface SubscriptionOptions {
  now: () => number;
  /** After a gap, restart the transport from a fresh snapshot so the counts are right again. @default true */
  resyncOnGap?: boolean;
}

/**
 * One live view of the feed that can change transport without losing its place: it owns the cursor
 * tracker, and a switch stops the old client and starts the new one from `tracker.seq`. Callbacks of a
 * client that is no longer current (a late answer of an aborted poll) are dropped here, so a switch can
 * never apply something twice.
 */
export class FeedSubscription {
  readonly tracker = new CursorTracker();
  readonly #factory: ClientFactory;
  readonly #listener: SubscriptionListener;
  readonly #now: () => number;
  readonly #resyncOnGap: boolean;
  #client: FeedClient | undefined;
  #options: FeedClientOptions = {};

  constructor(factory: ClientFactory, listener: SubscriptionListener, options: SubscriptionOptions) {
    this.#factory = factory;
    this.#listener = listener;
    this.#now = options.now;
    this.#resyncOnGap = options.resyncOnGap ?? true;
  }

  get transport(): TransportName | undefined {
    return this.#client?.transport;
  }

  get client(): FeedClient | undefined {
    return this.#client;
  }

  get options(): Readonly<FeedClientOptions> {
    return this.#options;
  }

  /** Stops the current transport and starts `name` from the cursor held, handing it over. */
  switchTo(name: TransportName, options: FeedClientOptions = this.#options): void {
    this.#startClient(name, options, this.tracker.seq);
  }

  /** Same transport, new options (e.g. a polling interval), cursor handed over. */
  reconfigure(options: FeedClientOptions): void {
    const name = this.#client?.transport;
    if (name !== undefined) this.switchTo(name, options);
    else this.#options = options;
  }

  stop(): void {
    this.#client?.stop();
    this.#client = undefined;
  }

  #startClient(name: TransportName, options: FeedClientOptions, since: number | undefined): void {
    this.#client?.stop();
    this.#options = options;
    // `self` is assigned before start(), so even synchronous callbacks pass the currency check.
    let self: FeedClient | undefined;
    const isCurrent = (): boolean => self !== undefined && this.#client === self;
    const handlers: FeedClientHandlers = {
      onSnapshot: (snapshot, transport, reason) => {
        if (!isCurrent()) return;
        const applied = this.tracker.applySnapshot(snapshot, reason);
        this.#listener.onSnapshot?.(snapshot, transport, applied, this.#now());
        this.#listener.onChange?.(this.tracker);
      },
      onEvent: (event, transport) => {
        if (!isCurrent()) return;
        const applied = this.tracker.applyEvent(event);
        this.#listener.onEvent?.(event, transport, applied, this.#now());
        this.#listener.onChange?.(this.tracker);
        if (applied.kind === 'gap' && this.#resyncOnGap) this.#startClient(transport, this.#options, undefined);
      },
      onWire: (record) => {
        if (isCurrent()) this.#listener.onWire?.(record);
      },
      onStatus: (status, detail, reconnect) => {
        if (isCurrent()) this.#listener.onStatus?.(status, name, detail, reconnect);
      },
      onProtocolError: (error, transport) => {
        if (isCurrent()) this.#listener.onProtocolError?.(error, transport);
      },
    };
    self = this.#factory(name, handlers, options);
    this.#client = self;
    self.start(since);
  }
}
