import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';

/** Says whether this user may vote now. One limiter serves HTTP votes and WebSocket vote frames alike. */
export type VoteLimiter = (userId: string) => Promise<boolean>;

/**
 * What the limiter hands @fastify/rate-limit's check in place of a request: the user to count, and the
 * route options it reads a group id from. A WebSocket votes long after its upgrade request, which the
 * connection does not keep (it would hold the request's buffers for as long as the socket is open).
 */
interface VoterKey {
  userId: string;
  routeOptions: { config: Record<string, never> };
}

declare module 'fastify' {
  interface FastifyInstance {
    voteLimiter: VoteLimiter;
  }
}

/**
 * Per-user vote limit, VOTES_PER_SECOND in a one-second window (0 turns it off, as the bench does).
 * Keyed by the session's user, not the IP: many users may share one address behind a NAT.
 *
 * On a feed kept in Redis the counters live there too (under the feed's prefix, on the feed's command
 * connection), so a user gets VOTES_PER_SECOND across all processes, not that many per process.
 * When Redis cannot answer the limiter, the vote is not refused by the limit (`skipOnError`): it goes on
 * to the feed, which answers 503 feed_unavailable while Redis is unreachable. A limiter that failed
 * closed would refuse the same votes with a less truthful error; one that failed with a 500 would be worse.
 */
const voteLimiterPlugin: FastifyPluginAsync<{ votesPerSecond: number }> = async (app, { votesPerSecond }) => {
  if (votesPerSecond === 0) {
    app.decorate('voteLimiter', async () => true);
    return;
  }
  const shared = app.feed.sharedRedis;
  await app.register(
    rateLimit,
    shared === undefined ? { global: false } : { global: false, redis: shared.connection, nameSpace: shared.keys.voteLimit, skipOnError: true },
  );
  const check = app.createRateLimit({
    max: votesPerSecond,
    timeWindow: 1000,
    // The check is only ever given a VoterKey (below); its type says FastifyRequest.
    keyGenerator: (request) => (request as unknown as VoterKey).userId,
  });
  // `isAllowed` in the result means "on the allow list", not "under the limit": read isExceeded.
  app.decorate('voteLimiter', async (userId: string) => {
    const key: VoterKey = { userId, routeOptions: { config: {} } };
    const result = await check(key as unknown as FastifyRequest);
    return result.isAllowed || !result.isExceeded;
  });
};

export default fp(voteLimiterPlugin, { name: 'votewire-vote-limiter', dependencies: ['votewire-context', 'votewire-session'] });
