import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** How one direction of a relayed connection behaves: the network a profile describes. */
export interface LinkShape {
  oneWayMs: number;
  /** Extra delay drawn uniformly from [0, jitterMs] per chunk. */
  jitterMs: number;
  /** Bytes per second this direction of this connection may carry; undefined = no cap. */
  bandwidthBytesPerSec?: number;
}

/** Above this many bytes waiting in the pipe, the source is paused (TCP backpressure, not an unbounded buffer). */
const HIGH_WATER_BYTES = 1 << 20;

interface Scheduled {
  /** performance.now() time at which the chunk may be written on. */
  at: number;
  /** The bytes, or null for the source's end (FIN), which travels behind the bytes before it. */
  chunk: Buffer | null;
}

/**
 * One direction of one relayed connection: every chunk read from `from` is written to `to` at
 * max(now + oneWay + jitter, the previous chunk's time), so jitter delays but never reorders bytes;
 * with a bandwidth cap a chunk also waits until the previous chunks have drained at the cap. One
 * timer per direction, armed for the oldest chunk only.
 */
export class DelayedPipe {
  readonly #from: Socket;
  readonly #to: Socket;
  readonly #shape: LinkShape;
  readonly #onRelayed: (bytes: number) => void;
  readonly #queue: Scheduled[] = [];
  #head = 0;
  #queuedBytes = 0;
  #lastAt = 0;
  #drainedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #pausedForBackpressure = false;

  constructor(from: Socket, to: Socket, shape: LinkShape, onRelayed: (bytes: number) => void) {
    this.#from = from;
    this.#to = to;
    this.#shape = shape;
    this.#onRelayed = onRelayed;
    from.on('data', (chunk: Buffer) => this.#schedule(chunk));
    from.on('end', () => this.#schedule(null));
    to.on('drain', () => this.#resumeIfRoom());
  }

  /** Drops whatever is still queued (the connection is gone). */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
    this.#head = 0;
    this.#queuedBytes = 0;
  }

  #schedule(chunk: Buffer | null): void {
    const { oneWayMs, jitterMs, bandwidthBytesPerSec } = this.#shape;
    let at = Math.max(performance.now() + oneWayMs + Math.random() * jitterMs, this.#lastAt);
    if (bandwidthBytesPerSec !== undefined && chunk !== null) {
      at = Math.max(at, this.#drainedAt);
      this.#drainedAt = at + (chunk.length * 1000) / bandwidthBytesPerSec;
    }
    this.#lastAt = at;
    this.#queue.push({ at, chunk });
    if (chunk !== null) this.#queuedBytes += chunk.length;
    if (this.#queuedBytes > HIGH_WATER_BYTES && !this.#pausedForBackpressure) {
      this.#pausedForBackpressure = true;
      this.#from.pause();
    }
    if (this.#timer === undefined) this.#arm();
  }

  #arm(): void {
    const next = this.#queue[this.#head];
    if (next === undefined) return;
    // Never early: a timer may fire a fraction of a millisecond before `at`, and then waits once more.
    this.#timer = setTimeout(() => this.#flush(), Math.max(1, Math.ceil(next.at - performance.now())));
  }

  #flush(): void {
    this.#timer = undefined;
    const now = performance.now();
    while (this.#head < this.#queue.length && this.#queue[this.#head]!.at <= now) {
      const { chunk } = this.#queue[this.#head++]!;
      if (this.#to.destroyed) continue;
      if (chunk === null) {
        this.#to.end();
      } else {
        this.#queuedBytes -= chunk.length;
        this.#to.write(chunk);
        this.#onRelayed(chunk.length);
      }
    }
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    this.#resumeIfRoom();
    this.#arm();
  }

  #resumeIfRoom(): void {
    if (!this.#pausedForBackpressure || this.#queuedBytes > HIGH_WATER_BYTES / 2 || this.#to.writableNeedDrain) return;
    this.#pausedForBackpressure = false;
    this.#from.resume();
  }
}
