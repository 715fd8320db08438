import type { Config } from './config.ts';
import type { Feed } from './feed/feed.ts';
import { MemoryFeed } from './feed/memory-feed.ts';
import { RedisFeed, type FeedLogger } from './feed/redis-feed.ts';

/**
 * Makes the feed the configuration names. `FEED=memory` (the default) needs nothing installed;
 * a redis:// URL shares the feed between processes (see src/feed/redis-feed.ts and docs/scaling.md).
 * Rejects with a message naming the URL when Redis cannot be reached, so startup fails fast.
 */
export async function createFeed(config: Config, logger: FeedLogger = levelledConsole(config.logLevel)): Promise<Feed> {
  if (config.feed === 'memory') {
    return new MemoryFeed({ candidates: config.candidates, logSize: config.logSize, voteIdWindowMs: config.voteIdWindowMs });
  }
  return RedisFeed.connect({
    url: config.feed,
    candidates: config.candidates,
    logSize: config.logSize,
    keyPrefix: config.redisKeyPrefix,
    voteIdWindowMs: config.voteIdWindowMs,
    logger,
  });
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * The feed's few log lines (Redis lost, Redis back) before the server's pino logger exists, filtered by
 * LOG_LEVEL the same way, and tagged so they can be told from request logs.
 */
function levelledConsole(level: string): FeedLogger {
  const threshold = Math.max(0, LEVELS.indexOf(level));
  const enabled = (name: string): boolean => LEVELS.indexOf(name) >= threshold;
  return {
    info: (message) => enabled('info') && console.log(`[feed] ${message}`),
    warn: (message) => enabled('warn') && console.warn(`[feed] ${message}`),
    error: (message) => enabled('error') && console.error(`[feed] ${message}`),
  };
}
