import type { UpdateLatency } from '../../src/client/latency.ts';
import { ApiError, postVote, type VoteResult } from './api.ts';
import { now } from './environment.ts';
import type { SessionKeeper } from './session-keeper.ts';

export interface VoterEvents {
  /** A vote the server accepted (201). */
  onAccepted?(result: VoteResult, candidateId: string): void;
  /** Something the person should see: a 429 we are waiting out, a failure. */
  onNotice?(text: string, kind: 'info' | 'error'): void;
}

/** How often a rate-limited vote is retried before it is given up (the window is one second). */
const MAX_RATE_LIMIT_RETRIES = 8;
const RATE_LIMIT_WAIT_MS = 300;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Casts votes over POST /api/votes on every transport (so the wire panel compares only how the feed
 * reaches the page). Each vote gets a voteId so its own round trip can be timed. A 401 re-joins once;
 * a 429 is shown and waited out.
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
    let renewed = false;
    let rateLimitRetries = 0;
    for (;;) {
      try {
        const result = await postVote(candidateId, voteId);
        for (const latency of this.#latency) latency.ownVoteAccepted(voteId, result.event, result.sentAt, result.receivedAt);
        this.#events.onAccepted?.(result, candidateId);
        return true;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401 && !renewed) {
          renewed = true;
          await this.#session.renew();
          continue;
        }
        if (error instanceof ApiError && error.status === 429 && rateLimitRetries < MAX_RATE_LIMIT_RETRIES) {
          rateLimitRetries += 1;
          this.rateLimited += 1;
          this.#events.onNotice?.(`Rate-limited (429): waiting ${RATE_LIMIT_WAIT_MS} ms before retrying this vote`, 'info');
          await sleep(RATE_LIMIT_WAIT_MS);
          continue;
        }
        for (const latency of this.#latency) latency.ownVoteFailed(voteId);
        const text = error instanceof ApiError ? `${error.status} ${error.code}: ${error.message}` : String(error);
        this.#events.onNotice?.(`Vote not recorded — ${text}`, 'error');
        return false;
      }
    }
  }
}
