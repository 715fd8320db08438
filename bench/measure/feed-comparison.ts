import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { redactUrl } from '../../src/feed/redis-connection.ts';
import { keyPattern } from '../../src/feed/redis-schema.ts';
import type { FeedSetupName } from '../results/types.ts';

/** Where the Redis scenario looks for Redis: REDIS_URL, or the default local port. */
export function redisUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.REDIS_URL !== undefined && env.REDIS_URL !== '' ? env.REDIS_URL : 'redis://127.0.0.1:6379';
}

/** The three ways of serving the same subscribers that issue 5 compares, in the order they run. */
export const FEED_SETUPS: readonly { setup: FeedSetupName; label: string; processes: number; feed: 'memory' | 'redis' }[] = [
  { setup: 'memory-1', label: 'one process, memory feed', processes: 1, feed: 'memory' },
  { setup: 'redis-1', label: 'one process, Redis feed', processes: 1, feed: 'redis' },
  { setup: 'redis-2', label: 'two processes, Redis feed', processes: 2, feed: 'redis' },
];

/** A key prefix of its own for this run: `bench:<run id>:`. */
export function benchKeyPrefix(startedAt: string): string {
  return `bench:${startedAt.replace(/[^0-9]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}:`;
}

function connect(url: string): Redis {
  return new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
}

/** Undefined when Redis answers PING at `url`; otherwise why not, for the report. */
export async function redisUnreachable(url: string): Promise<string | undefined> {
  const client = connect(url);
  client.on('error', () => undefined);
  try {
    await client.connect();
    // Anything but PONG comes back as a rejection (an error reply such as LOADING).
    await client.ping();
    return undefined;
  } catch (error) {
    return `no Redis reachable at ${redactUrl(url)} (${(error as Error).message})`;
  } finally {
    client.disconnect();
  }
}

/** Deletes every key of the feed under `prefix` (the run's own prefix only); returns how many. */
export async function deleteKeys(url: string, prefix: string): Promise<number> {
  if (!prefix.startsWith('bench:')) throw new Error(`refusing to delete keys outside bench:*, got prefix "${prefix}"`);
  return deleteKeysUnder(url, prefix);
}

/**
 * Deletes every key under `prefix` and returns how many (SCAN, not KEYS, so a busy shared Redis is
 * not blocked). Also the tests' clean-up of their own prefixes.
 */
export async function deleteKeysUnder(url: string, prefix: string): Promise<number> {
  const client = connect(url);
  client.on('error', () => undefined);
  let deleted = 0;
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', keyPattern(prefix), 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await client.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    client.disconnect();
  }
}
