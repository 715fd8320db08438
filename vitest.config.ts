import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites start real servers, browsers and Redis clients; two cores are shared between them.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
