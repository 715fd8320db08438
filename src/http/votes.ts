import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { VoteRequest } from '../contract.ts';
import { HttpError } from './errors.ts';
import { verifiedSessionOf } from './session.ts';
import { castVote, type VoteRefusalCode } from './vote-intake.ts';

/** The status of each refusal on the HTTP edge. */
const REFUSAL_STATUS: Record<VoteRefusalCode, number> = {
  no_session: 401,
  rate_limited: 429,
  unknown_candidate: 404,
  vote_id_reused: 422,
  feed_unavailable: 503,
};

/** POST /api/votes: the HTTP edge of the vote intake (src/http/vote-intake.ts). */
const votesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // No `response` schema: the answer is the feed's prepared JSON (a VoteReply), not serialized again.
  app.post('/api/votes', { schema: { body: VoteRequest } }, async function castVoteOverHttp(request, reply) {
    const outcome = await castVote(app, verifiedSessionOf(request), request.body);
    if (!outcome.ok) {
      // The window is one second: a client that honours Retry-After gets in on its next try.
      if (outcome.code === 'rate_limited') reply.header('retry-after', '1');
      throw new HttpError(REFUSAL_STATUS[outcome.code], outcome.code, outcome.message);
    }
    // A repeated voteId gets the same answer as its first try: 201 and the original event.
    // The event's JSON was made once by the feed; wrap it rather than serialize it again.
    return reply.code(201).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(`{"event":${outcome.entry.json}}`);
  });
};

export default votesRoutes;
