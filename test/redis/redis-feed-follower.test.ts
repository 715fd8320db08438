/**
 * A RedisFeed whose follower cannot read the shared stream for a while, on a redis-server of the test's own:
 * the feed connects as a Redis user of its own, and taking XREAD from that user (an ACL change) holds the
 * follower back while the feed's commands, and every other process, go on. What the feed's votes, catch-ups,
 * listeners and close() do in that state, and once it reads again.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CANDIDATES } from '../../src/feed/ballot.ts';
import { RedisFeed, type RedisFeedOptions } from '../../src/feed/redis-feed.ts';
import { redisKeys, VOTE_SCRIPT } from '../../src/feed/redis-schema.ts';
import type { FeedEntry, Snapshot } from '../../src/feed/types.ts';
import { quietLogger } from '../helpers/quiet.ts';
import { waitFor } from '../helpers/wait.ts';
import { redisServerAvailable } from './helpers/needs-redis.ts';
import { PrivateRedis } from './helpers/redis.ts';

const [A, B] = DEFAULT_CANDIDATES.map((c) => c.id) as [string, string];
const PREFIX = 'follower:';
/** Longer than any test may take: a feed that falls back on this deadline fails the test instead of passing late. */
const NEVER_MS = 600_000;

interface Logged {
  info: string[];
  warn: string[];
  error: string[];
}

describe.runIf(redisServerAvailable())('RedisFeed while its follower cannot read the stream', { timeout: 20_000 }, () => {
  let redis: PrivateRedis;
  let admin: Redis;
  const feeds: RedisFeed[] = [];

  beforeAll(async () => {
    redis = await PrivateRedis.start({ persistence: false });
    admin = new Redis(redis.url);
    return async () => {
      admin.disconnect();
      await redis.dispose();
    };
  });

  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((feed) => feed.close()));
    await admin.acl('DELUSER', 'reader');
    await admin.flushall();
  });

  afterAll(async () => {
    await Promise.all(feeds.map((feed) => feed.close()));
  });

  /** A feed that connects as the default user: it votes for "another process" and always reads the stream. */
  async function openVoter(): Promise<RedisFeed> {
    const feed = await RedisFeed.connect({ url: redis.url, candidates: DEFAULT_CANDIDATES, keyPrefix: PREFIX, logger: quietLogger, followBlockMs: 100 });
    feeds.push(feed);
    return feed;
  }

  /** A feed that connects as the user "reader", whose follower stall() holds back; with what it logged. */
  async function openReader(options: Partial<RedisFeedOptions> = {}): Promise<{ reader: RedisFeed; logged: Logged }> {
    await admin.acl('SETUSER', 'reader', 'on', '>reader-secret', '~*', '&*', '+@all');
    const logged: Logged = { info: [], warn: [], error: [] };
    const logger = {
      info: (message: string) => logged.info.push(message),
      warn: (message: string) => logged.warn.push(message),
      error: (message: string) => logged.error.push(message),
    };
    const reader = await RedisFeed.connect({
      url: `redis://reader:reader-secret@127.0.0.1:${redis.port}`,
      candidates: DEFAULT_CANDIDATES,
      keyPrefix: PREFIX,
      logger,
      followBlockMs: 100,
      catchUpTimeoutMs: NEVER_MS,
      ...options,
    });
    feeds.push(reader);
    return { reader, logged };
  }

  /** Takes XREAD from the reader's user and waits until its follower has failed to read. */
  async function stall(logged: Logged): Promise<void> {
    await admin.acl('SETUSER', 'reader', '-xread');
    await waitFor('the reader to lose the stream', () => logged.warn.length > 0);
  }

  async function unstall(): Promise<void> {
    await admin.acl('SETUSER', 'reader', '+xread');
  }

  function record(feed: RedisFeed): FeedEntry[] {
    const seen: FeedEntry[] = [];
    feed.subscribe((entry) => seen.push(entry));
    return seen;
  }

  it('answers a vote it cannot read back with the vote Redis recorded after catchUpTimeoutMs, and delivers it once it reads again', async () => {
    const { reader, logged } = await openReader({ catchUpTimeoutMs: 300 });
    const seen = record(reader);
    await reader.vote({ userId: 'tester', candidateId: A });
    expect(logged.info).toEqual([]);

    await stall(logged);
    expect(logged.warn).toEqual([expect.stringMatching(/^Redis feed: lost redis:\/\/reader:\*\*\*@127\.0\.0\.1:\d+ \(NOPERM.*\); retrying from seq 1$/)]);
    const entry = await reader.vote({ userId: 'tester', candidateId: A, voteId: 'late' });
    expect(entry.event).toMatchObject({ seq: 2, candidateId: A, count: 2, voteId: 'late' });
    expect(reader.head()).toBe(1);
    expect(seen.map((e) => e.event.seq)).toEqual([1]);

    await unstall();
    await waitFor('the reader to read its vote', () => reader.head() === 2);
    expect(seen.map((e) => e.json)).toEqual([seen[0]!.json, entry.json]);
    expect(logged.info).toEqual([expect.stringMatching(/^Redis feed: following redis:\/\/reader:\*\*\*@127\.0\.0\.1:\d+ again from seq 1$/)]);
    expect(logged.warn).toHaveLength(1);
  });

  it('gives up a catchUp after catchUpTimeoutMs while it cannot read the stream, and answers resumes with a snapshot', async () => {
    const voter = await openVoter();
    const { reader, logged } = await openReader({ catchUpTimeoutMs: 300 });
    await stall(logged);
    const accepted = await voter.vote({ userId: 'tester', candidateId: B });
    await reader.catchUp(accepted.event.seq);
    expect(reader.head()).toBe(0);
    expect(reader.resume(0).kind).toBe('events');
    expect(reader.resume(accepted.event.seq).kind).toBe('snapshot');
  });

  it('holds a catchUp until it has read every entry up to the seq, over several reads of the stream', async () => {
    const voter = await openVoter();
    const { reader, logged } = await openReader();
    await stall(logged);
    // Another process takes 1500 votes meanwhile: more than one read of the stream brings back.
    const keys = redisKeys(PREFIX);
    const pipeline = voter.sharedRedis.connection.pipeline();
    for (let i = 0; i < 1500; i++) pipeline.eval(VOTE_SCRIPT, 3, keys.counts, keys.seq, keys.events, A, String(Date.now()), '100000', '60000');
    await pipeline.exec();

    const caughtUp = reader.catchUp(1500);
    // Its catchUp has asked Redis for the seq by the time a later command on that connection is answered.
    await reader.sharedRedis.connection.ping();
    await unstall();
    await caughtUp;
    expect(reader.head()).toBe(1500);
    expect(reader.snapshot().candidates.find((c) => c.id === A)?.count).toBe(1500);
  });

  it('answers a vote and a catchUp still waiting for the stream when it closes', async () => {
    const voter = await openVoter();
    const { reader, logged } = await openReader();
    await stall(logged);
    const other = await voter.vote({ userId: 'tester', candidateId: B });
    const caughtUp = reader.catchUp(other.event.seq);
    const vote = reader.vote({ userId: 'tester', candidateId: A });
    // The vote is in Redis once another process has read it.
    await waitFor('the vote to be recorded', () => voter.head() === 2);

    await reader.close();
    await caughtUp;
    expect((await vote).event).toMatchObject({ seq: 2, candidateId: A, count: 1 });
    expect(reader.head()).toBe(0);
  });

  it('answers a repeated voteId waiting beside its original with the one entry its listeners get, counted once', async () => {
    const { reader, logged } = await openReader();
    const seen = record(reader);
    await stall(logged);
    const first = reader.vote({ userId: 'tester', candidateId: A, voteId: 'twice' });
    const again = reader.vote({ userId: 'tester', candidateId: A, voteId: 'twice' });
    await expect(reader.vote({ userId: 'tester', candidateId: B, voteId: 'twice' })).rejects.toMatchObject({ code: 'vote_id_reused' });

    await unstall();
    const [one, two] = await Promise.all([first, again]);
    expect(seen).toHaveLength(1);
    expect(one).toBe(seen[0]);
    expect(two).toBe(seen[0]);
    expect(one.event).toMatchObject({ seq: 1, candidateId: A, count: 1, voteId: 'twice' });
    expect(reader.snapshot().candidates.map((c) => c.count)).toEqual([1, 0, 0]);
  });

  it('reloads when the stream was trimmed past its head, telling its reset listeners, and answers the vote and catchUp that waited', async () => {
    const voter = await openVoter();
    const { reader, logged } = await openReader();
    await reader.vote({ userId: 'tester', candidateId: A });
    const resets: Snapshot[] = [];
    reader.onReset((snapshot) => resets.push(snapshot));
    await stall(logged);
    await voter.vote({ userId: 'tester', candidateId: B });
    const vote = reader.vote({ userId: 'tester', candidateId: A });
    await waitFor('the vote to be recorded', () => voter.head() === 3);
    const caughtUp = reader.catchUp(3);
    // Everything before the reader's vote is trimmed away, as a stream cap would while a process is cut off.
    await admin.xtrim(redisKeys(PREFIX).events, 'MINID', '3-0');

    await unstall();
    const entry = await vote;
    await caughtUp;
    expect(entry.event).toMatchObject({ seq: 3, candidateId: A, count: 2 });
    expect(reader.resume(2)).toEqual({ kind: 'events', entries: [entry] });
    expect(resets.map((s) => [s.seq, s.candidates.map((c) => c.count)])).toEqual([[3, [2, 1, 0]]]);
    expect(logged.error).toEqual([expect.stringContaining('the follower fell behind the stream cap (expected seq 2, got 3)')]);
  });
});
