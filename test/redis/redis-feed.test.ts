import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { DEFAULT_CANDIDATES } from '../../src/feed/ballot.ts';
import { FeedError } from '../../src/feed/feed.ts';
import { RedisFeed, type RedisFeedOptions } from '../../src/feed/redis-feed.ts';
import { redisKeys, VOTE_SCRIPT } from '../../src/feed/redis-schema.ts';
import type { FeedEntry, Snapshot } from '../../src/feed/types.ts';
import { quietLogger } from '../helpers/quiet.ts';
import { sharedRedisAvailable } from './helpers/needs-redis.ts';
import { REDIS_URL, cutFollower, deleteKeys, freePort, uniquePrefix } from './helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';

const [A, B, C] = DEFAULT_CANDIDATES.map((c) => c.id) as [string, string, string];
/** Every feed a test opens, closed after it whatever happened; and every prefix, deleted after the file. */
const openFeeds: RedisFeed[] = [];
const prefixes: string[] = [];

async function openFeed(prefix: string, options: Partial<RedisFeedOptions> = {}): Promise<RedisFeed> {
  const feed = await RedisFeed.connect({ url: REDIS_URL, candidates: DEFAULT_CANDIDATES, keyPrefix: prefix, logger: quietLogger, ...options });
  openFeeds.push(feed);
  return feed;
}

function newPrefix(label: string): string {
  const prefix = uniquePrefix(label);
  prefixes.push(prefix);
  return prefix;
}

/** Records what a feed emits, and checks the contract while doing so. */
function record(feed: RedisFeed): FeedEntry[] {
  const seen: FeedEntry[] = [];
  feed.subscribe((entry) => seen.push(entry));
  return seen;
}

/** Records the snapshots a feed hands its reset listeners. */
function recordResets(feed: RedisFeed): Snapshot[] {
  const resets: Snapshot[] = [];
  feed.onReset((snapshot) => resets.push(snapshot));
  return resets;
}

/**
 * The start of every test in which Redis loses the history under two feeds: a reader (whose logged errors
 * are kept) and a voter on a new prefix, both at seq 3 after three votes for A.
 */
async function readerAndVoterAtSeq3(
  label: string,
  readerFollowBlockMs = 100,
): Promise<{ prefix: string; reader: RedisFeed; voter: RedisFeed; errors: string[] }> {
  const prefix = newPrefix(label);
  const errors: string[] = [];
  const logger = { ...quietLogger, error: (message: string) => errors.push(message) };
  const reader = await openFeed(prefix, { followBlockMs: readerFollowBlockMs, logger });
  const voter = await openFeed(prefix, { followBlockMs: 100 });
  for (let i = 0; i < 3; i++) await voter.vote({ userId: 'tester', candidateId: A });
  await reader.catchUp(3);
  return { prefix, reader, voter, errors };
}

function seqs(entries: readonly FeedEntry[]): number[] {
  return entries.map((e) => e.event.seq);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

afterEach(async () => {
  await Promise.all(openFeeds.splice(0).map((feed) => feed.close()));
});

/** A connection of the test's own, to set keys up and look at what the feeds did. */
const admin = new Redis(REDIS_URL, { lazyConnect: true });

afterAll(async () => {
  admin.disconnect();
  for (const prefix of prefixes) await deleteKeys(REDIS_URL, prefix);
});

/** The names of the connections Redis holds open for the feed labelled `label` (see connectionLabel). */
async function connectionsOf(label: string): Promise<string[]> {
  const clients = (await admin.client('LIST')) as string;
  return [...clients.matchAll(/ name=(votewire-[a-z]+:\S+) /g)].map((m) => m[1]!).filter((name) => name.endsWith(`:${label}`));
}

/** A label no other feed uses, for connectionsOf. */
function newLabel(what: string): string {
  return `${what}-${process.pid}-${Math.random().toString(36).slice(2)}`;
}

describe.runIf(sharedRedisAvailable())('RedisFeed on one shared Redis', () => {
  it('delivers concurrent votes of two processes to both, in seq order, exactly once, with matching counts', async () => {
    const prefix = newPrefix('concurrent');
    const one = await openFeed(prefix);
    const two = await openFeed(prefix);
    const seenByOne = record(one);
    const seenByTwo = record(two);

    const perFeed = 60;
    const ballot = [A, B, C];
    const votes = [one, two].flatMap((feed, f) =>
      range(0, perFeed - 1).map((i) => feed.vote({ userId: 'tester', candidateId: ballot[(i + f) % 3]!, voteId: `f${f}-v${i}` })),
    );
    const accepted = await Promise.all(votes);

    const total = 2 * perFeed;
    expect(new Set(accepted.map((e) => e.event.seq)).size).toBe(total);
    await waitFor('both feeds to apply every vote', () => one.head() === total && two.head() === total);
    expect(seqs(seenByOne)).toEqual(range(1, total));
    expect(seqs(seenByTwo)).toEqual(range(1, total));
    // The same event, byte for byte, on both processes.
    expect(seenByOne.map((e) => e.json)).toEqual(seenByTwo.map((e) => e.json));
    expect(new Set(seenByOne.map((e) => e.event.voteId)).size).toBe(total);

    const expected = Object.fromEntries(ballot.map((id) => [id, accepted.filter((e) => e.event.candidateId === id).length]));
    for (const feed of [one, two]) {
      const counts = Object.fromEntries(feed.snapshot().candidates.map((c) => [c.id, c.count]));
      expect(counts).toEqual(expected);
      expect(feed.snapshot().seq).toBe(total);
    }
    // Each event carries the count after it: the last event of a candidate holds its final count.
    for (const id of ballot) {
      const last = seenByOne.filter((e) => e.event.candidateId === id).at(-1);
      expect(last?.event.count).toBe(expected[id]);
    }
  });

  it('resolves vote() only after its own listeners have the event, with the very entry they got', async () => {
    const feed = await openFeed(newPrefix('own-vote'));
    const seen = record(feed);
    for (let i = 1; i <= 5; i++) {
      const entry = await feed.vote({ userId: 'tester', candidateId: B, voteId: `own-${i}` });
      expect(entry.event.seq).toBe(i);
      expect(seen.at(-1)).toBe(entry);
      expect(feed.head()).toBe(i);
      expect(feed.snapshot().candidates.find((c) => c.id === B)?.count).toBe(i);
    }
    expect(seqs(seen)).toEqual([1, 2, 3, 4, 5]);
  });

  it('loads counts and the recent log at startup, and answers resumes from them', async () => {
    const prefix = newPrefix('startup');
    const first = await openFeed(prefix);
    for (let i = 0; i < 7; i++) await first.vote({ userId: 'tester', candidateId: i % 2 === 0 ? A : C });

    const late = await openFeed(prefix, { logSize: 5 });
    expect(late.head()).toBe(7);
    expect(late.snapshot().candidates.map((c) => c.count)).toEqual([4, 0, 3]);
    const fromLog = late.resume(3);
    const fromFirst = first.resume(3);
    if (fromLog.kind !== 'events' || fromFirst.kind !== 'events') throw new Error('expected events from both feeds');
    expect(seqs(fromLog.entries)).toEqual([4, 5, 6, 7]);
    // Loaded from Redis or followed live: the same JSON.
    expect(fromLog.entries.map((e) => e.json)).toEqual(fromFirst.entries.map((e) => e.json));
    // seq 2 fell out of a 5-entry log: too far behind is a snapshot, never a silent gap.
    expect(late.resume(1).kind).toBe('snapshot');
    expect(late.resume(7)).toEqual({ kind: 'events', entries: [] });
  });

  it('catchUp waits for a seq another process accepted, and gives up at once on a seq nobody handed out', async () => {
    const prefix = newPrefix('catch-up');
    const voter = await openFeed(prefix);
    const reader = await openFeed(prefix, { catchUpTimeoutMs: 600_000 });
    const entry = await voter.vote({ userId: 'tester', candidateId: A });
    // The reader's follower may or may not have read it yet; after catchUp it must have.
    await reader.catchUp(entry.event.seq);
    expect(reader.head()).toBeGreaterThanOrEqual(entry.event.seq);
    expect(reader.resume(entry.event.seq - 1)).toMatchObject({ kind: 'events', entries: [{ json: entry.json }] });

    // Redis never handed out that seq: nothing to wait for (the reader's 10-minute deadline would outlast the test).
    await reader.catchUp(entry.event.seq + 1000);
    expect(reader.resume(entry.event.seq + 1000).kind).toBe('snapshot');
  });

  it('catchUp makes a lagging process wait for a seq another accepted, instead of answering with a snapshot', async () => {
    const prefix = newPrefix('lagging');
    const label = `lagging-${process.pid}-${Date.now()}`;
    const voter = await openFeed(prefix);
    const reader = await openFeed(prefix, { connectionLabel: label });
    const readerSaw = record(reader);
    const first = await voter.vote({ userId: 'tester', candidateId: A });
    await reader.catchUp(first.event.seq);

    await cutFollower(REDIS_URL, label);
    const second = await voter.vote({ userId: 'tester', candidateId: B });
    expect(reader.head()).toBe(first.event.seq); // behind: without waiting, a resume would be a snapshot
    expect(reader.resume(second.event.seq).kind).toBe('snapshot');

    await reader.catchUp(second.event.seq);
    expect(reader.head()).toBe(second.event.seq);
    expect(reader.resume(first.event.seq)).toMatchObject({ kind: 'events', entries: [{ json: second.json }] });
    expect(seqs(readerSaw)).toEqual([1, 2]);
  });

  it('notices that Redis lost its data, says so, and follows the new history instead of waiting forever', async () => {
    const { prefix, reader, voter, errors } = await readerAndVoterAtSeq3('wiped');
    expect(reader.head()).toBe(3);

    await deleteKeys(REDIS_URL, prefix); // as a Redis restarted without persistence would be
    const readerSaw = record(reader);
    const fresh = await voter.vote({ userId: 'tester', candidateId: C });
    expect(fresh.event).toMatchObject({ seq: 1, candidateId: C, count: 1 });
    await waitFor('the reader to reload from the wiped Redis', () => reader.head() === 1);
    expect(reader.snapshot().candidates.map((c) => c.count)).toEqual([0, 0, 1]);
    expect(errors.join('\n')).toMatch(/lost its data/);
    // From there it follows as usual.
    const next = await voter.vote({ userId: 'tester', candidateId: B });
    await waitFor('the next vote', () => reader.head() === next.event.seq);
    expect(seqs(readerSaw)).toContain(next.event.seq);
  });

  it('notices a new history that reached its head while it waited, and tells its reset listeners', async () => {
    const { prefix, reader, voter, errors } = await readerAndVoterAtSeq3('same-seq');
    const resets = recordResets(reader);
    const readerSaw = record(reader);

    await deleteKeys(REDIS_URL, prefix); // as a Redis restarted without persistence would be
    // The new history reaches the reader's head with the very same seqs and counts: only the votes differ.
    const fresh: FeedEntry[] = [];
    for (let i = 0; i < 3; i++) fresh.push(await voter.vote({ userId: 'tester', candidateId: A }));
    expect(fresh.map((e) => [e.event.seq, e.event.count])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    await waitFor('the reader to notice the new history', () => resets.length > 0);
    expect(resets.map((s) => s.seq)).toEqual([3]);
    expect(errors.join('\n')).toMatch(/another vote under seq 3/);
    expect(reader.resume(2)).toMatchObject({ kind: 'events', entries: [{ json: fresh[2]!.json }] });
    const next = await voter.vote({ userId: 'tester', candidateId: A });
    await waitFor('the next vote', () => reader.head() === 4);
    expect(readerSaw.map((e) => e.json)).toEqual([next.json]);
  });

  it('notices a vote that does not continue its counts (a new history passed its head), and tells its reset listeners', async () => {
    // The reader's follower stays blocked in one XREAD the whole time: only the new votes wake it.
    const { prefix, reader, voter, errors } = await readerAndVoterAtSeq3('spliced', 60_000);
    const resets = recordResets(reader);
    const readerSaw = record(reader);

    await deleteKeys(REDIS_URL, prefix);
    for (let i = 0; i < 5; i++) await voter.vote({ userId: 'tester', candidateId: B });
    await waitFor('the reader to reach seq 5', () => reader.head() === 5);
    expect(resets).toHaveLength(1);
    // Woken by seq 4 of the new history, the first one past its head.
    expect(errors.join('\n')).toContain(`seq 4 gives "${B}" 4 votes, not 1: Redis lost its data and started over`);
    // Nothing of the new history was handed out as if it continued the old one: the snapshot came first.
    expect(readerSaw.every((e) => e.event.seq > resets[0]!.seq)).toBe(true);
    expect(reader.snapshot().candidates.map((c) => [c.id, c.count])).toEqual([
      [A, 0],
      [B, 5],
      [C, 0],
    ]);
  });

  it('rejects an unknown candidate without touching Redis', async () => {
    const prefix = newPrefix('unknown');
    const feed = await openFeed(prefix);
    await expect(feed.vote({ userId: 'tester', candidateId: 'nobody' })).rejects.toMatchObject({ name: 'FeedError', code: 'unknown_candidate' });
    const keys = redisKeys(prefix);
    expect(await admin.exists(keys.counts, keys.seq, keys.events)).toBe(0);
  });

  it('refuses a vote for a candidate no longer on its ballot, though Redis still counts that candidate from an older ballot', async () => {
    const prefix = newPrefix('retired');
    const older = await openFeed(prefix, { candidates: [...DEFAULT_CANDIDATES, { id: 'retired', name: 'Retired' }] });
    await older.vote({ userId: 'tester', candidateId: 'retired' });
    await older.close();
    // Opened on the ballot without it: loads the counts (retired among them), then hears of a vote for it.
    const current = await openFeed(prefix);
    const stillOlder = await openFeed(prefix, { candidates: [...DEFAULT_CANDIDATES, { id: 'retired', name: 'Retired' }] });
    await stillOlder.vote({ userId: 'tester', candidateId: 'retired' });
    await current.catchUp(2);
    expect(current.head()).toBe(2);
    await expect(current.vote({ userId: 'tester', candidateId: 'retired' })).rejects.toMatchObject({ name: 'FeedError', code: 'unknown_candidate' });
    expect(current.snapshot().candidates.map((c) => c.id)).toEqual(DEFAULT_CANDIDATES.map((c) => c.id));
    expect(current.head()).toBe(2);
  });

  it('keeps feeds with different prefixes apart', async () => {
    const one = await openFeed(newPrefix('apart-1'));
    const two = await openFeed(newPrefix('apart-2'));
    const seenByTwo = record(two);
    await one.vote({ userId: 'tester', candidateId: A });
    const marker = await two.vote({ userId: 'tester', candidateId: C });
    expect(marker.event.seq).toBe(1);
    expect(seqs(seenByTwo)).toEqual([1]);
    expect(two.snapshot().candidates.find((c) => c.id === A)?.count).toBe(0);
  });

  it('measures the Redis round trip as a positive time no longer than the wait for it, reported under the feed kind "redis"', async () => {
    const before = performance.now();
    const feed = await openFeed(newPrefix('rtt'), { pingIntervalMs: 50 });
    expect(feed.kind).toBe('redis');
    const rtt = await waitFor('a round-trip measurement', () => feed.rttMs());
    // Every PING it timed was sent and answered within this window, so no round trip can be longer.
    const waited = performance.now() - before;
    expect(rtt).toBeGreaterThan(0);
    expect(rtt).toBeLessThanOrEqual(waited);
    expect(Number.isFinite(rtt)).toBe(true);
    expect(feed.available()).toBe(true);
  });

  it('fails fast at startup with a message that names the URL when Redis is unreachable', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const error = await RedisFeed.connect({ url, candidates: DEFAULT_CANDIDATES, logger: quietLogger }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toContain(url);
    // Refused at once, not given up on after a timeout.
    expect(error?.message).toMatch(/ECONNREFUSED/);
    // The underlying error goes along, for a log that prints causes.
    expect(error?.cause).toBeInstanceOf(Error);
  });

  it('hides the password of the URL in errors', async () => {
    const url = `redis://user:s3cret@127.0.0.1:${await freePort()}`;
    const error = await RedisFeed.connect({ url, candidates: DEFAULT_CANDIDATES, logger: quietLogger }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).not.toContain('s3cret');
    expect((error as Error).message).toContain('127.0.0.1');
  });

  it('keeps delivering to every other listener when one throws, and logs the failure with its stack', async () => {
    const { prefix, reader, voter, errors } = await readerAndVoterAtSeq3('throwing');
    const thrown = new Error('this listener is broken');
    reader.subscribe(() => {
      throw thrown;
    });
    reader.onReset(() => {
      throw thrown;
    });
    const seen = record(reader);
    const entry = await voter.vote({ userId: 'tester', candidateId: B });
    await waitFor('the reader to read the vote', () => reader.head() === 4);
    expect(seen.map((e) => e.json)).toEqual([entry.json]);
    expect(errors).toEqual([`feed listener failed on seq 4: ${thrown.stack}`]);

    // A reset listener that throws is reported too, and the reload goes on.
    await deleteKeys(REDIS_URL, prefix);
    await voter.vote({ userId: 'tester', candidateId: C });
    await waitFor('the reader to reload', () => reader.head() === 1);
    expect(errors).toContain(`feed listener failed on the snapshot at seq 1: ${thrown.stack}`);
    expect(reader.snapshot().candidates.map((c) => c.count)).toEqual([0, 0, 1]);
  });

  it('ends both of its connections to Redis when it closes, logging nothing about a lost Redis', async () => {
    const label = newLabel('close');
    const logged: string[] = [];
    const logger = {
      info: (message: string) => logged.push(message),
      warn: (message: string) => logged.push(message),
      error: (message: string) => logged.push(message),
    };
    const feed = await openFeed(newPrefix('close'), { connectionLabel: label, logger });
    await feed.vote({ userId: 'tester', candidateId: A });
    expect((await connectionsOf(label)).sort()).toEqual([`votewire-commands:${label}`, `votewire-follower:${label}`]);
    await feed.close();
    await waitFor(`Redis to drop the connections of ${label}`, async () => (await connectionsOf(label)).length === 0);
    expect(feed.available()).toBe(false);
    // Closing cut the follower's blocked read: that is no outage to report.
    expect(logged).toEqual([]);
  });

  it('refuses to start on a prefix whose keys hold something else, with the Redis error, leaving no connection open', async () => {
    const prefix = newPrefix('wrong-type');
    await admin.set(redisKeys(prefix).counts, 'not a hash');
    const label = newLabel('wrong-type');
    await expect(openFeed(prefix, { connectionLabel: label })).rejects.toThrow(/WRONGTYPE/);
    await waitFor('Redis to drop the connections of the failed start', async () => (await connectionsOf(label)).length === 0);
  });

  it('refuses to start on a stream that holds an entry that is not a vote, naming the entry', async () => {
    const prefix = newPrefix('not-a-vote');
    await admin.xadd(redisKeys(prefix).events, '1-0', 'hello', 'world');
    await expect(openFeed(prefix)).rejects.toThrow('stream entry 1-0 is not a vote: ["hello","world"]');
  });

  it('loads only the run of the log that reaches the head: an entry missing from the stream cuts it there', async () => {
    const prefix = newPrefix('hole');
    const first = await openFeed(prefix);
    for (let i = 0; i < 7; i++) await first.vote({ userId: 'tester', candidateId: A });
    await admin.xdel(redisKeys(prefix).events, '4-0');

    const late = await openFeed(prefix);
    expect(late.head()).toBe(7);
    expect(late.resume(4)).toMatchObject({ kind: 'events', entries: [{ event: { seq: 5 } }, { event: { seq: 6 } }, { event: { seq: 7 } }] });
    // A client that missed seq 4 cannot get it from the log any more: a snapshot, never a silent gap.
    expect(late.resume(3).kind).toBe('snapshot');
  });

  it('loads the head from the log when the seq key is gone, and from the seq key when the log ends before it', async () => {
    const seqGone = newPrefix('seq-gone');
    const logShort = newPrefix('log-short');
    for (const prefix of [seqGone, logShort]) {
      const feed = await openFeed(prefix);
      for (let i = 0; i < 5; i++) await feed.vote({ userId: 'tester', candidateId: B });
    }
    await admin.del(redisKeys(seqGone).seq);
    await admin.xdel(redisKeys(logShort).events, '5-0');

    const fromLog = await openFeed(seqGone);
    expect(fromLog.head()).toBe(5);
    expect(fromLog.resume(3)).toMatchObject({ kind: 'events', entries: [{ event: { seq: 4 } }, { event: { seq: 5 } }] });
    const fromSeq = await openFeed(logShort);
    expect(fromSeq.head()).toBe(5);
    expect(fromSeq.snapshot().seq).toBe(5);
    // Its log does not reach seq 5: it answers resumes with snapshots rather than miss that vote.
    expect(fromSeq.resume(4).kind).toBe('snapshot');
  });

  it('keeps ten times its log size of the stream by default, so another process that far behind can still catch up', async () => {
    const prefix = newPrefix('stream-cap');
    const keys = redisKeys(prefix);
    // 15000 votes already in Redis, as other processes with a bigger cap left them.
    const pipeline = admin.pipeline();
    for (let i = 0; i < 15_000; i++) pipeline.eval(VOTE_SCRIPT, 3, keys.counts, keys.seq, keys.events, A, String(Date.now()), '100000', '60000');
    await pipeline.exec();

    const feed = await openFeed(prefix, { logSize: 2000 });
    await feed.vote({ userId: 'tester', candidateId: A });
    expect(await admin.xlen(keys.events)).toBe(15_001);
  });

  it('takes a feed key turned to the wrong type for an outage it logs, not for lost data, and goes on once it is back', async () => {
    const prefix = newPrefix('retyped');
    const logged: { warn: string[]; error: string[] } = { warn: [], error: [] };
    const logger = { ...quietLogger, warn: (m: string) => logged.warn.push(m), error: (m: string) => logged.error.push(m) };
    const reader = await openFeed(prefix, { followBlockMs: 100, logger });
    const resets = recordResets(reader);
    await reader.vote({ userId: 'tester', candidateId: A });
    const seq = redisKeys(prefix).seq;
    await admin.multi().del(seq).hset(seq, 'not', 'a seq').exec();
    await waitFor('the reader to report the failure', () => logged.warn.length > 0);
    expect(logged.warn[0]).toMatch(/^Redis feed: lost .* \(WRONGTYPE .*\); retrying from seq 1$/);
    expect(logged.error).toEqual([]);

    await admin.multi().del(seq).set(seq, '1').exec();
    const voter = await openFeed(prefix);
    await voter.vote({ userId: 'tester', candidateId: B });
    await waitFor('the reader to follow again', () => reader.head() === 2);
    expect(resets).toEqual([]);
  });

  it('is a FeedError of code feed_unavailable after close', async () => {
    const feed = await openFeed(newPrefix('closed'));
    await feed.close();
    const error = await feed.vote({ userId: 'tester', candidateId: A }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeedError);
    expect((error as FeedError).code).toBe('feed_unavailable');
    // The text the voter gets in the 503.
    expect((error as FeedError).message).toBe('Votes cannot be recorded right now: the shared feed (Redis) is unreachable. Try again shortly.');
  });
});
