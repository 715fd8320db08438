import { defineConfig } from 'vitest/config';

// The suites Stryker runs against each mutant: the ones that run the core in this process (servers over real
// sockets, clients, the feed on memory and on Redis), so per-test coverage tells which tests reach a mutant.
// Left out: suites that drive the core in child processes (they cannot see a mutant), the browser, the web demo,
// the bench and the CLI.
const REDIS_SETUP = 'test/redis/helpers/global-setup.ts';
const CHILD_PROCESS_SUITES = [
  'test/redis/cluster.test.ts',
  'test/redis/cross-process.test.ts',
  'test/redis/redis-cluster.test.ts',
  'test/redis/server-redis-outage.test.ts',
  'test/redis/vote-idempotency.test.ts',
  'test/server/shutdown.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: ['test/server/**/*.test.ts', 'test/client/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/redis/**/*.test.ts'],
    exclude: CHILD_PROCESS_SUITES,
    globalSetup: [REDIS_SETUP],
    reporters: ['default'],
  },
});
