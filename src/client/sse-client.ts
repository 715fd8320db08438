import { Snapshot, VoteEvent } from '../contract.ts';
import { decodeJson, ProtocolError } from './decode.ts';
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
    // A stream this client closed (after a bad event) says nothing more, whatever is still queued on it.
    const live = (): boolean => this.isCurrent(generation) && this.#source === source;
    this.wire({ what: `GET /api/sse${query}`, bytesIn: 0, bytesOut: 0, empty: true, events: 0 });
    source.onopen = () => {
      if (live()) this.markOpen();
    };
    source.addEventListener('snapshot', (message: MessageEvent) => {
      if (!live()) return;
      const snapshot = decodeJson(Snapshot, message.data, 'sse event (snapshot)');
      if (snapshot instanceof ProtocolError) {
        this.#reject(generation, snapshot, message.data);
        return;
      }
      this.wire({ what: 'sse event (snapshot)', bytesIn: byteLength(String(message.data)), bytesOut: 0, empty: false, events: 0 });
      this.deliverSnapshot(snapshot);
    });
    source.addEventListener('vote', (message: MessageEvent) => {
      if (!live()) return;
      const event = decodeJson(VoteEvent, message.data, 'sse event (vote)');
      if (event instanceof ProtocolError) {
        this.#reject(generation, event, message.data);
        return;
      }
      this.wire({ what: 'sse event (vote)', bytesIn: byteLength(String(message.data)), bytesOut: 0, empty: false, events: 1 });
      this.deliverEvent(event);
    });
    source.onerror = () => {
      if (!live()) return;
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

  /**
   * A bad event ends this stream: the browser's own reconnect would send the bad event's id as
   * Last-Event-ID and so skip it, while ours resumes from the last seq delivered.
   */
  #reject(generation: number, error: ProtocolError, data: unknown): void {
    this.wire({ what: error.source, bytesIn: byteLength(String(data)), bytesOut: 0, empty: true, note: error.problem });
    this.rejectAnswer(generation, error);
  }
}
