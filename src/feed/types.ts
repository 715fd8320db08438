/**
 * The types the feed works with. The wire types (see docs/protocol.md, "Data types") are defined once, as
 * schemas, in src/contract.ts; they are re-exported here for the feed and the transports.
 */
import type { VoteEvent } from '../contract.ts';

export type { Candidate, CandidateInfo, ErrorBody, Snapshot, VoteEvent } from '../contract.ts';

/**
 * A vote event as the feed hands it to transports: the event and its JSON text, serialized once
 * for every subscriber of every transport.
 */
export interface FeedEntry {
  readonly event: VoteEvent;
  readonly json: string;
}
