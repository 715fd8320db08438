/**
 * The feed's connection to a Redis Cluster (FEED=redis+cluster://…), opened in this process against a small
 * cluster of the test's own whose nodes ask for a user and password.
 */
import { Redis, type Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection } from '../../src/feed/redis-connection.ts';
import { redisKeys } from '../../src/feed/redis-schema.ts';
import { redisServerAvailable } from './helpers/needs-redis.ts';
import { PrivateRedisCluster } from './helpers/redis-cluster.ts';

describe.runIf(redisServerAvailable())('the connection to a Redis Cluster', { timeout: 60_000 }, () => {
  let cluster: PrivateRedisCluster;
  const hosts = (): string => cluster.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');

  beforeAll(async () => {
    cluster = await PrivateRedisCluster.start(3);
    // Each node: a user "feed" for the feed, and a password on the default user that the feed does not know.
    for (const node of cluster.nodes) {
      const admin = new Redis(node.url);
      try {
        await admin.acl('SETUSER', 'feed', 'on', '>feed-secret', '~*', '&*', '+@all');
        await admin.config('SET', 'requirepass', 'default-secret');
      } finally {
        admin.disconnect();
      }
    }
    return () => cluster.dispose();
  });

  const open: Cluster[] = [];
  afterAll(() => {
    for (const connection of open) connection.disconnect();
  });

  it('logs in as the user of the URL, names itself, and reaches the feed keys of every node it was given', async () => {
    const connection = (await openConnection({ url: `redis+cluster://feed:feed-secret@${hosts()}`, name: 'votewire-test', connectTimeoutMs: 3000 })) as Cluster;
    open.push(connection);
    const keys = redisKeys('cluster-connection:');
    await connection.set(keys.seq, '7');
    expect(await connection.get(keys.seq)).toBe('7');
    expect(await connection.acl('WHOAMI')).toBe('feed');
    expect(await connection.client('GETNAME')).toBe('votewire-test');
  });

  it('refuses to start without the user or the password the nodes ask for, naming the URL without its password', async () => {
    const connect = (auth: string): Promise<unknown> =>
      openConnection({ url: `redis+cluster://${auth}${hosts()}`, name: 'votewire-test', connectTimeoutMs: 3000 });
    await expect(connect('')).rejects.toThrow(`Cannot connect to Redis at redis+cluster://${hosts()} (FEED)`);
    await expect(connect(':feed-secret@')).rejects.toThrow(`Cannot connect to Redis at redis+cluster://:***@${hosts()} (FEED)`);
  });

  it('speaks TLS for rediss+cluster://, so a cluster without TLS is refused rather than used in plain text', async () => {
    await expect(openConnection({ url: `rediss+cluster://feed:feed-secret@${hosts()}`, name: 'votewire-test', connectTimeoutMs: 500 })).rejects.toThrow(
      'Cannot connect to Redis at rediss+cluster://feed:***@',
    );
  });
});
