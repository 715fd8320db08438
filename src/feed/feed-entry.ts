import type { FeedEntry, VoteEvent } from './types.ts';

/**
 * The feed entry of one vote: the event and its JSON, serialized here once for every subscriber. Every
 * feed, and every process of a shared one, builds entries with this one function from the same fields,
 * so the JSON that goes out is byte-for-byte the same whichever feed or process delivers it.
 */
export function makeEntry(seq: number, candidateId: string, count: number, votedAt: number, voteId: string | undefined): FeedEntry {
  const event: VoteEvent = { type: 'vote', seq, candidateId, count, votedAt };
  if (voteId !== undefined) event.voteId = voteId;
  return { event, json: JSON.stringify(event) };
}
