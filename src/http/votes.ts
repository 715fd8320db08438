import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { FeedError } from '../feed/feed.ts';
import { HttpError } from './errors.ts';
import { requireUser } from './session.ts';

export const VoteBody = Type.Object(
  {
    candidateId: Type.String({ minLength: 1, maxLength: 64 }),
    voteId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

/** Maps the feed's domain errors to HTTP. */
export function httpErrorFromFeed(error: unknown): unknown {
  if (error instanceof FeedError) {
    return error.code === 'unknown_candidate'
      ? new HttpError(404, error.code, error.message)
      : new HttpError(503, error.code, error.message);
  }
  return error;
}

const votesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/api/votes', { schema: { body: VoteBody } }, async function castVote(request, reply) {
    requireUser(request);
    if (!(await app.voteLimiter(request))) {
      // The window is one second: a client that honours Retry-After gets in on its next try.
      reply.header('retry-after', '1');
      throw new HttpError(429, 'rate_limited', `At most ${app.config.votesPerSecond} votes per second per user`);
    }
    try {
      const entry = await app.feed.vote(request.body);
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
