import type { Socket } from 'node:net';
import type { TransportCounters } from './metrics-json.ts';

export const TRANSPORTS = ['polling', 'long-polling', 'websocket', 'sse', 'other'] as const;
/** A metrics label: the four transports, and "other" for sessions, votes over HTTP, metrics and static files. */
export type TransportLabel = (typeof TRANSPORTS)[number];

export type { TransportCounters };

function emptyCounters(): TransportCounters {
  return { open: 0, requests: 0, deliveries: 0, emptyResponses: 0, bytesIn: 0, bytesOut: 0, queues: 0, queueDepth: 0, resets: 0, drops: 0 };
}

interface SocketAccount {
  label: TransportLabel;
  /** Long-lived streams open on the connection that hold its label (only HTTP/2 carries others beside them). */
  holds: number;
  read: number;
  written: number;
}

/**
 * Per-transport counters, with bytes measured at the socket.
 *
 * A keep-alive socket may carry a poll, then a vote, then a long poll, so bytes are attributed by
 * difference: whatever the socket read and wrote since the last flush belongs to the label it carries now.
 * Short exchanges flush when their response ends; long-lived ones (WebSocket, SSE) are flushed whenever
 * the metrics are read, so a scrape always sees up-to-date totals.
 *
 * The socket is the TCP one (src/http/transport-socket.ts), so with TLS the bytes include its records and
 * handshake, and over HTTP/2 its framing and HPACK-compressed headers. One HTTP/2 connection multiplexes
 * streams: bytes go to the label of the request that started last, except that while an SSE stream is open
 * on the connection (`hold`) everything on it counts as SSE. README.md ("Byte metrics over HTTP/2") says so.
 */
export class TransportMetrics {
  readonly counters: Record<TransportLabel, TransportCounters>;
  readonly #accounts = new WeakMap<Socket, SocketAccount>();
  readonly #longLived = new Set<Socket>();
  /** Gauges computed on demand (queue count and depth live in their owner, not here). */
  readonly #gaugeSources: (() => void)[] = [];

  constructor() {
    this.counters = Object.fromEntries(TRANSPORTS.map((t) => [t, emptyCounters()])) as Record<TransportLabel, TransportCounters>;
  }

  /** From now on, bytes on this socket belong to `label` (called when a request starts). */
  label(socket: Socket, label: TransportLabel): void {
    const account = this.#accounts.get(socket);
    if (account === undefined) {
      this.#accounts.set(socket, { label, holds: 0, read: 0, written: 0 });
      socket.once('close', () => this.#onSocketClose(socket));
    } else if (account.holds === 0) {
      account.label = label;
    }
  }

  /** A long-lived stream opened on the socket: until `release`, its bytes all count as `label`. */
  hold(socket: Socket, label: TransportLabel): void {
    const account = this.#accounts.get(socket);
    if (account === undefined) return;
    if (account.holds === 0) {
      // What came before the stream belongs to the label it had then.
      this.flush(socket);
      account.label = label;
    }
    account.holds++;
  }

  /** The long-lived stream ended: the bytes so far are its own; later requests label the socket again. */
  release(socket: Socket): void {
    const account = this.#accounts.get(socket);
    if (account === undefined || account.holds === 0) return;
    this.flush(socket);
    account.holds--;
  }

  /** Adds what the socket read and wrote since the last flush to its current label. */
  flush(socket: Socket): void {
    const account = this.#accounts.get(socket);
    if (account === undefined) return;
    // A destroyed socket keeps its final byte counts (Node 22 and later), so a late flush still adds up.
    const read = socket.bytesRead;
    const written = socket.bytesWritten;
    const counters = this.counters[account.label];
    counters.bytesIn += read - account.read;
    counters.bytesOut += written - account.written;
    account.read = read;
    account.written = written;
  }

  /** Marks a socket that stays open for a long time (WebSocket, SSE) so reads of the metrics flush it. */
  trackLongLived(socket: Socket): void {
    this.#longLived.add(socket);
  }

  /** Registers a function that refreshes computed gauges before the counters are read. */
  addGaugeSource(refresh: () => void): void {
    this.#gaugeSources.push(refresh);
  }

  /** Brings every counter up to date; call before reading `counters`. */
  collect(): Record<TransportLabel, TransportCounters> {
    for (const socket of this.#longLived) this.flush(socket);
    for (const refresh of this.#gaugeSources) refresh();
    return this.counters;
  }

  #onSocketClose(socket: Socket): void {
    this.flush(socket);
    this.#longLived.delete(socket);
  }
}
