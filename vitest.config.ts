import { defineConfig } from 'vitest/config';

const BENCH_RUN = 'test/bench/bench-quick.test.ts';
const BENCH_REDIS = 'test/bench/bench-redis.test.ts';
const REDIS_SUITES = 'test/redis/**/*.test.ts';
// Checks Redis once for the projects that need it and says loudly when it is missing (suites then skip).
const REDIS_SETUP = 'test/redis/helpers/global-setup.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites start real servers, browsers and Redis clients; two cores are shared between them.
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'suites', include: ['test/**/*.test.ts'], exclude: [BENCH_RUN, BENCH_REDIS, REDIS_SUITES], sequence: { groupOrder: 0 } },
      },
      {
        // The suites on a real Redis, run beside the others: their own project only for the global setup.
        extends: true,
        test: { name: 'redis', include: [REDIS_SUITES], globalSetup: [REDIS_SETUP], sequence: { groupOrder: 0 } },
      },
      {
        // The bench run measures latency and pins processes to cores: it runs alone, after the rest,
        // so other suites' CPU use does not show up in its figures.
        extends: true,
        test: { name: 'bench-run', include: [BENCH_RUN], sequence: { groupOrder: 1 } },
      },
      {
        // The Redis scenario at tiny scale, also alone, after the quick run.
        extends: true,
        test: { name: 'bench-redis', include: [BENCH_REDIS], globalSetup: [REDIS_SETUP], sequence: { groupOrder: 2 } },
      },
    ],
  },
});
