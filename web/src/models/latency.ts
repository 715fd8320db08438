import type { VoteEvent } from '../../../src/feed/types.ts';
import { ClockOffset } from './clock-offset.ts';

/** One measured update: "own" = click to seeing it (via voteId), "others" = votedAt to seeing it. */
export interface LatencySample {
  kind: 'own' | 'others';
  seq: number;
  ms: number;
}

interface PendingVote {
  clickedAt: number;
  /** Known once POST /api/votes answered 201; lets polling (snapshots, no voteId) resolve it. */
  seq?: number;
}

/** Own votes still waiting to be seen are forgotten beyond this many (a stalled transport must not leak). */
const MAX_PENDING = 200;

/**
 * Measures how long each update took to reach the page. The page's own votes are timed from the click
 * to the moment the transport delivered them, matched by `voteId` on events, or, on polling (snapshots
 * carry no voteIds), by the seq the POST answered with. Other people's votes are timed against
 * `votedAt`, corrected by the estimated clock offset.
 */
export class UpdateLatency {
  readonly clock: ClockOffset;
  readonly #pending = new Map<string, PendingVote>();

  constructor(clock: ClockOffset = new ClockOffset()) {
    this.clock = clock;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  ownVoteClicked(voteId: string, clickedAt: number): void {
    this.#pending.set(voteId, { clickedAt });
    if (this.#pending.size > MAX_PENDING) {
      const oldest = this.#pending.keys().next().value;
      if (oldest !== undefined) this.#pending.delete(oldest);
    }
  }

  /** The POST answered 201 with the event; also a probe of the clock offset. */
  ownVoteAccepted(voteId: string, event: VoteEvent, sentAt: number, receivedAt: number): void {
    this.clock.observe(sentAt, event.votedAt, receivedAt);
    const pending = this.#pending.get(voteId);
    if (pending !== undefined) pending.seq = event.seq;
  }

  ownVoteFailed(voteId: string): void {
    this.#pending.delete(voteId);
  }

  /** An event reached the page at `at`. Duplicates must not be passed in (the tracker drops them). */
  onEvent(event: VoteEvent, at: number): LatencySample {
    const pending = event.voteId === undefined ? undefined : this.#pending.get(event.voteId);
    if (pending !== undefined && event.voteId !== undefined) {
      this.#pending.delete(event.voteId);
      return { kind: 'own', seq: event.seq, ms: Math.max(0, at - pending.clickedAt) };
    }
    return { kind: 'others', seq: event.seq, ms: Math.max(0, at - this.clock.toLocal(event.votedAt)) };
  }

  /** A snapshot as of `seq` reached the page: every own vote it covers is now visible. */
  onSnapshot(seq: number, at: number): LatencySample[] {
    const samples: LatencySample[] = [];
    for (const [voteId, pending] of this.#pending) {
      if (pending.seq !== undefined && pending.seq <= seq) {
        this.#pending.delete(voteId);
        samples.push({ kind: 'own', seq: pending.seq, ms: Math.max(0, at - pending.clickedAt) });
      }
    }
    return samples;
  }
}
