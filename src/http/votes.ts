import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { VoteRequest } from '../contract.ts';
import { FeedError } from '../feed/feed.ts';
import { HttpError } from './errors.ts';
import { requireUser } from './session.ts';

const FEED_ERROR_STATUS: Record<FeedError['code'], number> = {
  unknown_candidate: 404,
  vote_id_reused: 422,
  feed_unavailable: 503,
};

/** Maps the feed's domain errors to HTTP. */
export function httpErrorFromFeed(error: unknown): unknown {
  if (error instanceof FeedError) return new HttpError(FEED_ERROR_STATUS[error.code], error.code, error.message);
  return error;
}

const votesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // No `response` schema: the answer is the feed's prepared JSON (a VoteReply), not serialized again.
  app.post('/api/votes', { schema: { body: VoteRequest } }, async function castVote(request, reply) {
    const userId = requireUser(request);
    if (!(await app.voteLimiter(request))) {
      // The window is one second: a client that honours Retry-After gets in on its next try.
      reply.header('retry-after', '1');
      throw new HttpError(429, 'rate_limited', `At most ${app.config.votesPerSecond} votes per second per user`);
    }
    try {
      const entry = await app.feed.vote({ ...request.body, userId });
      // A repeated voteId gets the same answer as its first try: 201 and the original event.
      // The event's JSON was made once by the feed; wrap it rather than serialize it again.
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .type('application/json; charset=utf-8')
        .send(`{"event":${entry.json}}`);
    } catch (error) {
      throw httpErrorFromFeed(error);
    }
  });
};

export default votesRoutes;
