import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { DEFAULT_CANDIDATES } from '../../src/feed/ballot.ts';
import { FeedError } from '../../src/feed/feed.ts';
import { RedisFeed } from '../../src/feed/redis-feed.ts';
import type { FeedEntry } from '../../src/feed/types.ts';
import { ignore, quietLogger } from '../helpers/quiet.ts';
import { redisServerAvailable } from './helpers/needs-redis.ts';
import { PrivateRedis } from './helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';

const ballot = DEFAULT_CANDIDATES.map((c) => c.id);

/**
 * Redis dies (SIGKILL) while two feeds are voting, and comes back on the same port and data folder.
 * This runs against a redis-server of its own, so it may kill it.
 */
describe.runIf(redisServerAvailable())('RedisFeed when Redis goes away and comes back', { timeout: 60_000 }, () => {
  let redis: PrivateRedis;
  const feeds: RedisFeed[] = [];

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    // Runs after afterAll, once the feeds are closed.
    return () => redis.dispose();
  });

  afterAll(async () => {
    await Promise.all(feeds.map((feed) => feed.close()));
  });

  it('rejects votes with feed_unavailable while down, keeps everything acknowledged, and resumes without gaps or duplicates', async () => {
    for (let i = 0; i < 2; i++) {
      feeds.push(
        await RedisFeed.connect({
          url: redis.url,
          candidates: DEFAULT_CANDIDATES,
          keyPrefix: 'outage:',
          logger: quietLogger,
          commandTimeoutMs: 1000,
          catchUpTimeoutMs: 500,
          pingIntervalMs: 100,
        }),
      );
    }
    const seen = feeds.map((feed) => {
      const entries: FeedEntry[] = [];
      feed.subscribe((entry) => entries.push(entry));
      return entries;
    });

    // Two voters, one per feed, voting without pause through the whole run.
    const acknowledged: FeedEntry[] = [];
    const rejections: FeedError[] = [];
    let running = true;
    const voters = feeds.map(async (feed, f) => {
      for (let i = 0; running; i++) {
        try {
          acknowledged.push(await feed.vote({ userId: 'tester', candidateId: ballot[i % ballot.length]!, voteId: `f${f}-${i}` }));
        } catch (error) {
          if (!(error instanceof FeedError)) throw error;
          rejections.push(error);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    });

    await waitFor('votes before the outage', () => acknowledged.length >= 40);
    await redis.kill();
    const rejectedBefore = rejections.length;
    await waitFor('votes to be refused while Redis is down', () => rejections.length >= rejectedBefore + 5);
    expect(rejections.every((e) => e.code === 'feed_unavailable')).toBe(true);
    await waitFor('the feeds to notice', () => feeds.every((f) => !f.available() && f.rttMs() === undefined));
    const acknowledgedWhileDown = acknowledged.length;

    await redis.restart();
    await waitFor('votes to be accepted again', () => acknowledged.length >= acknowledgedWhileDown + 40, { timeoutMs: 10_000 });
    running = false;
    await Promise.all(voters);

    // Every vote Redis acknowledged is in the shared log, once; votes refused before reaching Redis are not.
    const final = Math.max(...acknowledged.map((e) => e.event.seq));
    await waitFor('both followers to catch up', () => feeds.every((f) => f.head() >= final));
    const head = feeds[0]!.head();
    expect(feeds[1]!.head()).toBe(head);
    for (const entries of seen) {
      expect(entries.map((e) => e.event.seq)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    }
    expect(seen[0]!.map((e) => e.json)).toEqual(seen[1]!.map((e) => e.json));
    const delivered = new Set(seen[0]!.map((e) => e.event.voteId));
    expect(delivered.size).toBe(head);
    for (const entry of acknowledged) expect(delivered.has(entry.event.voteId)).toBe(true);

    // Counts are those of the log, on both processes.
    for (const feed of feeds) {
      for (const candidate of feed.snapshot().candidates) {
        expect(candidate.count).toBe(seen[0]!.filter((e) => e.event.candidateId === candidate.id).length);
      }
    }
    expect(feeds.every((f) => f.available())).toBe(true);
  });
});

/** Makes the test's own Redis stop answering for a minute (DEBUG SLEEP on `sleeper`), and waits until it does. */
async function freeze(redis: PrivateRedis, sleeper: Redis): Promise<void> {
  sleeper.debug('SLEEP', 60).catch(ignore);
  const probe = new Redis(redis.url, { commandTimeout: 100, maxRetriesPerRequest: 0 });
  probe.on('error', ignore);
  try {
    await waitFor('Redis to stop answering', () =>
      probe.ping().then(
        () => false,
        () => true,
      ),
    );
  } finally {
    probe.disconnect();
  }
}

/**
 * Redis stops answering (DEBUG SLEEP: the server is up, its socket open, and no reply comes) under two feeds:
 * one that gives up on a command after 300 ms, one that never does.
 */
describe.runIf(redisServerAvailable())('RedisFeed when Redis stops answering', { timeout: 15_000 }, () => {
  it('fails a vote with feed_unavailable after commandTimeoutMs, answers a catchUp it need not ask Redis about, even while Redis is stuck', async () => {
    const redis = await PrivateRedis.start({ persistence: false, args: ['--enable-debug-command', 'local'] });
    const options = { url: redis.url, candidates: DEFAULT_CANDIDATES, keyPrefix: 'frozen:', logger: quietLogger };
    const feeds: RedisFeed[] = [];
    const sleeper = new Redis(redis.url);
    sleeper.on('error', ignore);
    try {
      const impatient = await RedisFeed.connect({ ...options, commandTimeoutMs: 300 });
      feeds.push(impatient);
      // Longer than the test may take: a feed that asks Redis here hangs the test.
      const patient = await RedisFeed.connect({ ...options, commandTimeoutMs: 600_000 });
      feeds.push(patient);
      const first = await patient.vote({ userId: 'tester', candidateId: ballot[0]! });

      await freeze(redis, sleeper);

      const error = await impatient.vote({ userId: 'tester', candidateId: ballot[1]! }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FeedError);
      expect(error).toMatchObject({ code: 'feed_unavailable', cause: { message: 'Command timed out' } });
      // This process has seq 1 already: a resume from there needs nothing from Redis.
      await patient.catchUp(first.event.seq);
      expect(patient.resume(first.event.seq)).toEqual({ kind: 'events', entries: [] });
    } finally {
      await redis.dispose();
      sleeper.disconnect();
      await Promise.all(feeds.map((feed) => feed.close()));
    }
  });

  it('without a commandTimeoutMs, still fails a vote with feed_unavailable after the default 2 s rather than hold it', { timeout: 8000 }, async () => {
    const redis = await PrivateRedis.start({ persistence: false, args: ['--enable-debug-command', 'local'] });
    const sleeper = new Redis(redis.url);
    sleeper.on('error', ignore);
    const feed = await RedisFeed.connect({ url: redis.url, candidates: DEFAULT_CANDIDATES, keyPrefix: 'frozen:', logger: quietLogger });
    // Also when the test times out on a vote held forever: killing Redis ends it.
    onTestFinished(async () => {
      await redis.dispose();
      sleeper.disconnect();
      await feed.close();
    });
    await freeze(redis, sleeper);
    const started = performance.now();
    const error = await feed.vote({ userId: 'tester', candidateId: ballot[0]! }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeedError);
    expect(error).toMatchObject({ code: 'feed_unavailable', cause: { message: 'Command timed out' } });
    // The default, not a shorter one (the timer cannot fire early).
    expect(performance.now() - started).toBeGreaterThanOrEqual(1900);
  });
});
