import { LongPollAnswer } from '../contract.ts';
import { decodeJson, ProtocolError } from './decode.ts';
import { ClientLifecycle } from './lifecycle.ts';
import { byteLength, describeError, httpUrl, randomId } from './runtime.ts';

/** How long a poll must stay parked, without failing, before we call the connection open. */
const PARKED_MEANS_OPEN_MS = 250;

/**
 * Long polling of GET /api/long-poll. Every poll carries the per-tab `client` id and `since` (the last
 * seq held), so the server can answer from the tab's own queue, or from its log when it does not hold
 * that queue (after a restart or behind a load balancer). The next poll is sent as soon as an answer
 * arrives: the gap between the two is the reconnect cost this transport shows.
 */
export class LongPollingClient extends ClientLifecycle {
  readonly transport = 'long-polling' as const;
  readonly clientId = this.options.clientId ?? randomId();
  #abort: AbortController | undefined;
  /** Set after a session renewal: a second 401 in a row is a failure, not a reason to renew in a loop. */
  #justRenewed = false;

  protected connect(generation: number): void {
    void this.#poll(generation);
  }

  protected disconnect(): void {
    this.#abort?.abort();
    this.#abort = undefined;
  }

  #url(): string {
    const params = new URLSearchParams({ client: this.clientId });
    if (this.seq !== undefined) params.set('since', String(this.seq));
    if (this.options.longPollTimeoutMs !== undefined) params.set('timeout', String(this.options.longPollTimeoutMs));
    return httpUrl(this.env, `/api/long-poll?${params.toString()}`);
  }

  async #poll(generation: number): Promise<void> {
    const abort = new AbortController();
    this.#abort = abort;
    // A fetch only resolves when the server answers, which for a parked poll is up to the timeout later;
    // a poll that has not failed after a moment is being held by a live server.
    this.after(generation, PARKED_MEANS_OPEN_MS, () => this.markOpen());
    const exchange = await this.fetchText(generation, this.#url(), { signal: abort.signal }, 'GET /api/long-poll');
    if (exchange === undefined) return;
    const { status, body } = exchange;

    if (status === 204) {
      this.wire({ what: 'GET /api/long-poll', status, bytesIn: 0, bytesOut: 0, empty: true, events: 0 });
    } else if (status === 200) {
      const answer = decodeJson(LongPollAnswer, body, 'GET /api/long-poll');
      if (answer instanceof ProtocolError) {
        this.wire({ what: 'GET /api/long-poll', status, bytesIn: byteLength(body), bytesOut: 0, empty: true, note: answer.problem });
        this.rejectAnswer(generation, answer);
        return;
      }
      const events = 'events' in answer ? answer.events.length : 0;
      this.wire({ what: 'GET /api/long-poll', status, bytesIn: byteLength(body), bytesOut: 0, empty: false, events });
      if ('snapshot' in answer) this.deliverSnapshot(answer.snapshot);
      else {
        for (const event of answer.events) {
          if (!this.isCurrent(generation)) return; // a handler stopped or restarted us: the rest is not delivered
          this.deliverEvent(event);
        }
      }
    } else if (status === 401 && this.env.renewSession !== undefined && !this.#justRenewed) {
      this.wire({ what: 'GET /api/long-poll', status, bytesIn: byteLength(body), bytesOut: 0, empty: true, note: 'session expired' });
      await this.#renewThenPoll(generation);
      return;
    } else {
      this.wire({ what: 'GET /api/long-poll', status, bytesIn: byteLength(body), bytesOut: 0, empty: true });
      this.retryLater(generation, this.describeAnswer('GET /api/long-poll', status, body));
      return;
    }
    if (!this.isCurrent(generation)) return; // a handler stopped or restarted us
    this.#justRenewed = false;
    this.markOpen();
    this.connect(generation);
  }

  async #renewThenPoll(generation: number): Promise<void> {
    try {
      await this.env.renewSession?.();
    } catch (error) {
      this.retryLater(generation, `could not renew the session: ${describeError(error)}`);
      return;
    }
    this.#justRenewed = true;
    if (this.isCurrent(generation)) this.connect(generation);
  }
}
