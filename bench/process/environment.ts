import { execFileSync } from 'node:child_process';
import { cpus, release, totalmem, type as osType } from 'node:os';
import type { EnvironmentInfo } from '../results/types.ts';

function git(args: string[], cwd: string): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** What the run ran on: enough for a reader to tell whether their numbers should compare. */
export function describeEnvironment(cwd: string): EnvironmentInfo {
  const status = git(['status', '--porcelain'], cwd);
  return {
    node: process.version,
    v8: process.versions.v8,
    os: `${osType()} ${release()}`,
    arch: process.arch,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    // cpus(), not availableParallelism(): the bench may have pinned itself to a subset already.
    cores: cpus().length,
    totalMemoryBytes: totalmem(),
    gitCommit: git(['rev-parse', 'HEAD'], cwd),
    gitDirty: status === null ? null : status.length > 0,
  };
}
