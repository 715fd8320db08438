import type { FastifyInstance } from 'fastify';
import { FeedError, type VoteInput } from '../feed/feed.ts';
import type { FeedEntry } from '../feed/types.ts';
import { NO_SESSION_MESSAGE, liveUser, type VerifiedSession } from './session.ts';

/** A vote as the voter sends it, over HTTP or a WebSocket: the voter is the session's user, not a field. */
export type VoteFields = Pick<VoteInput, 'candidateId' | 'voteId'>;

/** Why a vote was refused: a stable code, which each edge turns into its own form (a status, an error frame). */
export type VoteRefusalCode = 'no_session' | 'rate_limited' | FeedError['code'];

export type VoteOutcome = { ok: true; entry: FeedEntry } | { ok: false; code: VoteRefusalCode; message: string };

/**
 * Takes a vote, whichever edge it came by (POST /api/votes, a WebSocket vote frame): the session its request
 * carried (`verifiedSessionOf`) names the voter while it holds, the per-user vote limit applies, then the feed records it. A repeated voteId of the same
 * user within the window gets its original entry and counts nothing. Refusals come back with their code;
 * anything else (a bug) is thrown.
 */
export async function castVote(app: FastifyInstance, session: VerifiedSession | null, vote: VoteFields): Promise<VoteOutcome> {
  const userId = liveUser(session);
  if (userId === null) return { ok: false, code: 'no_session', message: NO_SESSION_MESSAGE };
  if (!(await app.voteLimiter(userId))) {
    return { ok: false, code: 'rate_limited', message: `At most ${app.config.votesPerSecond} votes per second per user` };
  }
  const { candidateId, voteId } = vote;
  try {
    const entry = await app.feed.vote(voteId === undefined ? { candidateId, userId } : { candidateId, userId, voteId });
    return { ok: true, entry };
  } catch (error) {
    if (error instanceof FeedError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}
