import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { metricsHeaders } from '../measure/server-metrics.ts';

export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** What the process wrote to stdout and stderr (kept short): shown when something fails. */
  stderrTail(): string;
  /** "running", or how the process ended: tells a crash of the server from a failure of the bench. */
  state(): string;
  /** SIGTERM, then SIGKILL if it has not exited after a grace period. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** TypeScript file for Node to run (it strips the types itself), relative to the repo root. */
  script: string;
  port: number;
  env: Record<string, string>;
  /** e.g. ["taskset", "-c", "0"]; empty for no pinning. */
  commandPrefix: readonly string[];
  cwd: string;
  readyTimeoutMs?: number;
}

/**
 * Starts a server in its own process (`node <script>`: the same entry point as `npm start`
 * without the npm wrapper process, so the pid is the server's) and waits until
 * GET /api/metrics answers.
 */
export async function startServerProcess(options: StartOptions): Promise<ServerProcess> {
  const argv = [...options.commandPrefix, process.execPath, options.script];
  const [command, ...args] = argv as [string, ...string[]];
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, PORT: String(options.port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // pino logs to stdout: a fatal start-up error (a port already taken) lands there, not on stderr.
  let stderr = '';
  const keep = (chunk: string): void => {
    stderr = (stderr + chunk).slice(-4000);
  };
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  const url = `http://127.0.0.1:${options.port}`;
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as string | null }));
  let exitedEarly: { code: number | null; signal: string | null } | undefined;
  void exited.then((status) => {
    exitedEarly = status;
  });

  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (exitedEarly !== undefined) {
      throw new Error(`${options.script} exited before it was ready (code ${exitedEarly.code}, signal ${exitedEarly.signal}):\n${stderr}`);
    }
    // The pid check makes sure it is our server answering, not another process that took the port.
    if ((await answeringPid(`${url}/api/metrics`)) === child.pid && exitedEarly === undefined) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.script} did not answer on ${url} within ${options.readyTimeoutMs ?? 30_000} ms:\n${stderr}`);
    }
    await sleep(100);
  }
  return handle(child, url, options.port, () => stderr, exited);
}

/** The pid GET /api/metrics reports, or undefined while nothing (or something else) answers. */
async function answeringPid(url: string): Promise<number | undefined> {
  try {
    const response = await request(url, { headers: metricsHeaders(), headersTimeout: 1000, bodyTimeout: 1000 });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return undefined;
    }
    const metrics = (await response.body.json()) as { process?: { pid?: unknown } };
    return typeof metrics.process?.pid === 'number' ? metrics.process.pid : undefined;
  } catch {
    return undefined;
  }
}

function handle(
  child: ChildProcess,
  url: string,
  port: number,
  stderrTail: () => string,
  exited: Promise<unknown>,
): ServerProcess {
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    pid: child.pid ?? -1,
    stderrTail,
    state: () =>
      child.exitCode === null && child.signalCode === null ? 'running' : `exited (code ${child.exitCode}, signal ${child.signalCode})`,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const graceful = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
        if (!graceful) {
          child.kill('SIGKILL');
          await exited;
        }
      })();
      return stopping;
    },
  };
}
