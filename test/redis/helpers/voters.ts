import type { Snapshot, VoteEvent } from '../../../src/feed/types.ts';
import { castVote, type Session } from '../../helpers/server.ts';

/** What a voter saw: votes acknowledged (201) and votes refused, by status. */
export interface VoterResult {
  acknowledged: VoteEvent[];
  refused: { status: number; body: unknown }[];
  /** Requests that never got an answer (the process died under them). */
  lost: number;
}

export function emptyResult(): VoterResult {
  return { acknowledged: [], refused: [], lost: 0 };
}

/**
 * Votes `count` times over HTTP, one vote at a time, with voteIds `${label}-${i}`; every answer is recorded
 * rather than asserted, so tests about failures can judge them. `url()` is asked before every vote, so a
 * voter can move between processes.
 */
export async function vote(
  url: () => string,
  session: Session,
  label: string,
  count: number,
  candidates: readonly string[],
  result: VoterResult = emptyResult(),
  keepGoing: () => boolean = () => true,
): Promise<VoterResult> {
  for (let i = 0; i < count && keepGoing(); i++) {
    const candidateId = candidates[i % candidates.length]!;
    try {
      const { status, body } = await castVote(url(), session, { candidateId, voteId: `${label}-${i}` });
      if (status === 201) {
        result.acknowledged.push((body as { event: VoteEvent }).event);
        continue;
      }
      result.refused.push({ status, body });
    } catch {
      result.lost++;
    }
    // A refused or failed vote is retried later, like a polite client, not in a hot loop.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return result;
}

export function countsOf(snapshot: Snapshot): Record<string, number> {
  return Object.fromEntries(snapshot.candidates.map((c) => [c.id, c.count]));
}

/** Counts as the events say: how many events each candidate has. */
export function tallyOf(events: readonly VoteEvent[], candidates: readonly string[]): Record<string, number> {
  const counts = Object.fromEntries(candidates.map((id) => [id, 0]));
  for (const event of events) counts[event.candidateId] = (counts[event.candidateId] ?? 0) + 1;
  return counts;
}
