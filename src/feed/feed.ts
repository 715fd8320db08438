import type { RedisClient } from './redis-connection.ts';
import type { RedisKeys } from './redis-schema.ts';
import type { CandidateInfo, FeedEntry, Snapshot } from './types.ts';

/** What a voter asks for. Validation of shape happens at the edge; the feed checks meaning. */
export interface VoteInput {
  candidateId: string;
  /** The voter (the session's user): a `voteId` is only ever compared with the same user's. */
  userId: string;
  /**
   * The voter's idempotency key: the same user and `voteId` again within the feed's window (VOTE_ID_WINDOW_MS)
   * counts once and gets the original event back. Without one, every call is a new vote.
   */
  voteId?: string;
}

/** How long a feed remembers a voteId when nothing else is configured (VOTE_ID_WINDOW_MS). */
export const DEFAULT_VOTE_ID_WINDOW_MS = 10 * 60_000;

/** An error of the domain, with a stable code that the edge maps to a status or an error frame. */
export class FeedError extends Error {
  readonly code: 'unknown_candidate' | 'feed_unavailable' | 'vote_id_reused';
  constructor(code: FeedError['code'], message: string) {
    super(message);
    this.name = 'FeedError';
    this.code = code;
  }
}

/**
 * The answer to a repeated voteId: the original entry, unless the repeat names another candidate. Then it is
 * not a retry but a client reusing an id for a new vote; counting it would break the promise and answering
 * with the old event would hide the mistake, so it is refused (nothing changes).
 */
export function replayOf(original: FeedEntry, input: VoteInput): FeedEntry {
  if (original.event.candidateId !== input.candidateId) {
    throw new FeedError(
      'vote_id_reused',
      `voteId "${input.voteId}" was already used for a vote for "${original.event.candidateId}"; a new vote needs a new voteId`,
    );
  }
  return original;
}

/** Where a feed kept in Redis lives, lent to state every process must share as well (the vote limit). */
export interface SharedRedis {
  /** The feed's command connection: commands fail at once or after a timeout while Redis is unreachable. */
  readonly connection: RedisClient;
  /** The feed's key names; anything else stored for it goes under these too. */
  readonly keys: RedisKeys;
}

/** What a resuming client gets: the events it missed, or a snapshot because it is too far behind. */
export type Resume = { kind: 'events'; entries: FeedEntry[] } | { kind: 'snapshot'; snapshot: Snapshot };

export type FeedListener = (entry: FeedEntry) => void;

/** Told the feed started over, with the snapshot of the history that replaced the old one. */
export type FeedResetListener = (snapshot: Snapshot) => void;

/**
 * The vote feed: a ballot, its counts and a strictly increasing sequence of vote events.
 *
 * Reads are synchronous on purpose: every implementation keeps a local mirror (the Redis one follows
 * the shared log), so a transport can take a snapshot or a resume and subscribe in the same tick,
 * which is what makes "no gap, no duplicate" hold without locks.
 */
export interface Feed {
  /** "memory" or "redis": shown in metrics. */
  readonly kind: string;
  readonly candidates: readonly CandidateInfo[];

  /** The seq of the latest event this process has seen (0 before any vote). */
  head(): number;

  /** The current counts, as of `head()`. */
  snapshot(): Snapshot;

  /**
   * Events after `since` when they are all still in the log, else a snapshot.
   * A `since` ahead of the feed (a client from before a restart of an in-memory feed) also gets a snapshot.
   */
  resume(since: number): Resume;

  /**
   * Optional: resolves once this process has seen `seq`, when another process of a shared feed already
   * accepted it (a client reconnecting here may hold a seq this process has not read yet). Never rejects;
   * resolves at once when there is nothing to wait for, and after a short deadline at worst.
   * Transports call it before a resume whose `since` is ahead of `head()`: see src/transports/resume.ts.
   * The memory feed has no other process to wait for and leaves it out.
   */
  catchUp?(seq: number): Promise<void>;

  /**
   * Records a vote and resolves with its entry; a repeated `voteId` of the same user within the window
   * resolves with the original entry and counts nothing. Rejects with FeedError("unknown_candidate"),
   * FeedError("vote_id_reused") (a repeated voteId naming another candidate) or FeedError("feed_unavailable").
   */
  vote(input: VoteInput): Promise<FeedEntry>;

  /** Optional: the Redis a shared feed lives in. The memory feed has none. */
  readonly sharedRedis?: SharedRedis;

  /**
   * The latest round-trip time to the shared store in ms (shown in metrics); undefined while the store is
   * unreachable, and always for the memory feed, which has no store to reach.
   */
  rttMs(): number | undefined;

  /**
   * Calls `listener` for every event from now on, in seq order, exactly once.
   * Transports subscribe once each and fan out to their own clients. Returns an unsubscribe function.
   */
  subscribe(listener: FeedListener): () => void;

  /**
   * Calls `listener` whenever the feed's history was replaced rather than continued: the shared store
   * lost its data (a Redis restarted empty), or this process fell so far behind that it had to reload.
   * The seqs clients hold may then name events that are gone (the new history may even start below
   * them), so each transport hands its live clients the snapshot instead of going on with events.
   * `subscribe` listeners get the events after that snapshot, as usual. The memory feed never starts
   * over. Returns a function that removes the listener.
   */
  onReset(listener: FeedResetListener): () => void;

  /** Stops following and releases connections. Idempotent. */
  close(): Promise<void>;
}
