import type { Snapshot, VoteEvent } from '../../src/feed/types.ts';

export function snapshot(seq: number, counts: Record<string, number> = { a: 0, b: 0 }): Snapshot {
  return {
    type: 'snapshot',
    seq,
    candidates: Object.entries(counts).map(([id, count]) => ({ id, name: id.toUpperCase(), count })),
    at: 1000,
  };
}

export function vote(seq: number, candidateId: string, count: number, extra: Partial<VoteEvent> = {}): VoteEvent {
  return { type: 'vote', seq, candidateId, count, votedAt: 1000 + seq, ...extra };
}
