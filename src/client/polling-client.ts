import { Snapshot } from '../contract.ts';
import { decodeJson, ProtocolError } from './decode.ts';
import { ClientLifecycle } from './lifecycle.ts';
import { byteLength, httpUrl } from './runtime.ts';

/**
 * Interval polling of GET /api/ballot. With `conditional` on, each poll sends `If-None-Match: "<seq>"`
 * (the ETag is the seq), so an unchanged ballot costs a body-less 304; off, every poll downloads the
 * whole snapshot, which is the cost the demo lets people see.
 *
 * Polls run at a fixed rate (one per interval, measured from the start of the previous poll) rather
 * than interval-after-response, so a slow response does not stretch the staleness further.
 */
export class PollingClient extends ClientLifecycle {
  readonly transport = 'polling' as const;
  #abort: AbortController | undefined;

  get intervalMs(): number {
    return this.options.intervalMs ?? 1000;
  }

  get conditional(): boolean {
    return this.options.conditional ?? true;
  }

  protected connect(generation: number): void {
    void this.#poll(generation);
  }

  protected disconnect(): void {
    this.#abort?.abort();
    this.#abort = undefined;
  }

  async #poll(generation: number): Promise<void> {
    const startedAt = this.env.now();
    const abort = new AbortController();
    this.#abort = abort;
    const headers: Record<string, string> = {};
    if (this.conditional && this.seq !== undefined) headers['If-None-Match'] = `"${this.seq}"`;
    const exchange = await this.fetchText(generation, httpUrl(this.env, '/api/ballot'), { headers, signal: abort.signal }, 'GET /api/ballot');
    if (exchange === undefined) return;
    const { status, body } = exchange;

    if (status === 304) {
      this.wire({ what: 'GET /api/ballot', status, bytesIn: 0, bytesOut: 0, empty: true, events: 0 });
    } else if (status === 200) {
      const snapshot = decodeJson(Snapshot, body, 'GET /api/ballot');
      if (snapshot instanceof ProtocolError) {
        this.wire({ what: 'GET /api/ballot', status, bytesIn: byteLength(body), bytesOut: 0, empty: true, note: snapshot.problem });
        this.rejectAnswer(generation, snapshot);
        return;
      }
      const previous = this.seq;
      const covered = previous === undefined ? 0 : Math.max(0, snapshot.seq - previous);
      // Stryker disable next-line ConditionalExpression: a snapshot's seq is a number, never equal to an undefined previous
      const empty = previous !== undefined && snapshot.seq === previous;
      this.wire({ what: 'GET /api/ballot', status, bytesIn: byteLength(body), bytesOut: 0, empty, events: covered });
      this.seq = snapshot.seq;
      this.handlers.onSnapshot(snapshot, this.transport, previous === undefined ? 'initial' : 'poll');
    } else {
      this.wire({ what: 'GET /api/ballot', status, bytesIn: byteLength(body), bytesOut: 0, empty: true });
      this.retryLater(generation, this.describeAnswer('GET /api/ballot', status, body));
      return;
    }
    if (!this.isCurrent(generation)) return; // a handler stopped or restarted us
    this.markOpen();
    const elapsed = this.env.now() - startedAt;
    this.after(generation, Math.max(0, this.intervalMs - elapsed), () => this.connect(generation));
  }
}
