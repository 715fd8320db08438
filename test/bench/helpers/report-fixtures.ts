import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readResults } from '../../../bench/report/write-report.ts';
import type { BenchResults } from '../../../bench/results/types.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** results.json, the report fixture every report test starts from: a real run of the default scenarios. */
export function readResultsFixture(): Promise<BenchResults> {
  return readResults(join(FIXTURES, 'results.json'));
}

/** The section a flag adds to results.json (`networks.json`, `faults.json`…), from a real run with that flag. */
export async function readSectionFixture<Section>(file: string): Promise<Section> {
  return JSON.parse(await readFile(join(FIXTURES, file), 'utf8')) as Section;
}
