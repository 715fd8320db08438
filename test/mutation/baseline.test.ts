import { existsSync, readFileSync } from 'node:fs';
import { calculateMetrics } from 'mutation-testing-metrics';
import type { MutationTestResult } from 'mutation-testing-report-schema';
import { describe, expect, it } from 'vitest';
import { CHECKED_CHUNKS, MUTATION_SCORE_THRESHOLD, baselineFile, chunkFiles } from './chunks.ts';

/*
 * The committed mutation baselines (written by `npm run mutate`, see docs/testing.md) must hold the threshold:
 * a baseline regenerated after tests were weakened, or after code was added without tests, fails here, and so
 * does one that a run left half done.
 */
describe.each(CHECKED_CHUNKS)('the mutation baseline of %s', (chunk) => {
  const file = baselineFile(chunk);
  const read = (): MutationTestResult => JSON.parse(readFileSync(file, 'utf8')) as MutationTestResult;

  it('exists, holds every file the chunk mutates, and has no mutant left untested', () => {
    expect(existsSync(file), `${file} is missing: run npm run mutate -- ${chunk}`).toBe(true);
    const targets = chunkFiles(chunk);
    expect(targets.length).toBeGreaterThan(0);
    const { files } = read();
    expect(targets.filter((target) => !(target in files))).toEqual([]);
    const untested = Object.entries(files).flatMap(([name, { mutants }]) =>
      mutants.filter((mutant) => mutant.status === 'Pending').map((mutant) => `${name}:${mutant.location.start.line}`),
    );
    expect(untested, `run npm run mutate -- ${chunk} to the end`).toEqual([]);
  });

  it(`scores at least ${MUTATION_SCORE_THRESHOLD} % (killed and timed-out mutants over all that were not ignored and did compile)`, () => {
    const { metrics } = calculateMetrics(read().files);
    expect(metrics.mutationScore).toBeGreaterThanOrEqual(MUTATION_SCORE_THRESHOLD);
  });
});
