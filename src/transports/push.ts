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
 */
export class PushFanOut {
  readonly #connections = new Set<PushConnection>();
  readonly #feed: Feed;
  readonly #format: PushFormat;
  readonly #counters: TransportCounters;
  readonly #maxUnsentBytes: number;

  constructor(options: PushFanOutOptions) {
    const { feed, format, heartbeatMs, lifecycle } = options;
    this.#feed = feed;
    this.#format = format;
    this.#counters = options.counters;
    this.#maxUnsentBytes = options.maxUnsentBytes;

    const unsubscribe = feed.subscribe((entry) => {
      if (this.#connections.size === 0) return;
      this.#counters.deliveries += this.#broadcast(format.event(entry));
    });
    // The feed started over: the seqs the clients hold name events that are gone. The snapshot puts each
    // of them on the new history; the events after it follow as usual.
    const stopResetListener = feed.onReset((snapshot) => {
      if (this.#connections.size === 0) return;
      this.#broadcast(format.snapshot(snapshot));
    });
    const heartbeat = setInterval(() => {
      for (const connection of this.#connections) if (!connection.heartbeat()) this.#drop(connection, 'dead');
    }, heartbeatMs);
    heartbeat.unref();

    lifecycle.onShutdown(() => {
      clearInterval(heartbeat);
      unsubscribe();
      stopResetListener();
      for (const connection of this.#connections) connection.close('shutting_down');
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

  /** Writes one prepared message to every connection not over the limit; returns how many got it. */
  #broadcast(message: Buffer): number {
    let sent = 0;
    for (const connection of this.#connections) {
      if (connection.unsentBytes > this.#maxUnsentBytes) {
        this.#drop(connection, 'too_slow');
        continue;
      }
      connection.send(message);
      sent++;
    }
    return sent;
  }

  #drop(connection: PushConnection, reason: 'too_slow' | 'dead'): void {
    this.#connections.delete(connection);
    this.#counters.drops++;
    connection.close(reason);
  }
}
