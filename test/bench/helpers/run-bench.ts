import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../../..');

export interface BenchRun {
  /** The --out folder (a fresh temporary one); the report is behind `<root>/latest`. */
  root: string;
  exitCode: number | null;
  /** Everything the run printed, for failure messages. */
  output: string;
  /** The run did not finish within the time it was given, and was killed. */
  timedOut: boolean;
  /** The process group of the run (npm's pid), killed whole when the run ends. */
  group: number;
}

/**
 * Runs `npm run bench -- <args> --out <fresh temp dir>` as a user would. npm, the bench
 * and the servers it starts share one process group of their own (`detached`), which is killed whole
 * after `timeoutMs`, and once more after the run ends and when this process exits, so nothing of a
 * run that hung or failed is left behind.
 */
export async function runBench(args: readonly string[], timeoutMs: number): Promise<BenchRun> {
  const root = await mkdtemp(join(tmpdir(), 'votewire-bench-'));
  const child = spawn('npm', ['run', 'bench', '--', ...args, '--out', root], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const group = child.pid;
  if (group === undefined) throw new Error('npm run bench did not start');
  const killGroup = (): void => {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // The whole group is gone already.
    }
  };
  process.once('exit', killGroup);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let timedOut = false;
  const exitCode = await new Promise<number | null>((done) => {
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done(code);
    });
  });
  killGroup();
  process.removeListener('exit', killGroup);
  return { root, exitCode, output, timedOut, group };
}
