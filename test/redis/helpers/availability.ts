/**
 * Whether the Redis the suites need is there: checked once per run by the global setup of the Redis
 * projects (global-setup.ts), read by the test files through needs-redis.ts.
 *
 * Like the browser suite without Chromium: without Redis the suites that need it skip, after one loud
 * message that says what is missing and how to start it; `.ci/run` sets VOTEWIRE_REQUIRE_REDIS=1, and
 * there a missing Redis fails them instead.
 */
import { spawnSync } from 'node:child_process';
import { redisUnreachable, redisUrlFromEnv } from '../../../bench/measure/feed-comparison.ts';

/** `.ci/run` sets this: there a missing Redis is a failure, not a skip. */
export const REDIS_REQUIRED = process.env.VOTEWIRE_REQUIRE_REDIS === '1';

/** The command README.md gives, for a throwaway local Redis without persistence. */
export const START_REDIS = 'redis-server --daemonize yes --port 6379 --save "" --appendonly no';

export interface RedisAvailability {
  url: string;
  /** Why no Redis answers PING at `url`; undefined when one does. */
  sharedUnreachable?: string;
  /** Why tests that run a redis-server of their own cannot; undefined when `redis-server` runs. */
  serverMissing?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Undefined in a project without the Redis global setup (a Redis file run on its own, say). */
    redisAvailability: RedisAvailability | undefined;
  }
}

export async function checkRedisAvailability(url = redisUrlFromEnv()): Promise<RedisAvailability> {
  const availability: RedisAvailability = { url };
  const sharedUnreachable = await redisUnreachable(url);
  if (sharedUnreachable !== undefined) availability.sharedUnreachable = sharedUnreachable;
  const version = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (version.error !== undefined || version.status !== 0) {
    availability.serverMissing = `redis-server cannot be run (${version.error?.message ?? `exit ${version.status}`})`;
  }
  return availability;
}

/** The loud explanation of what is missing (for a skip, or for the failure when Redis is required), or undefined. */
export function explainMissingRedis(availability: RedisAvailability, required = REDIS_REQUIRED): string | undefined {
  const outcome = required ? 'FAIL (VOTEWIRE_REQUIRE_REDIS=1)' : 'SKIPPED';
  const lines: string[] = [];
  if (availability.sharedUnreachable !== undefined) {
    lines.push(
      `Redis suites ${outcome}: ${availability.sharedUnreachable}.`,
      `The suites on the shared Redis need one at REDIS_URL (default redis://127.0.0.1:6379). Start one with:`,
      `  ${START_REDIS}`,
      `(apt-get install redis-server), or point REDIS_URL at yours.`,
    );
  }
  if (availability.serverMissing !== undefined) {
    lines.push(
      `Redis outage suites ${outcome}: ${availability.serverMissing}; they start and kill a redis-server of their own.`,
      `Install it with: apt-get update && apt-get install -y redis-server`,
    );
  }
  if (lines.length === 0) return undefined;
  if (!required) lines.push('Set VOTEWIRE_REQUIRE_REDIS=1 to make this a failure.');
  const bar = '!'.repeat(78);
  return `\n${bar}\n${lines.map((line) => `!! ${line}`).join('\n')}\n${bar}\n`;
}
