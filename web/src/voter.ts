import { Backoff } from '../../src/client/backoff.ts';
import { ProtocolError } from '../../src/client/decode.ts';
import { ApiError, postVote, type VoteResult } from './api.ts';
import { now } from './environment.ts';
import type { UpdateLatency } from './models/latency.ts';
import type { SessionKeeper } from './session-keeper.ts';

export interface VoterEvents {
  /** A vote the server accepted (201). */
  onAccepted?(result: VoteResult, candidateId: string): void;
  /** Something the person should see: a 429 we are waiting out, a failure. */
  onNotice?(text: string, kind: 'info' | 'error'): void;
  /** Sends the vote another way (a WebSocket frame, for the Anatomy tab); true when it did, and the POST is skipped. */
  sendInstead?(candidateId: string, voteId: string): boolean;
}

/** How often a rate-limited vote is retried before it is given up (the window is one second). */
const MAX_RATE_LIMIT_RETRIES = 8;
const RATE_LIMIT_WAIT_MS = 300;
/**
 * How often a vote that got no answer (a network error) or a 503 is sent again, with the same voteId, so
 * it counts once whether or not the first try was recorded. The backoff below adds up to under 8 s.
 */
const MAX_UNAVAILABLE_RETRIES = 5;
const UNAVAILABLE_BACKOFF = { initialMs: 250, maxMs: 4000 } as const;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Casts votes over POST /api/votes on every transport (so the wire panel compares only how the feed
 * reaches the page). Each vote gets a voteId, which times its own round trip and makes retries safe: the
 * server counts a user's voteId once. A 401 re-joins once; a 429 is shown and waited out; a network error
 * or a 503 is retried with backoff, with the same voteId.
 */
export class Voter {
  readonly #pageId: string;
  readonly #latency: UpdateLatency[];
  readonly #session: SessionKeeper;
  readonly #events: VoterEvents;
  #counter = 0;
  rateLimited = 0;

  constructor(pageId: string, session: SessionKeeper, latency: UpdateLatency[], events: VoterEvents) {
    this.#pageId = pageId;
    this.#session = session;
    this.#latency = latency;
    this.#events = events;
  }

  /** Resolves true once the vote is accepted, false when it was given up (the notice says why). */
  async vote(candidateId: string): Promise<boolean> {
    this.#counter += 1;
    const voteId = `${this.#pageId}-${this.#counter}`;
    const clickedAt = now();
    for (const latency of this.#latency) latency.ownVoteClicked(voteId, clickedAt);
    // No answer comes to a vote frame: an accepted vote's event comes back on the feed, a refused one as an error frame.
    if (this.#events.sendInstead?.(candidateId, voteId) === true) return true;
    let renewed = false;
    let rateLimitRetries = 0;
    const unavailable = new Backoff(UNAVAILABLE_BACKOFF);
    for (;;) {
      let result: VoteResult;
      try {
        result = await postVote(candidateId, voteId);
      } catch (error) {
        if (error instanceof ApiError && error.status === 401 && !renewed) {
          renewed = true;
          await this.#session.renew();
          continue;
        }
        if (error instanceof ApiError && error.status === 429 && rateLimitRetries < MAX_RATE_LIMIT_RETRIES) {
          rateLimitRetries += 1;
          this.rateLimited += 1;
          // The server says when the limit's window ends (Retry-After); without it, a short fixed wait.
          const waitMs = error.retryAfterMs ?? RATE_LIMIT_WAIT_MS;
          this.#events.onNotice?.(`Rate-limited (429): waiting ${waitMs} ms before retrying this vote`, 'info');
          await sleep(waitMs);
          continue;
        }
        // No answer, an answer that breaks the contract, or 503: the vote may or may not have been recorded.
        // Only a retry with the same voteId settles it.
        const inDoubt = !(error instanceof ApiError) || error.status === 503;
        const why =
          error instanceof ApiError
            ? `${error.status} ${error.code}: ${error.message}`
            : error instanceof ProtocolError
              ? error.message
              : `no answer: ${String(error)}`;
        if (inDoubt && unavailable.attempt < MAX_UNAVAILABLE_RETRIES) {
          const waitMs = Math.round(unavailable.next());
          this.#events.onNotice?.(`Vote not confirmed (${why}); sending it again in ${waitMs} ms, it counts once either way`, 'info');
          await sleep(waitMs);
          continue;
        }
        for (const latency of this.#latency) latency.ownVoteFailed(voteId);
        this.#events.onNotice?.(inDoubt ? `Vote not confirmed — ${why} (if it was recorded, the feed shows it)` : `Vote not recorded — ${why}`, 'error');
        return false;
      }
      for (const latency of this.#latency) latency.ownVoteAccepted(voteId, result.event, result.sentAt, result.receivedAt);
      this.#events.onAccepted?.(result, candidateId);
      return true;
    }
  }
}
