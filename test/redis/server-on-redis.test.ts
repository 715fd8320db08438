/**
 * Servers in this process on a Redis feed: the per-user vote limit kept in Redis (shared by every server on
 * the feed), the feed's round-trip time in /api/metrics, and a vote while Redis is down. The test runs its
 * own redis-server, so that it may kill it.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CANDIDATES } from '../../src/feed/ballot.ts';
import { RedisFeed } from '../../src/feed/redis-feed.ts';
import { quietLogger } from '../helpers/quiet.ts';
import { castVote, createSession, startServerForTest } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { redisServerAvailable } from './helpers/needs-redis.ts';
import { PrivateRedis } from './helpers/redis.ts';

const PREFIX = 'on-redis:';
/** Both servers accept each other's sessions. */
const SESSION_SECRET = 'a secret the two servers share, 32+ chars';

describe.runIf(redisServerAvailable())('servers in this process on a Redis feed', () => {
  let redis: PrivateRedis;
  const feeds: RedisFeed[] = [];

  beforeAll(async () => {
    redis = await PrivateRedis.start({ persistence: false });
    // Runs after afterAll, once the feeds are closed.
    return () => redis.dispose();
  });

  afterAll(async () => {
    await Promise.all(feeds.map((feed) => feed.close()));
  });

  async function feed(): Promise<RedisFeed> {
    const made = await RedisFeed.connect({
      url: redis.url,
      candidates: DEFAULT_CANDIDATES,
      keyPrefix: PREFIX,
      logger: quietLogger,
      commandTimeoutMs: 1000,
      pingIntervalMs: 100,
    });
    feeds.push(made);
    return made;
  }

  it('counts VOTES_PER_SECOND per user across every server on the feed, in Redis under its prefix', async () => {
    const config = { votesPerSecond: 1, sessionSecret: SESSION_SECRET };
    const a = await startServerForTest(config, await feed());
    const b = await startServerForTest(config, await feed());
    const session = await createSession(a.url);
    expect((await castVote(a.url, session, { candidateId: 'push' })).status).toBe(201);
    // The same second, on the other server: the user has had the one vote already.
    expect((await castVote(b.url, session, { candidateId: 'push' })).status).toBe(429);
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys('*vote-limit:*');
      expect(keys.filter((key) => key.startsWith(`{${PREFIX}}vote-limit:`) && key.endsWith(session.userId))).toHaveLength(1);
    } finally {
      client.disconnect();
    }
    // The limit is the votes' alone: other routes carry no rate-limit headers.
    const ballot = await fetch(`${a.url}/api/ballot`);
    expect([...ballot.headers.keys()].filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);
  });

  it("reports the feed's round-trip time to Redis in /api/metrics", async () => {
    const server = await startServerForTest({}, await feed());
    const rttMs = await waitFor('a round trip measured', async () => {
      const body = (await (await fetch(`${server.url}/api/metrics`)).json()) as { feed: { kind: string; rttMs?: number } };
      return body.feed.rttMs;
    });
    expect(rttMs).toBeGreaterThanOrEqual(0);
  });

  // Last: it kills the test's Redis.
  it('answers a vote 503 feed_unavailable while Redis is down, the vote limit letting it through to the feed', async () => {
    const server = await startServerForTest({ votesPerSecond: 5 }, await feed());
    const session = await createSession(server.url);
    expect((await castVote(server.url, session, { candidateId: 'push' })).status).toBe(201);
    await redis.kill();
    const refused = await castVote(server.url, session, { candidateId: 'push' });
    expect(refused).toMatchObject({ status: 503, body: { error: 'feed_unavailable' } });
  });
});
