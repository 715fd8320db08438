/**
 * The Redis feed on a Redis Cluster: three masters started by the test, two server processes configured
 * with FEED=redis+cluster://…, votes on both, subscribers of every push transport on both, and a
 * RedisFeed of this process following the same cluster.
 */
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CANDIDATES } from '../../src/feed/ballot.ts';
import { RedisFeed } from '../../src/feed/redis-feed.ts';
import { redisKeys } from '../../src/feed/redis-schema.ts';
import type { FeedEntry } from '../../src/feed/types.ts';
import { ballot, castVote, createSession } from '../helpers/server.ts';
import { quietLogger } from '../helpers/quiet.ts';
import { coherence, PUSH_TRANSPORTS, subscribe, type TestSubscriber } from '../helpers/subscribers.ts';
import { PrivateRedisCluster } from './helpers/redis-cluster.ts';
import { freePort } from './helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';
import { ServerProcess, killAllServerProcesses, newSecret } from './helpers/server-process.ts';
import { countsOf, tallyOf } from './helpers/voters.ts';

const candidates = DEFAULT_CANDIDATES.map((c) => c.id);
describe('the Redis feed on a Redis Cluster', { timeout: 90_000 }, () => {
  let cluster: PrivateRedisCluster | undefined;
  let feed: RedisFeed | undefined;
  const subscribers: TestSubscriber[] = [];

  beforeAll(async () => {
    cluster = await PrivateRedisCluster.start(3);
  });

  afterAll(async () => {
    await Promise.all(subscribers.map((s) => s.close()));
    await killAllServerProcesses();
    await feed?.close();
    await cluster?.dispose();
  });

  it('keeps every key of a feed in one slot, and takes votes on two server processes that every subscriber of both gets in order', async () => {
    const url = cluster!.url;
    const prefix = 'cluster-feed:';
    const named = redisKeys(prefix);
    const keys = [named.counts, named.seq, named.events, named.vote('u_1', 'v1'), `${named.voteLimit}u_1`];
    const admin = new Cluster(
      cluster!.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
      { lazyConnect: true },
    );
    try {
      await admin.connect();
      const slots = await Promise.all(keys.map((key) => admin.cluster('KEYSLOT', key)));
      expect(new Set(slots).size).toBe(1);

      const secret = newSecret();
      const processes = await Promise.all([0, 1].map(() => ServerProcess.start({ feed: url, prefix, secret })));
      const servers = processes.map((p) => p.url);
      feed = await RedisFeed.connect({ url, candidates: DEFAULT_CANDIDATES, keyPrefix: prefix, logger: quietLogger });
      const followed: FeedEntry[] = [];
      feed.subscribe((entry) => followed.push(entry));
      const session = await createSession(servers[0]!);
      for (const server of servers) subscribers.push(...PUSH_TRANSPORTS.map((t) => subscribe(t, server, session, { since: 0, timeoutMs: 1000 })));

      const total = 30;
      for (let i = 0; i < total; i++) {
        const { status, body } = await castVote(servers[i % 2]!, session, { candidateId: candidates[i % candidates.length], voteId: `c-${i}` });
        expect(status, JSON.stringify(body)).toBe(201);
      }
      for (const subscriber of subscribers) {
        await waitFor(`${subscriber.transport} to reach seq ${total}`, () => subscriber.events.at(-1)?.seq === total, { timeoutMs: 15_000 });
        expect(subscriber.errors, subscriber.transport).toEqual([]);
        expect(subscriber.snapshots, subscriber.transport).toEqual([]);
        expect(coherence(subscriber.events, 0, total), subscriber.transport).toEqual({ missing: [], duplicates: [], outOfOrder: 0 });
      }
      await waitFor('this process to follow every vote too', () => followed.length === total);
      expect(followed.map((e) => e.json)).toEqual(subscribers[0]!.events.map((e) => JSON.stringify(e)));
      const counts = tallyOf(subscribers[0]!.events, candidates);
      for (const server of servers) expect(countsOf(await ballot(server))).toEqual(counts);
      // The feed's state lives in the cluster, under the one hash tag.
      expect(await admin.get(redisKeys(prefix).seq)).toBe(String(total));
      expect(await admin.xlen(redisKeys(prefix).events)).toBe(total);
    } finally {
      admin.disconnect();
    }
  });

  it('fails fast, naming the URL, when no node of the cluster answers', async () => {
    const url = `redis+cluster://127.0.0.1:${await freePort()},127.0.0.1:${await freePort()}`;
    await expect(RedisFeed.connect({ url, candidates: DEFAULT_CANDIDATES, logger: quietLogger })).rejects.toThrow(`Cannot connect to Redis at ${url} (FEED)`);
  });
});
