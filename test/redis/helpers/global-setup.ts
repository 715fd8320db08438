import type { TestProject } from 'vitest/node';
import { checkRedisAvailability, explainMissingRedis, REDIS_REQUIRED, type RedisAvailability } from './availability.ts';

/** Shared by the projects of one run (each runs this setup), so Redis is checked, and missing Redis told, once. */
const RUN_STATE = Symbol.for('votewire.redisAvailability');
interface RunState {
  [RUN_STATE]?: Promise<RedisAvailability>;
}

/**
 * Global setup of the projects whose suites need Redis: checks it once per run, says loudly what is
 * missing (unless VOTEWIRE_REQUIRE_REDIS=1, where the suites fail with the same text), and hands the
 * result to the test files.
 */
export default async function setup(project: TestProject): Promise<void> {
  const state = globalThis as RunState;
  let check = state[RUN_STATE];
  if (check === undefined) {
    check = checkRedisAvailability();
    state[RUN_STATE] = check;
    const message = explainMissingRedis(await check);
    if (message !== undefined && !REDIS_REQUIRED) console.warn(message);
  }
  project.provide('redisAvailability', await check);
}
