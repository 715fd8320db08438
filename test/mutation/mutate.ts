import { spawnSync } from 'node:child_process';
import { CHUNK_NAMES, isChunkName, type ChunkName } from './chunks.ts';

/*
 * `npm run mutate [-- chunk…] [-- stryker options]`: runs Stryker over each chunk of the core in turn (all of
 * them unless chunks are named), each against its own incremental baseline, and says how long each took.
 * Every chunk runs even when one falls below the threshold; the exit code is then 1.
 */
const args = process.argv.slice(2);
const named = args.filter(isChunkName);
const strykerArgs = args.filter((arg) => !isChunkName(arg));
const chunks: ChunkName[] = named.length > 0 ? named : CHUNK_NAMES;

const results: { chunk: ChunkName; seconds: number; status: number | null }[] = [];
for (const chunk of chunks) {
  const started = performance.now();
  const run = spawnSync('npx', ['stryker', 'run', ...strykerArgs], { stdio: 'inherit', env: { ...process.env, MUTATE_CHUNK: chunk } });
  results.push({ chunk, seconds: Math.round((performance.now() - started) / 1000), status: run.status });
}
for (const { chunk, seconds, status } of results) {
  console.log(
    `mutate: ${chunk.padEnd(10)} ${status === 0 ? 'ok    ' : 'FAILED'} in ${Math.floor(seconds / 60)} min ${seconds % 60} s (report: reports/mutation/${chunk}.html)`,
  );
}
process.exitCode = results.every((result) => result.status === 0) ? 0 : 1;
