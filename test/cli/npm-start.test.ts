/**
 * `npm start` is what README.md tells people to run, and stopping it is what they do next: `kill <pid>`
 * of the npm process (npm forwards SIGTERM to its child) or Ctrl-C (SIGINT to the whole process group,
 * so the server gets it from the terminal and again from npm). Either must stop the server, gracefully
 * (exit 0), and free the port. Runs the real `npm start`, demo build included, in a process group of
 * its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../bench/process/free-port.ts';
import { waitFor } from '../helpers/wait.ts';
import { ROOT } from './run-entry-point.ts';

interface NpmStart {
  child: ChildProcess;
  port: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: NpmStart[] = [];

afterEach(() => {
  // Whatever a failed test left behind (the very bug: a server outliving npm) goes with its whole group.
  for (const run of started.splice(0)) {
    try {
      process.kill(-run.child.pid!, 'SIGKILL');
    } catch {
      // the group is already gone
    }
  }
});

async function npmStart(): Promise<NpmStart> {
  const port = await freePort();
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    // A process group of its own, as a terminal gives a foreground job: `kill -INT -<pid>` is Ctrl-C.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  const run: NpmStart = { child, port, output: () => output, exited };
  started.push(run);
  await waitFor(
    () => `npm start to answer on port ${port} (output: ${output})`,
    async () => {
      if (done) throw new Error(`npm start exited early: ${output}`);
      const response = await fetch(`http://127.0.0.1:${port}/api/ballot`);
      await response.arrayBuffer();
      return response.status === 200;
    },
    { timeoutMs: 45_000, retryOnError: true, intervalMs: 100 },
  );
  return run;
}

/** Whether anything accepts a TCP connection on the port. */
function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNREFUSED' ? resolve(false) : reject(error)));
  });
}

describe('stopping npm start', { timeout: 90_000 }, () => {
  it('kill -TERM <npm pid> shuts the server down gracefully: npm exits 0 and the port is free', async () => {
    const run = await npmStart();
    process.kill(run.child.pid!, 'SIGTERM');
    const { code, signal } = await run.exited;
    expect({ code, signal }, run.output()).toEqual({ code: 0, signal: null });
    expect(run.output()).toMatch(/"signal":"SIGTERM".*"msg":"shutting down"/);
    expect(await portAnswers(run.port)).toBe(false);
  });

  it('Ctrl-C (SIGINT to the process group) shuts the server down gracefully: npm exits 0 and the port is free', async () => {
    const run = await npmStart();
    process.kill(-run.child.pid!, 'SIGINT');
    const { code, signal } = await run.exited;
    expect({ code, signal }, run.output()).toEqual({ code: 0, signal: null });
    expect(run.output()).toMatch(/"signal":"SIGINT".*"msg":"shutting down"/);
    expect(await portAnswers(run.port)).toBe(false);
  });
});
