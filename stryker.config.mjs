// @ts-check
// Stryker over one chunk of the core (test/mutation/chunks.ts), named by MUTATE_CHUNK; `npm run mutate` sets it
// for each chunk in turn (test/mutation/mutate.ts). docs/testing.md says how to run it and what it costs.
import process from 'node:process';
import { MUTATION_CHUNKS, MUTATION_SCORE_THRESHOLD, baselineFile, isChunkName } from './test/mutation/chunks.ts';

const chunk = process.env.MUTATE_CHUNK ?? '';
if (!isChunkName(chunk))
  throw new Error(`MUTATE_CHUNK must name a chunk of test/mutation/chunks.ts (${Object.keys(MUTATION_CHUNKS).join(', ')}), not "${chunk}"`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // Only the suites that run the core in this process (see that file).
  vitest: { configFile: 'test/mutation/vitest.config.ts' },
  checkers: ['typescript'],
  // The sources only: mutants are planted in src/, and a smaller program makes each check quicker.
  tsconfigFile: 'test/mutation/tsconfig.stryker.json',
  // Each mutant runs only the tests that reached it: what makes a run fit on two cores.
  coverageAnalysis: 'perTest',
  // A mutant in code that runs at import (a constant, a schema) would need every test file re-run.
  ignoreStatic: true,
  // The tests start real servers; two cores, one runner.
  concurrency: 1,
  timeoutMS: 5000,
  timeoutFactor: 2,
  // The first run, of every suite in the list with coverage, takes minutes on a busy machine.
  dryRunTimeoutMinutes: 30,
  mutate: [...MUTATION_CHUNKS[chunk].mutate],
  ignorePatterns: ['docs', 'reports', 'coverage', '.tmp'],
  incremental: true,
  incrementalFile: baselineFile(chunk),
  reporters: ['html', 'clear-text', 'progress'],
  htmlReporter: { fileName: `reports/mutation/${chunk}.html` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 95, low: MUTATION_SCORE_THRESHOLD, break: MUTATION_SCORE_THRESHOLD },
  tempDirName: '.stryker-tmp',
};
