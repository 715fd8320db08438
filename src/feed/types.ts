/**
 * The wire types of the vote feed (see docs/protocol.md, "Data types").
 * These are plain data: the domain, every transport, the demo and the bench share them.
 */

export interface CandidateInfo {
  id: string;
  name: string;
}

export interface Candidate extends CandidateInfo {
  count: number;
}

export interface Snapshot {
  type: 'snapshot';
  seq: number;
  candidates: Candidate[];
  /** Server time (ms since the epoch, fractional) when the snapshot was taken. */
  at: number;
}

export interface VoteEvent {
  type: 'vote';
  seq: number;
  candidateId: string;
  /** The candidate's count after this vote. */
  count: number;
  /** Server time (ms since the epoch, fractional) when the vote was accepted. */
  votedAt: number;
  voteId?: string;
}

export interface ErrorBody {
  /** A stable machine code, e.g. "unknown_candidate". */
  error: string;
  message: string;
}

/**
 * A vote event as the feed hands it to transports: the event and its JSON text, serialized once
 * for every subscriber of every transport.
 */
export interface FeedEntry {
  readonly event: VoteEvent;
  readonly json: string;
}
