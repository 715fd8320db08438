import type { FeedMirror } from './feed-mirror.ts';
import { FeedError, type Feed, type FeedListener, type FeedResetListener, type Resume, type VoteInput } from './feed.ts';
import type { CandidateInfo, FeedEntry, Snapshot } from './types.ts';

/**
 * What every feed shares: the Feed's reads and subscriptions, answered from the local mirror, and the
 * check that a vote names a candidate on the ballot. A feed adds how votes are recorded and how its
 * mirror moves forward (the memory feed applies its own votes; the Redis feed's follower applies the
 * shared stream).
 */
export abstract class MirroredFeed implements Feed {
  abstract readonly kind: string;
  readonly candidates: readonly CandidateInfo[];
  /** The local copy every read comes from. */
  protected readonly mirror: FeedMirror;

  constructor(candidates: readonly CandidateInfo[], mirror: FeedMirror) {
    this.candidates = candidates;
    this.mirror = mirror;
  }

  head(): number {
    return this.mirror.head;
  }

  snapshot(): Snapshot {
    return this.mirror.snapshot();
  }

  resume(since: number): Resume {
    return this.mirror.resume(since);
  }

  subscribe(listener: FeedListener): () => void {
    return this.mirror.subscribe(listener);
  }

  onReset(listener: FeedResetListener): () => void {
    return this.mirror.onReset(listener);
  }

  abstract vote(input: VoteInput): Promise<FeedEntry>;
  abstract rttMs(): number | undefined;
  abstract close(): Promise<void>;

  /** Throws FeedError("unknown_candidate") unless the candidate is on the ballot. */
  protected requireCandidate(candidateId: string): void {
    if (!this.mirror.has(candidateId)) {
      throw new FeedError('unknown_candidate', `There is no candidate "${candidateId}" on this ballot`);
    }
  }
}
