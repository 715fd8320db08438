import { Redis, type RedisOptions } from 'ioredis';

/** The URL as it may be shown in logs and errors: the password replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

export interface ConnectionOptions {
  url: string;
  /** A name shown by CLIENT LIST, so an operator can tell the feed's connections apart. */
  name: string;
  /** How long the first connection may take before startup gives up. */
  connectTimeoutMs: number;
  /** A command without a reply after this long fails (the vote gets a 503 rather than hanging). */
  commandTimeoutMs?: number;
}

/**
 * Opens one connection and waits until it is ready; rejects with a message that names the URL.
 *
 * Two policies differ before and after that first success:
 * - before: no retries, so an unreachable Redis fails startup at once instead of hanging in a retry loop;
 * - after: reconnect forever with a short capped backoff, so a Redis restart heals by itself.
 *
 * Commands never wait in a queue and are never resent after a reconnect (`enableOfflineQueue: false`,
 * `maxRetriesPerRequest: 0`, `autoResendUnfulfilledCommands: false`): a vote whose connection dropped
 * may already have been applied, and resending it could count it twice. The caller decides instead.
 */
export async function openConnection(options: ConnectionOptions): Promise<Redis> {
  let connectedOnce = false;
  let lastError: Error | undefined;
  const redisOptions: RedisOptions = {
    lazyConnect: true,
    connectionName: options.name,
    connectTimeout: options.connectTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) => (connectedOnce ? Math.min(50 * attempt, 500) : null),
  };
  if (options.commandTimeoutMs !== undefined) redisOptions.commandTimeout = options.commandTimeoutMs;
  const redis = new Redis(options.url, redisOptions);
  // Without a listener ioredis prints every reconnect error as "Unhandled error event"; the feed
  // reports outages itself (failed votes, the follower's warnings), so the events are only remembered.
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    const reason = lastError?.message ?? (error as Error).message;
    throw new Error(`Cannot connect to Redis at ${redactUrl(options.url)} (FEED): ${reason}`, { cause: error });
  }
  connectedOnce = true;
  return redis;
}
