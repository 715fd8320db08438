import { globSync } from 'node:fs';
/**
 * What mutation testing covers, in the chunks it runs in: one Stryker run per folder of the core, each with its
 * own incremental baseline (Stryker writes a baseline for the files of its run only, so one file per chunk keeps
 * a run of one folder from dropping the others). Read by stryker.config.mjs, test/mutation/mutate.ts and the
 * baseline check in npm test.
 */
export interface MutationChunk {
  /** Stryker `mutate` globs. */
  mutate: string[];
}

export const MUTATION_CHUNKS = {
  // types.ts declares types only: there is nothing in it to mutate, and Stryker leaves such a file out of its report.
  feed: { mutate: ['src/feed/**/*.ts', '!src/feed/types.ts'] },
  transports: { mutate: ['src/transports/**/*.ts'] },
  http: { mutate: ['src/http/**/*.ts'] },
  client: { mutate: ['src/client/cursor.ts', 'src/client/lifecycle.ts', 'src/client/subscription.ts', 'src/client/*-client.ts'] },
} as const satisfies Record<string, MutationChunk>;

export type ChunkName = keyof typeof MUTATION_CHUNKS;

export const CHUNK_NAMES = Object.keys(MUTATION_CHUNKS) as ChunkName[];

/**
 * The chunks whose committed baseline is whole (every mutant of every file tested) and at the threshold:
 * npm test checks these (test/mutation/baseline.test.ts), so they cannot slip back unnoticed. A chunk joins
 * once a full run of it has reached the threshold; docs/testing.md says where the others stand.
 */
export const CHECKED_CHUNKS: readonly ChunkName[] = ['client', 'feed', 'transports', 'http'];

/** The mutation score (killed and timed-out mutants over all that count) each chunk's baseline must reach. */
export const MUTATION_SCORE_THRESHOLD = 90;

/** The committed baseline of a chunk, relative to the repository root. */
export function baselineFile(chunk: ChunkName): string {
  return `test/mutation/baseline/${chunk}.json`;
}

/** The files a chunk mutates: its `mutate` globs, `!`-patterns excluded, as Stryker reads them. */
export function chunkFiles(chunk: ChunkName): string[] {
  const patterns: readonly string[] = MUTATION_CHUNKS[chunk].mutate;
  const excluded = patterns.filter((pattern) => pattern.startsWith('!')).map((pattern) => pattern.slice(1));
  return globSync(
    patterns.filter((pattern) => !pattern.startsWith('!')),
    { exclude: excluded },
  );
}

export function isChunkName(name: string): name is ChunkName {
  return Object.hasOwn(MUTATION_CHUNKS, name);
}
