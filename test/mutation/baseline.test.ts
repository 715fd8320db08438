import { existsSync, globSync, readFileSync } from 'node:fs';
import { calculateMetrics } from 'mutation-testing-metrics';
import type { MutationTestResult } from 'mutation-testing-report-schema';
import { describe, expect, it } from 'vitest';
import { MUTATION_CHUNKS, MUTATION_SCORE_THRESHOLD, baselineFile, CHUNK_NAMES } from './chunks.ts';

/*
 * The committed mutation baselines (written by `npm run mutate`, see docs/testing.md) must hold the threshold:
 * a baseline regenerated after tests were weakened, or after code was added without tests, fails here.
 */
describe.each(CHUNK_NAMES)('the mutation baseline of %s', (chunk) => {
  const file = baselineFile(chunk);
  const read = (): MutationTestResult => JSON.parse(readFileSync(file, 'utf8')) as MutationTestResult;

  it('exists and holds every file the chunk mutates', () => {
    expect(existsSync(file), `${file} is missing: run npm run mutate -- ${chunk}`).toBe(true);
    const targets = MUTATION_CHUNKS[chunk].mutate.flatMap((pattern) => globSync(pattern));
    expect(targets.length).toBeGreaterThan(0);
    const { files } = read();
    expect(
      targets.filter((target) => !(target in files)),
      `not in ${file}: run npm run mutate -- ${chunk}`,
    ).toEqual([]);
  });

  it(`scores at least ${MUTATION_SCORE_THRESHOLD} % (killed and timed-out mutants over all that were not ignored or did not compile)`, () => {
    const { metrics } = calculateMetrics(read().files);
    expect(
      metrics.mutationScore,
      `${metrics.survived + metrics.noCoverage} mutants undetected; see reports/mutation/${chunk}.html after npm run mutate -- ${chunk}`,
    ).toBeGreaterThanOrEqual(MUTATION_SCORE_THRESHOLD);
  });
});
