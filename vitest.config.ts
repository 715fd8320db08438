import { defineConfig } from 'vitest/config';

const BENCH_RUN = 'test/bench/bench-quick.test.ts';
const BENCH_REDIS = 'test/bench/bench-redis.test.ts';

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
        test: { name: 'suites', include: ['test/**/*.test.ts'], exclude: [BENCH_RUN, BENCH_REDIS], sequence: { groupOrder: 0 } },
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
        test: { name: 'bench-redis', include: [BENCH_REDIS], sequence: { groupOrder: 2 } },
      },
    ],
  },
});
