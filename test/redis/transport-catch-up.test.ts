/**
 * Two servers on one shared Redis feed, in this process: a client that got a seq from one of them may
 * resume on the other before that one's follower has read it. Every transport that resumes from a cursor
 * waits for its feed to catch up rather than taking the cursor for one from before the feed started over.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { DEFAULT_CANDIDATES } from '../../src/feed/ballot.ts';
import type { Config } from '../../src/config.ts';
import { RedisFeed } from '../../src/feed/redis-feed.ts';
import { RawConnection } from '../helpers/raw-http.ts';
import { quietLogger } from '../helpers/quiet.ts';
import { castVote, createSession, startServerForTest, type RunningServer, type Session } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { openSocketForTest } from '../helpers/ws-client.ts';
import { redisServerAvailable, sharedRedisAvailable } from './helpers/needs-redis.ts';
import { PrivateRedis, REDIS_URL, cutFollower, deleteKeys, uniquePrefix } from './helpers/redis.ts';

const prefixes: string[] = [];

afterAll(async () => {
  for (const prefix of prefixes) await deleteKeys(REDIS_URL, prefix);
});

interface TwoServers {
  /** Where the votes are cast. */
  voter: RunningServer;
  /** Where the client resumes; its follower can be cut to make it lag. */
  lagging: RunningServer;
  laggingFeed: RedisFeed;
  /** A session on `voter`. */
  session: Session;
  /** A session on `lagging` (each server signs its own). */
  laggingSession: Session;
  /** Casts a vote on `voter` while `lagging` is provably behind; resolves with its seq. */
  voteWhileLagging: () => Promise<number>;
}

async function twoServersOnOneFeed(label: string, url = REDIS_URL, laggingOverrides: Partial<Config> = {}): Promise<TwoServers> {
  const prefix = uniquePrefix(label);
  if (url === REDIS_URL) prefixes.push(prefix);
  const connectionLabel = `${label}-${process.pid}-${Date.now()}`;
  const open = async (name?: string): Promise<RedisFeed> => {
    const feed = await RedisFeed.connect({
      url,
      candidates: DEFAULT_CANDIDATES,
      keyPrefix: prefix,
      logger: quietLogger,
      ...(name === undefined ? {} : { connectionLabel: name }),
    });
    // Registered before the servers start, so it runs after they closed (last in, first out).
    onTestFinished(() => feed.close());
    return feed;
  };
  const voterFeed = await open();
  const laggingFeed = await open(connectionLabel);
  const voter = await startServerForTest({ votesPerSecond: 0 }, voterFeed);
  const lagging = await startServerForTest({ votesPerSecond: 0, ...laggingOverrides }, laggingFeed);
  const session = await createSession(voter.url);
  const laggingSession = await createSession(lagging.url);
  return {
    voter,
    lagging,
    laggingFeed,
    session,
    laggingSession,
    voteWhileLagging: async () => {
      await cutFollower(url, connectionLabel);
      const { status, body } = await castVote(voter.url, session, { candidateId: 'push' });
      expect(status).toBe(201);
      const seq = (body as { event: { seq: number } }).event.seq;
      // Behind: without waiting, a resume from `seq` would be a snapshot.
      expect(laggingFeed.head()).toBe(seq - 1);
      return seq;
    },
  };
}

describe.runIf(sharedRedisAvailable())('resuming on a server whose shared feed lags behind the client', () => {
  it('a long poll holding a seq the server has not read yet waits for it, then parks there instead of answering a snapshot', async () => {
    const { lagging, laggingSession, voteWhileLagging } = await twoServersOnOneFeed('catch-up-long-poll');
    const seq = await voteWhileLagging();
    const response = await fetch(`${lagging.url}/api/long-poll?client=tab&since=${seq}&timeout=50`, { headers: { cookie: laggingSession.cookie } });
    expect(response.status).toBe(204);
    expect(lagging.app.metrics.collect()['long-polling'].resets).toBe(0);
  });

  it('an SSE stream resuming from a seq the server has not read yet opens without a snapshot', async () => {
    const { lagging, session, voter, voteWhileLagging } = await twoServersOnOneFeed('catch-up-sse');
    const seq = await voteWhileLagging();
    const stream = await RawConnection.open(lagging.url);
    try {
      stream.write(`GET /api/sse HTTP/1.1\r\nHost: ${new URL(lagging.url).host}\r\nLast-Event-ID: ${seq}\r\n\r\n`);
      await castVote(voter.url, session, { candidateId: 'polling' });
      const text = await stream.until((data) => (data.includes(`id: ${seq + 1}\n`) ? data.toString('utf8') : undefined), 'the next vote');
      expect(text).not.toContain('event: snapshot');
    } finally {
      stream.destroy();
    }
  });

  it('a WebSocket resuming from a seq the server has not read yet opens without a snapshot', async () => {
    const { lagging, session, voter, voteWhileLagging } = await twoServersOnOneFeed('catch-up-ws');
    const seq = await voteWhileLagging();
    const peer = await openSocketForTest(lagging.url, `/api/ws?since=${seq}`);
    await castVote(voter.url, session, { candidateId: 'polling' });
    await waitFor('the next vote', () => peer.frames.some((frame) => frame.seq === seq + 1));
    expect(peer.frames.map((frame) => frame.type)).toEqual(['vote']);
  });
});

/**
 * The lagging server starts shutting down while a client's request waits for its feed to catch up: a Redis
 * of the test's own holds every command (CLIENT PAUSE) meanwhile, so the wait outlasts the start of the shutdown.
 */
describe.runIf(redisServerAvailable())('a request that waits for the feed to catch up while the server shuts down', () => {
  async function laggingWhileShuttingDown(label: string): Promise<TwoServers & { seq: number; holdRedis: () => Promise<void> }> {
    const redis = await PrivateRedis.start({ persistence: false });
    onTestFinished(() => redis.dispose());
    // A grace period that outlasts the wait: a request left open by the shutdown is still open, not cut, when the test looks.
    const servers = await twoServersOnOneFeed(label, redis.url, { shutdownGraceMs: 5_000 });
    const seq = await servers.voteWhileLagging();
    return {
      ...servers,
      seq,
      holdRedis: async () => {
        const admin = new Redis(redis.url);
        try {
          await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
        } finally {
          admin.disconnect();
        }
        // Its follower had no time to read the vote before Redis held it.
        expect(servers.laggingFeed.head()).toBe(seq - 1);
      },
    };
  }

  it('answers a long poll that was waiting 204, not parked past the shutdown', async () => {
    const { lagging, laggingSession, seq, holdRedis } = await laggingWhileShuttingDown('closing-long-poll');
    await holdRedis();
    const answer = fetch(`${lagging.url}/api/long-poll?client=tab&since=${seq}&timeout=60000`, { headers: { cookie: laggingSession.cookie } });
    await waitFor('the poll to arrive', () => lagging.app.metrics.collect()['long-polling'].requests === 1);
    const closed = lagging.close();
    expect((await answer).status).toBe(204);
    await closed;
  });

  it('answers an SSE stream that was waiting 503, not opened past the shutdown', async () => {
    const { lagging, seq, holdRedis } = await laggingWhileShuttingDown('closing-sse');
    await holdRedis();
    const stream = await RawConnection.open(lagging.url);
    try {
      stream.write(`GET /api/sse HTTP/1.1\r\nHost: ${new URL(lagging.url).host}\r\nLast-Event-ID: ${seq}\r\n\r\n`);
      await waitFor('the stream request to arrive', () => lagging.app.metrics.collect().sse.requests === 1);
      const closed = lagging.close();
      expect((await stream.response()).status).toBe(503);
      await closed;
    } finally {
      stream.destroy();
    }
  });
});
