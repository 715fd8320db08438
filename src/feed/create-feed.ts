import type { Config } from '../config.ts';
import type { Feed } from './feed.ts';
import { MemoryFeed } from './memory-feed.ts';

/**
 * Makes the feed the configuration names. `FEED=memory` (the default) needs nothing installed;
 * a redis:// URL shares the feed between processes (see src/feed/redis-feed.ts).
 */
export async function createFeed(config: Config): Promise<Feed> {
  if (config.feed === 'memory') {
    return new MemoryFeed({ candidates: config.candidates, logSize: config.logSize });
  }
  throw new Error(`FEED=${config.feed}: the Redis feed is not available in this build`);
}
