import type { CandidateInfo, FeedEntry, Snapshot } from './types.ts';

/** What a voter asks for. Validation of shape happens at the edge; the feed checks meaning. */
export interface VoteInput {
  candidateId: string;
  voteId?: string;
}

/** An error of the domain, with a stable code that the edge maps to a status or an error frame. */
export class FeedError extends Error {
  readonly code: 'unknown_candidate' | 'feed_unavailable';
  constructor(code: FeedError['code'], message: string) {
    super(message);
    this.name = 'FeedError';
    this.code = code;
  }
}

/** What a resuming client gets: the events it missed, or a snapshot because it is too far behind. */
export type Resume =
  | { kind: 'events'; entries: FeedEntry[] }
  | { kind: 'snapshot'; snapshot: Snapshot };

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
   * Transports call it before a resume whose `since` is ahead of `head()`:
   * `await catchUpTo(feed, since)` then `resume(since)` + `subscribe` in one tick.
   * The memory feed has no other process to wait for and leaves it out.
   */
  catchUp?(seq: number): Promise<void>;

  /** Records a vote. Rejects with FeedError("unknown_candidate") or FeedError("feed_unavailable"). */
  vote(input: VoteInput): Promise<FeedEntry>;

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

/**
 * Waits until this process's feed has seen `since`, when a client holds a seq another process of a
 * shared feed accepted a moment ago. Returns at once otherwise (and always for the memory feed).
 */
export async function catchUpTo(feed: Feed, since: number | undefined): Promise<void> {
  if (since !== undefined && since > feed.head()) await feed.catchUp?.(since);
}
