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
}

/** Runs `npm run bench -- <args> --out <fresh temp dir>` as a user would; killed after `timeoutMs`. */
export async function runBench(args: readonly string[], timeoutMs: number): Promise<BenchRun> {
  const root = await mkdtemp(join(tmpdir(), 'votewire-bench-'));
  const child = spawn('npm', ['run', 'bench', '--', ...args, '--out', root], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exitCode = await new Promise<number | null>((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done(code);
    });
  });
  return { root, exitCode, output };
}
