import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { metricsHeaders } from '../measure/server-metrics.ts';

/** How much of what the process printed is kept for failure messages. */
const OUTPUT_KEPT_CHARS = 64 * 1024;
/** How long `stop()` waits for a graceful exit after SIGTERM before it sends SIGKILL. */
const STOP_GRACE_MS = 5000;

export interface SpawnOptions {
  /**
   * TypeScript entry point, relative to `cwd`: `src/server.ts` or a reference server. Node strips the
   * types itself, in one process (no loader or wrapper process), so the pid is the server's and a signal reaches it.
   */
  script: string;
  /** Command line flags after the script, e.g. ["--workers", "2"]. */
  args?: readonly string[];
  /** Node's own flags, before the script, e.g. ["--cpu-prof", "--cpu-prof-dir", "prof"]. */
  nodeArgs?: readonly string[];
  port: number;
  /** The whole environment of the process; PORT and HOST=127.0.0.1 are set on top of it. */
  env: NodeJS.ProcessEnv;
  /** A command the process runs under, e.g. ["taskset", "-c", "0"] (which execs Node, so the pid stays the server's). */
  commandPrefix?: readonly string[];
  cwd: string;
  /**
   * A process group of its own, so that `kill()` (and a stop that has to force) also reaches what the
   * server started (the workers of --workers N). Tests want this. The bench does not: its servers stay
   * in the bench's own group, so whoever kills the bench's group (a test that timed out) kills them too.
   * @default false
   */
  ownProcessGroup?: boolean;
}

export interface ReadyOptions {
  /** @default 30000 */
  timeoutMs?: number;
  /**
   * Ready only when GET /api/metrics answers with this process's pid, so a stray server that took the
   * port is not taken for ours. Off for --workers N, whose workers answer with their own pids.
   * @default true
   */
  checkPid?: boolean;
}

/** How a process ended: an exit code, or the signal that ended it. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A server in a process of its own, for the bench and for the tests that need real processes
 * (several servers on one Redis, --workers N, startup failures). Every one not yet gone is killed
 * when this process exits, also after a failure.
 */
export class ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly script: string;
  /** Resolves with the exit code (null when a signal ended it) once the process is gone. */
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcess;
  readonly #env: NodeJS.ProcessEnv;
  readonly #ownProcessGroup: boolean;
  #output = '';
  #exit: ExitStatus | undefined;
  #stopping: Promise<number | null> | undefined;

  private constructor(options: SpawnOptions) {
    this.port = options.port;
    this.url = `http://127.0.0.1:${options.port}`;
    this.script = options.script;
    this.#env = { ...options.env, PORT: String(options.port), HOST: '127.0.0.1' };
    this.#ownProcessGroup = options.ownProcessGroup ?? false;
    const [command, ...args] = [...(options.commandPrefix ?? []), process.execPath, ...(options.nodeArgs ?? []), options.script, ...(options.args ?? [])] as [
      string,
      ...string[],
    ];
    this.#child = spawn(command, args, { cwd: options.cwd, env: this.#env, stdio: ['ignore', 'pipe', 'pipe'], detached: this.#ownProcessGroup });
    // pino logs to stdout: a fatal start-up error (a port already taken) lands there, not on stderr.
    const keep = (chunk: string): void => {
      this.#output = (this.#output + chunk).slice(-OUTPUT_KEPT_CHARS);
    };
    this.#child.stdout?.setEncoding('utf8').on('data', keep);
    this.#child.stderr?.setEncoding('utf8').on('data', keep);
    this.exited = once(this.#child, 'exit').then(([code, signal]) => {
      this.#exit = { code: code as number | null, signal: signal as NodeJS.Signals | null };
      running.delete(this);
      return this.#exit.code;
    });
    running.set(this, () => this.#signal('SIGKILL', this.#ownProcessGroup));
  }

  /** Starts the process without waiting for it (for tests of startup failures). */
  static spawn(options: SpawnOptions): ServerProcess {
    return new ServerProcess(options);
  }

  /** Starts the process and waits until it answers GET /api/metrics; kills it if it never does. */
  static async start(options: SpawnOptions & ReadyOptions): Promise<ServerProcess> {
    const server = new ServerProcess(options);
    try {
      await server.ready(options);
    } catch (error) {
      await server.kill();
      throw error;
    }
    return server;
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  get alive(): boolean {
    return this.#exit === undefined;
  }

  /** The last 64 KiB of what the process wrote to stdout and stderr: shown when something fails. */
  get output(): string {
    return this.#output;
  }

  /** "running", or how the process ended: tells a crash of the server from a failure of its user. */
  state(): string {
    return this.#exit === undefined ? 'running' : `exited (code ${this.#exit.code}, signal ${this.#exit.signal})`;
  }

  /** Waits until GET /api/metrics answers 200 (from this very process, unless `checkPid` is off). */
  async ready(options: ReadyOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pid = await this.#answeringPid();
      // Checked after the answer, too: the process may have died while the request was under way.
      if (!this.alive) throw new Error(`${this.script} exited before it was ready (${this.state()}):\n${this.#output}`);
      if (pid !== undefined && (options.checkPid === false || pid === this.#child.pid)) return;
      if (Date.now() > deadline) throw new Error(`${this.script} did not answer on ${this.url} within ${timeoutMs} ms:\n${this.#output}`);
      await sleep(100);
    }
  }

  /** SIGKILL (to its whole group, when it has one): it dies mid-whatever, as in a crash. */
  async kill(): Promise<void> {
    if (this.alive) this.#signal('SIGKILL', this.#ownProcessGroup);
    await this.exited;
  }

  /**
   * SIGTERM, the graceful shutdown (the server's own: a --workers primary stops its workers), then
   * SIGKILL if it has not exited within `graceMs`. Resolves with the exit code. Idempotent.
   */
  stop(graceMs = STOP_GRACE_MS): Promise<number | null> {
    this.#stopping ??= (async () => {
      if (!this.alive) return this.exited;
      this.#signal('SIGTERM', false);
      const graceful = await Promise.race([this.exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!graceful) this.#signal('SIGKILL', this.#ownProcessGroup);
      return this.exited;
    })();
    return this.#stopping;
  }

  #signal(signal: NodeJS.Signals, wholeGroup: boolean): void {
    const pid = this.#child.pid;
    if (pid === undefined) return;
    try {
      process.kill(wholeGroup ? -pid : pid, signal);
    } catch {
      // Already gone.
    }
  }

  /** The pid GET /api/metrics reports, or undefined while nothing (or something unlike our servers) answers. */
  async #answeringPid(): Promise<number | undefined> {
    const headers = metricsHeaders(this.#env.METRICS_TOKEN);
    try {
      const response = await request(`${this.url}/api/metrics`, { headers, headersTimeout: 1000, bodyTimeout: 1000 });
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
}

/** Every process started here and not yet gone, with a synchronous SIGKILL for the exit hook below. */
const running = new Map<ServerProcess, () => void>();

/** Kills every server process this process started that is still running (a suite's teardown). */
export async function killAllServerProcesses(): Promise<void> {
  await Promise.all([...running.keys()].map((server) => server.kill()));
}

// A runner that exits (or crashes) must not leave servers behind either.
process.once('exit', () => {
  for (const killNow of running.values()) killNow();
});
