import { Tally } from './ballot.ts';
import { now } from './clock.ts';
import { EventLog } from './event-log.ts';
import { FeedError, type Feed, type FeedListener, type Resume, type VoteInput } from './feed.ts';
import type { CandidateInfo, FeedEntry, Snapshot, VoteEvent } from './types.ts';

export interface MemoryFeedOptions {
  candidates: readonly CandidateInfo[];
  /** How many recent events are kept for resuming clients. @default 1000 */
  logSize?: number;
  /** Told when a listener throws (the others still get the event). @default console.error */
  onListenerError?: (error: unknown) => void;
}

/** The embedded feed: one process, nothing to install. Counts and the log live in this process. */
export class MemoryFeed implements Feed {
  readonly kind = 'memory';
  readonly candidates: readonly CandidateInfo[];
  readonly #tally: Tally;
  readonly #log: EventLog;
  readonly #listeners = new Set<FeedListener>();
  #seq = 0;
  #snapshotCache: Snapshot | undefined;
  readonly #onListenerError: (error: unknown) => void;

  constructor(options: MemoryFeedOptions) {
    this.candidates = options.candidates;
    this.#tally = new Tally(options.candidates);
    this.#log = new EventLog(options.logSize ?? 1000);
    this.#onListenerError = options.onListenerError ?? ((error) => console.error('votewire: a feed listener failed', error));
  }

  head(): number {
    return this.#seq;
  }

  snapshot(): Snapshot {
    // One snapshot object per seq: pollers of an unchanged ballot share it.
    if (this.#snapshotCache?.seq !== this.#seq) {
      this.#snapshotCache = { type: 'snapshot', seq: this.#seq, candidates: this.#tally.candidates(), at: now() };
    }
    return this.#snapshotCache;
  }

  resume(since: number): Resume {
    if (since <= this.#seq) {
      const entries = this.#log.after(since, this.#seq);
      if (entries !== undefined) return { kind: 'events', entries };
    }
    return { kind: 'snapshot', snapshot: this.snapshot() };
  }

  async vote(input: VoteInput): Promise<FeedEntry> {
    if (!this.#tally.has(input.candidateId)) {
      throw new FeedError('unknown_candidate', `There is no candidate "${input.candidateId}" on this ballot`);
    }
    const count = this.#tally.get(input.candidateId) + 1;
    this.#tally.set(input.candidateId, count);
    const event: VoteEvent = {
      type: 'vote',
      seq: ++this.#seq,
      candidateId: input.candidateId,
      count,
      votedAt: now(),
    };
    if (input.voteId !== undefined) event.voteId = input.voteId;
    const entry: FeedEntry = { event, json: JSON.stringify(event) };
    this.#log.append(entry);
    this.#emit(entry);
    return entry;
  }

  #emit(entry: FeedEntry): void {
    for (const listener of this.#listeners) {
      try {
        listener(entry);
      } catch (error) {
        // One transport's failure must not keep the event from the others; the vote itself stands.
        this.#onListenerError(error);
      }
    }
  }

  subscribe(listener: FeedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}
