import { now } from './clock.ts';
import { makeEntry } from './feed-entry.ts';
import { FeedMirror } from './feed-mirror.ts';
import { DEFAULT_VOTE_ID_WINDOW_MS, replayOf, type VoteInput } from './feed.ts';
import { MirroredFeed } from './mirrored-feed.ts';
import { RecentVotes } from './recent-votes.ts';
import type { CandidateInfo, FeedEntry } from './types.ts';

export interface MemoryFeedOptions {
  candidates: readonly CandidateInfo[];
  /** How many recent events are kept for resuming clients. @default 1000 */
  logSize?: number;
  /** Told when a listener throws (the others still get the event). @default console.error */
  onListenerError?: (error: unknown) => void;
  /** How long a user's voteId is remembered (a repeat within it counts once). @default 600000 (10 minutes) */
  voteIdWindowMs?: number;
  /** At most this many voteIds are remembered; beyond, the oldest is forgotten early. @default 100000 */
  voteIdCapacity?: number;
}

/** A few tens of MB at most (an entry, its JSON and its key each): ten minutes of about 160 votes per second. */
const DEFAULT_VOTE_ID_CAPACITY = 100_000;

/**
 * The embedded feed: one process, nothing to install. Counts and the log live in this process, which is
 * its own store: it never starts over while it runs (its reset listeners are never told).
 */
export class MemoryFeed extends MirroredFeed {
  readonly kind = 'memory';
  readonly #recentVotes: RecentVotes;

  constructor(options: MemoryFeedOptions) {
    const onListenerError = options.onListenerError ?? ((error: unknown) => console.error('votewire: a feed listener failed', error));
    super(options.candidates, new FeedMirror(options.candidates, options.logSize ?? 1000, onListenerError));
    this.#recentVotes = new RecentVotes(options.voteIdWindowMs ?? DEFAULT_VOTE_ID_WINDOW_MS, options.voteIdCapacity ?? DEFAULT_VOTE_ID_CAPACITY);
  }

  async vote(input: VoteInput): Promise<FeedEntry> {
    const { candidateId, userId, voteId } = input;
    this.requireCandidate(candidateId);
    if (voteId !== undefined) {
      const original = this.#recentVotes.find(userId, voteId);
      if (original !== undefined) return replayOf(original, input);
    }
    const entry = makeEntry(this.mirror.head + 1, candidateId, this.mirror.count(candidateId) + 1, now(), voteId);
    this.mirror.apply(entry);
    if (voteId !== undefined) this.#recentVotes.remember(userId, voteId, entry);
    return entry;
  }

  /** The memory feed is its own store: there is no round trip to measure. */
  // Stryker disable next-line BlockStatement: an empty body returns undefined too
  rttMs(): undefined {
    return undefined;
  }

  async close(): Promise<void> {
    this.mirror.clearListeners();
  }
}
