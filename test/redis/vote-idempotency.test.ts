/**
 * On the Redis feed, a voteId counts once across every process sharing the feed (the check is inside the
 * vote script), a vote refused with 503 while Redis stalled and then retried counts once, and the vote
 * limit is one limit across processes. Real server processes or a real listening server, real sockets,
 * real Redis.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { OpenLoopVoter } from '../../bench/load/voter.ts';
import { makeConfig } from '../../src/config.ts';
import { RedisFeed } from '../../src/feed/redis-feed.ts';
import { redisKeys, streamIdOf } from '../../src/feed/redis-schema.ts';
import type { VoteEvent } from '../../src/feed/types.ts';
import { quietLogger } from '../helpers/quiet.ts';
import { ballot, castVote, createSession, startServer, type RunningServer, type Session } from '../helpers/server.ts';
import { openSocket, type OpenSocket } from '../helpers/ws-client.ts';
import { PrivateRedis, REDIS_URL, deleteKeys, uniquePrefix } from './helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';
import { ServerProcess, killAllServerProcesses, newSecret } from './helpers/server-process.ts';

const prefixes: string[] = [];
const sockets: OpenSocket[] = [];
const cleanups: (() => void | Promise<void>)[] = [];

/** n processes on the shared Redis with a fresh prefix and one session secret. */
async function startProcesses(n: number, label: string, env: Record<string, string> = {}): Promise<{ processes: ServerProcess[]; prefix: string }> {
  const prefix = uniquePrefix(label);
  prefixes.push(prefix);
  const secret = newSecret();
  const processes = await Promise.all(Array.from({ length: n }, () => ServerProcess.start({ feed: REDIS_URL, prefix, secret, env })));
  return { processes, prefix };
}

async function connect(url: string, cookie: string): Promise<OpenSocket> {
  const opened = await openSocket(url, '/api/ws', { headers: { cookie } });
  sockets.push(opened);
  return opened;
}

/** A connection of the test's own to a Redis, closed after the test. */
function inspect(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 0 });
  cleanups.push(() => redis.disconnect());
  return redis;
}

function eventOf(body: unknown): VoteEvent {
  return (body as { event: VoteEvent }).event;
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.socket.terminate();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await killAllServerProcesses();
});

afterAll(async () => {
  await killAllServerProcesses();
  for (const prefix of prefixes) await deleteKeys(REDIS_URL, prefix);
});

// Each real server process takes seconds to start on a busy CI machine: more room than the default 30 s.
describe('a repeated voteId on the Redis feed', { timeout: 90_000 }, () => {
  it('counts once across two server processes, over HTTP and WebSocket, and is remembered for a bounded time', async () => {
    const { processes, prefix } = await startProcesses(2, 'idempotent');
    const [a, b] = processes as [ServerProcess, ServerProcess];
    const ann = await createSession(a.url, 'Ann');
    const bob = await createSession(b.url, 'Bob');
    const annOnB = await connect(b.url, ann.cookie);

    const first = await castVote(a.url, ann, { candidateId: 'push', voteId: 'twice' });
    const retried = await castVote(b.url, ann, { candidateId: 'push', voteId: 'twice' });
    expect(first.status).toBe(201);
    expect(eventOf(first.body)).toMatchObject({ seq: 1, candidateId: 'push', count: 1, voteId: 'twice' });
    expect(retried).toEqual(first);
    // Another user's voteId is another vote.
    const bobs = await castVote(b.url, bob, { candidateId: 'push', voteId: 'twice' });
    expect(eventOf(bobs.body)).toMatchObject({ seq: 2, count: 2 });
    // The same voteId as a frame on the other process: nothing new. Then a new one: seq 3.
    annOnB.socket.send(JSON.stringify({ type: 'vote', candidateId: 'push', voteId: 'twice' }));
    annOnB.socket.send(JSON.stringify({ type: 'vote', candidateId: 'push', voteId: 'fresh' }));
    await waitFor('the fresh vote to reach the socket', () => annOnB.frames.some((f) => f.voteId === 'fresh'));
    expect(annOnB.frames.filter((f) => f.type === 'vote').map((f) => [f.seq, f.voteId])).toEqual([
      [1, 'twice'],
      [2, 'twice'],
      [3, 'fresh'],
    ]);
    expect(annOnB.frames.filter((f) => f.type === 'error')).toEqual([]);
    for (const server of [a, b]) {
      const snapshot = await waitFor(
        'the ballot at seq 3',
        async () => {
          const current = await ballot(server.url);
          return current.seq === 3 ? current : undefined;
        },
        { retryOnError: true },
      );
      expect(snapshot.candidates.find((c) => c.id === 'push')?.count).toBe(3);
    }

    // Redis remembers each voteId under the feed's prefix, and forgets it after the window (10 minutes).
    const redis = inspect(REDIS_URL);
    const ttl = await redis.pttl(redisKeys(prefix).vote(ann.userId, 'twice'));
    expect(ttl).toBeGreaterThan(500_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
  });

  it('answers with the original event after it has left every log and the stream', async () => {
    const { processes, prefix } = await startProcesses(1, 'idempotent-trimmed', { LOG_SIZE: '2' });
    const [a] = processes as [ServerProcess];
    const session = await createSession(a.url);
    const first = await castVote(a.url, session, { candidateId: 'polling', voteId: 'early' });
    for (let i = 0; i < 4; i++) await castVote(a.url, session, { candidateId: 'push', voteId: `later-${i}` });
    // As if the stream cap had trimmed it: the process's log (2 entries) and the stream no longer hold seq 1.
    const redis = inspect(REDIS_URL);
    expect(await redis.xdel(redisKeys(prefix).events, streamIdOf(1))).toBe(1);

    expect(await castVote(a.url, session, { candidateId: 'polling', voteId: 'early' })).toEqual(first);
    expect((await ballot(a.url)).seq).toBe(5);
  });
});

describe('a vote answered 503 while Redis stalled', { timeout: 60_000 }, () => {
  let redis: PrivateRedis | undefined;
  afterAll(async () => {
    await redis?.dispose();
  });

  /** A listening server on a Redis of the test's own, whose votes time out after 300 ms (2 s by default). */
  async function startOnPrivateRedis(keyPrefix: string, overrides: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
    redis ??= await PrivateRedis.start();
    const feed = await RedisFeed.connect({ url: redis.url, candidates: makeConfig().candidates, keyPrefix, commandTimeoutMs: 300, logger: quietLogger });
    cleanups.push(() => feed.close());
    const server = await startServer(overrides, feed);
    cleanups.push(() => server.close());
    return server;
  }

  it('may have been counted, and its retry with the same voteId gets the original event: counted once', async () => {
    // The vote limit is on: while Redis stalls it steps aside, and the vote gets the feed's 503.
    const server = await startOnPrivateRedis('stall:');
    const session: Session = await createSession(server.url);
    const watcher = await connect(server.url, session.cookie);
    const admin = inspect(redis!.url);

    // Redis holds every write (the vote script, the vote limit's counter) until unpaused.
    await admin.call('CLIENT', 'PAUSE', '20000', 'WRITE');
    let unpaused = false;
    cleanups.push(async () => {
      if (!unpaused) await admin.call('CLIENT', 'UNPAUSE');
    });
    const refused = await castVote(server.url, session, { candidateId: 'push', voteId: 'in-doubt' });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: 'feed_unavailable' });
    await admin.call('CLIENT', 'UNPAUSE');
    unpaused = true;

    // The refused vote was already on its way: Redis runs it once it is unpaused.
    await waitFor('the refused vote to be counted after all', async () => (await ballot(server.url)).seq === 1, { retryOnError: true });
    const retried = await castVote(server.url, session, { candidateId: 'push', voteId: 'in-doubt' });
    expect(retried.status).toBe(201);
    expect(eventOf(retried.body)).toMatchObject({ seq: 1, candidateId: 'push', count: 1, voteId: 'in-doubt' });

    const next = await castVote(server.url, session, { candidateId: 'push', voteId: 'after' });
    expect(eventOf(next.body)).toMatchObject({ seq: 2, count: 2 });
    await waitFor('the watcher to see seq 2', () => watcher.frames.some((f) => f.seq === 2));
    expect(watcher.frames.filter((f) => f.type === 'vote').map((f) => [f.seq, f.voteId])).toEqual([
      [1, 'in-doubt'],
      [2, 'after'],
    ]);
  });
  it('is sent again by the bench voter with the same voteId until it is confirmed, and counts once', async () => {
    const server = await startOnPrivateRedis('stall-bench:', { votesPerSecond: 0 });
    const session = await createSession(server.url);
    // Writes wait 1.2 s: the vote's first tries get 503 after 300 ms each, and the voter keeps trying
    // (five tries with backoff take well over 1.2 s) until Redis runs the held scripts.
    await inspect(redis!.url).call('CLIENT', 'PAUSE', '1200', 'WRITE');
    const voter = new OpenLoopVoter({ baseUrl: server.url, cookie: session.cookie, rate: 1000, count: 1, candidateIds: ['push'], idPrefix: 'bench' });
    cleanups.push(() => voter.close());
    await voter.run();
    expect(voter.votes).toEqual([expect.objectContaining({ voteId: 'bench-0', seq: 1 })]);
    expect(voter.votes[0]?.error).toBeUndefined();
    const snapshot = await ballot(server.url);
    expect(snapshot.seq).toBe(1);
    expect(snapshot.candidates.find((c) => c.id === 'push')?.count).toBe(1);
  });
});

describe('the vote limit on the Redis feed', { timeout: 90_000 }, () => {
  it('is one limit across processes: a user alternating between two gets 429 after VOTES_PER_SECOND in all', async () => {
    const { processes, prefix } = await startProcesses(2, 'vote-limit', { VOTES_PER_SECOND: '3' });
    const [a, b] = processes as [ServerProcess, ServerProcess];
    // Each process's first vote loads the route and the scripts: done by another user, so the measured
    // votes below take milliseconds, well inside one window.
    for (const server of [a, b]) {
      const warmUp = await createSession(server.url);
      expect((await castVote(server.url, warmUp, { candidateId: 'push', voteId: 'warm-up' })).status).toBe(201);
    }
    const session = await createSession(a.url);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const server = i % 2 === 0 ? a : b;
      statuses.push((await castVote(server.url, session, { candidateId: 'push', voteId: `limited-${i}` })).status);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);

    // The counters are in Redis, under the feed's prefix.
    const keys: string[] = [];
    const stream = inspect(REDIS_URL).scanStream({ match: `${redisKeys(prefix).voteLimit}*`, count: 1000 });
    for await (const batch of stream) keys.push(...(batch as string[]));
    expect(keys.some((key) => key.endsWith(session.userId))).toBe(true);
  });
});
