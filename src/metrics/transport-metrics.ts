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
      this.#accounts.set(socket, { label, read: 0, written: 0 });
      socket.once('close', () => this.#onSocketClose(socket));
    } else {
      account.label = label;
    }
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
