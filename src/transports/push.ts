import type { Feed, Resume } from '../feed/feed.ts';
import type { FeedEntry, Snapshot } from '../feed/types.ts';
import type { Lifecycle } from '../http/lifecycle.ts';
import type { TransportCounters } from '../metrics/transport-metrics.ts';
import { resumeFrom } from './resume.ts';

/** Why the server ends a push connection. */
export type CloseReason = 'too_slow' | 'dead' | 'shutting_down';

/**
 * One client of a push transport (a WebSocket peer, an SSE stream) as the fan-out sees it: the small
 * interface both transports implement over their own wire.
 */
export interface PushConnection {
  /** Bytes handed to the connection that the socket has not taken yet: what the slow-consumer limit measures. */
  readonly unsentBytes: number;
  /** Sends one message already in the transport's wire format. */
  send(message: string | Buffer): void;
  /** Keeps a quiet connection open (a ping, a comment line); false when the client is dead (no pong to the last ping). */
  heartbeat(): boolean;
  /** Ends the connection the way `reason` calls for; once ended, calling it again does nothing more. */
  close(reason: CloseReason): void;
}

/** How a push transport writes the feed on its wire. */
export interface PushFormat {
  /** What a connection gets when it opens (see resumeFrom), as the messages to send in order. */
  opening(resume: Resume): readonly (string | Buffer)[];
  /** One vote: formatted once, and the same bytes go to every connection. */
  event(entry: FeedEntry): Buffer;
  /** The snapshot every connection gets when the feed started over (see Feed.onReset). */
  snapshot(snapshot: Snapshot): Buffer;
}

export interface PushFanOutOptions {
  feed: Feed;
  format: PushFormat;
  /** The transport's own counters: deliveries and drops. */
  counters: TransportCounters;
  /** PUSH_MAX_BUFFERED_BYTES: a connection with more unsent bytes is dropped rather than sent more. */
  maxUnsentBytes: number;
  /** Connections written to before the broadcast yields to the event loop (PUSH_FANOUT_SLICE). */
  sliceSize: number;
  /** How often every connection gets a heartbeat. */
  heartbeatMs: number;
  lifecycle: Lifecycle;
}

/**
 * The fan-out of WebSocket and SSE: subscribes once to the feed and writes each event (and, when the
 * feed started over, the new snapshot) to every open connection, formatted once for all of them.
 *
 * One slow-consumer policy for both: a connection whose unsent bytes passed the limit is dropped (closed
 * as too slow) instead of being sent more, so one client that stops reading never grows the server's
 * memory nor slows the broadcast for the others. A dropped client reconnects with its cursor and resumes.
 * At shutdown every connection is closed the transport's way, after the feed was left.
 *
 * A broadcast goes out in slices of `sliceSize` connections with a turn of the event loop between them:
 * writing one vote to 10,000 sockets in one go holds everything else (the next vote's POST, heartbeats,
 * new connections) for the whole of it. Each message goes to the connections open when the feed handed
 * it over (a connection opened later had it in its opening), messages go out one after the other in
 * feed order, so every connection still gets each once and in order.
 */
export class PushFanOut {
  readonly #connections = new Set<PushConnection>();
  readonly #feed: Feed;
  readonly #format: PushFormat;
  readonly #counters: TransportCounters;
  readonly #maxUnsentBytes: number;
  readonly #sliceSize: number;
  /** Messages still being written, oldest first; the first one is at `#position` of its targets. */
  readonly #pending: { message: Buffer; targets: PushConnection[]; countsAsDelivery: boolean }[] = [];
  #position = 0;
  #stopped = false;

  constructor(options: PushFanOutOptions) {
    const { feed, format, heartbeatMs, lifecycle } = options;
    this.#feed = feed;
    this.#format = format;
    this.#counters = options.counters;
    this.#maxUnsentBytes = options.maxUnsentBytes;
    this.#sliceSize = options.sliceSize;

    const unsubscribe = feed.subscribe((entry) => {
      // Stryker disable next-line ConditionalExpression: a broadcast to no connection writes nothing
      if (this.#connections.size === 0) return;
      this.#broadcast(format.event(entry), true);
    });
    // The feed started over: the seqs the clients hold name events that are gone. The snapshot puts each
    // of them on the new history; the events after it follow as usual.
    const stopResetListener = feed.onReset((snapshot) => {
      // Stryker disable next-line ConditionalExpression: a broadcast to no connection writes nothing
      if (this.#connections.size === 0) return;
      this.#broadcast(format.snapshot(snapshot), false);
    });
    const heartbeat = setInterval(() => {
      for (const connection of this.#connections) if (!connection.heartbeat()) this.#drop(connection, 'dead');
    }, heartbeatMs);
    // Stryker disable next-line CallExpression: the heartbeat is cleared at shutdown; unref only matters to a process that never closes the app
    heartbeat.unref();

    lifecycle.onShutdown(() => {
      // Stryker disable next-line CallExpression: the connections are cleared below, so a later heartbeat reaches nobody
      clearInterval(heartbeat);
      // Stryker disable next-line BooleanLiteral: the pending messages are dropped and the feed left right below, so nothing is left to write
      this.#stopped = true;
      this.#pending.length = 0;
      // Stryker disable next-line CallExpression: no connection is left or opens while closing, so a later event reaches nobody
      unsubscribe();
      // Stryker disable next-line CallExpression: no connection is left or opens while closing, so a later reset reaches nobody
      stopResetListener();
      for (const connection of this.#connections) connection.close('shutting_down');
      // Stryker disable next-line CallExpression: every connection was closed just above, the feed left and heartbeats stopped: nothing writes to them again
      this.#connections.clear();
    });
  }

  /**
   * Sends a new connection what it missed since `since` (or the snapshot) and adds it to the fan-out, in
   * one tick, so that no event falls between the two. Call it after `await catchUpTo(feed, since)`.
   */
  open(connection: PushConnection, since: number | undefined): void {
    const resume = resumeFrom(this.#feed, since);
    for (const message of this.#format.opening(resume)) connection.send(message);
    if (resume.kind === 'events') this.#counters.deliveries += resume.entries.length;
    this.#connections.add(connection);
  }

  /** The connection ended, whoever ended it. */
  remove(connection: PushConnection): void {
    this.#connections.delete(connection);
  }

  /**
   * Sends one connection a message of its own (a WebSocket's error frame) under the same limit as the
   * broadcast: a client that floods the server with bad frames and never reads the answers is dropped.
   */
  sendTo(connection: PushConnection, message: string | Buffer): void {
    if (!this.#connections.has(connection)) return;
    if (connection.unsentBytes > this.#maxUnsentBytes) {
      this.#drop(connection, 'too_slow');
      return;
    }
    connection.send(message);
  }

  /** Queues one prepared message for every connection open now, and starts writing if nothing else is. */
  #broadcast(message: Buffer, countsAsDelivery: boolean): void {
    this.#pending.push({ message, targets: [...this.#connections], countsAsDelivery });
    if (this.#pending.length === 1) this.#writeSlice();
  }

  /** Writes the oldest pending message to its next slice of connections; yields before the next slice. */
  #writeSlice(): void {
    let budget = this.#sliceSize;
    while (budget > 0 && !this.#stopped) {
      const head = this.#pending[0];
      if (head === undefined) return;
      const end = Math.min(head.targets.length, this.#position + budget);
      let sent = 0;
      for (let i = this.#position; i < end; i++) {
        const connection = head.targets[i]!;
        // Gone since (closed, or dropped while an earlier message went out): nothing more for it.
        if (!this.#connections.has(connection)) continue;
        if (connection.unsentBytes > this.#maxUnsentBytes) {
          this.#drop(connection, 'too_slow');
          continue;
        }
        connection.send(head.message);
        sent++;
      }
      if (head.countsAsDelivery) this.#counters.deliveries += sent;
      budget -= end - this.#position;
      this.#position = end;
      if (this.#position >= head.targets.length) {
        this.#pending.shift();
        this.#position = 0;
      }
    }
    // Stryker disable next-line LogicalOperator,EqualityOperator: while not stopped, an extra turn finds nothing pending and returns at once
    if (this.#pending.length > 0 && !this.#stopped) setImmediate(() => this.#writeSlice());
  }

  #drop(connection: PushConnection, reason: 'too_slow' | 'dead'): void {
    this.#connections.delete(connection);
    this.#counters.drops++;
    connection.close(reason);
  }
}
