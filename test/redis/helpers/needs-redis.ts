/**
 * Gates for the suites that need Redis, from what the global setup found (global-setup.ts).
 * Use as `describe.runIf(sharedRedisAvailable())(...)`.
 */
import { inject } from 'vitest';
import { checkRedisAvailability, explainMissingRedis, REDIS_REQUIRED, type RedisAvailability } from './availability.ts';

/** What the global setup found; a file run outside the Redis projects checks (and tells) for itself. */
const availability: RedisAvailability = inject('redisAvailability') ?? (await checkAndTell());

async function checkAndTell(): Promise<RedisAvailability> {
  const found = await checkRedisAvailability();
  const message = explainMissingRedis(found);
  if (message !== undefined && !REDIS_REQUIRED) console.warn(message);
  return found;
}

function gate(missing: string | undefined): boolean {
  if (missing === undefined) return true;
  // Skipping was announced once by the global setup; under the requirement the same text fails the suite.
  if (REDIS_REQUIRED) throw new Error(explainMissingRedis(availability));
  return false;
}

/** For `describe.runIf`: a Redis answers at REDIS_URL. False skips; with VOTEWIRE_REQUIRE_REDIS=1 it throws. */
export function sharedRedisAvailable(): boolean {
  return gate(availability.sharedUnreachable);
}

/** For `describe.runIf`: `redis-server` can be started. False skips; with VOTEWIRE_REQUIRE_REDIS=1 it throws. */
export function redisServerAvailable(): boolean {
  return gate(availability.serverMissing);
}
