import type { Snapshot, VoteEvent } from '../feed/types.ts';
import { ClientLifecycle } from './lifecycle.ts';
import { byteLength, httpUrl } from './runtime.ts';
import type { EventSourceLike } from './types.ts';

/** EventSource readyState CLOSED: the browser gave up and will not reconnect by itself. */
const CLOSED = 2;

/**
 * Server-Sent Events from GET /api/sse. EventSource cannot set headers on its first request, so the
 * hand-over cursor goes in `?since=<seq>`; after that the browser's own reconnect sends
 * `Last-Event-ID` (every event, the snapshot included, carries `id: <seq>`) and the server prefers it
 * over the stale `since` in the URL. Only when the browser gives up (a non-200 answer, readyState
 * CLOSED) does this client reconnect itself, with backoff and jitter and a fresh `since`.
 */
export class SseClient extends ClientLifecycle {
  readonly transport = 'sse' as const;
  #source: EventSourceLike | undefined;

  protected connect(generation: number): void {
    const query = this.seq === undefined ? '' : `?since=${this.seq}`;
    let source: EventSourceLike;
    try {
      source = new this.env.EventSource(httpUrl(this.env, `/api/sse${query}`), { withCredentials: true });
    } catch (error) {
      this.retryLater(generation, `could not open an EventSource: ${String(error)}`);
      return;
    }
    this.#source = source;
    this.wire({ what: `GET /api/sse${query}`, bytesIn: 0, bytesOut: 0, empty: true, events: 0 });
    source.onopen = () => {
      if (this.isCurrent(generation)) this.markOpen();
    };
    source.addEventListener('snapshot', (message: MessageEvent) => {
      if (!this.isCurrent(generation)) return;
      const snapshot = parse<Snapshot>(message.data);
      this.wire({ what: 'sse event (snapshot)', bytesIn: byteLength(String(message.data)), bytesOut: 0, empty: false, events: 0 });
      if (snapshot !== undefined) this.deliverSnapshot(snapshot);
    });
    source.addEventListener('vote', (message: MessageEvent) => {
      if (!this.isCurrent(generation)) return;
      const event = parse<VoteEvent>(message.data);
      this.wire({ what: 'sse event (vote)', bytesIn: byteLength(String(message.data)), bytesOut: 0, empty: false, events: 1 });
      if (event !== undefined) this.deliverEvent(event);
    });
    source.onerror = () => {
      if (!this.isCurrent(generation)) return;
      if (source.readyState === CLOSED) {
        source.close();
        this.#source = undefined;
        this.retryLater(generation, 'the event stream failed');
      } else {
        // The browser reconnects on its own (sending Last-Event-ID); report it, the stream will reopen.
        this.setStatus('reconnecting', 'event stream lost; the browser is reconnecting with Last-Event-ID');
      }
    };
  }

  protected disconnect(): void {
    this.#source?.close();
    this.#source = undefined;
  }
}

function parse<T>(data: unknown): T | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    return JSON.parse(data) as T;
  } catch {
    return undefined;
  }
}
