import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from './redis.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ServerProcessOptions {
  /** FEED: a redis:// URL. */
  feed: string;
  /** REDIS_KEY_PREFIX of the test. */
  prefix: string;
  /** SESSION_SECRET, shared by the processes of one test; none: the server makes its own. */
  secret?: string;
  /** Reuse a port (a restarted process); a free one otherwise. */
  port?: number;
  /** Extra command line flags, e.g. ["--workers", "2"]. */
  args?: string[];
  /** Extra environment. */
  env?: Record<string, string>;
}

/**
 * A real server process: `node src/server.ts`, one process (not `npm start`, which would put a
 * wrapper process in between), so that SIGKILL hits the server itself.
 */
export class ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly options: ServerProcessOptions;
  /** stdout and stderr, for failure messages. */
  output = '';
  readonly #child: ChildProcess;
  readonly exited: Promise<number | null>;
  #exitCode: number | null | undefined;

  private constructor(options: ServerProcessOptions, port: number) {
    this.options = options;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.#child = spawn(process.execPath, ['src/server.ts', ...(options.args ?? [])], {
      cwd: ROOT,
      env: {
        ...withoutSecrets(process.env),
        PORT: String(port),
        HOST: '127.0.0.1',
        FEED: options.feed,
        REDIS_KEY_PREFIX: options.prefix,
        ...(options.secret === undefined ? {} : { SESSION_SECRET: options.secret }),
        LOG_LEVEL: 'warn',
        VOTES_PER_SECOND: '0',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.#child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) =>
      this.#child.once('exit', (code) => {
        this.#exitCode = code;
        resolve(code);
      }),
    );
    running.add(this);
    void this.exited.then(() => running.delete(this));
  }

  /** Spawns the process and waits until it answers HTTP. */
  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    const server = ServerProcess.spawn(options, options.port ?? (await freePort()));
    await server.ready();
    return server;
  }

  /** Spawns without waiting (for tests of startup failures). */
  static spawn(options: ServerProcessOptions, port: number): ServerProcess {
    return new ServerProcess(options, port);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get alive(): boolean {
    return this.#exitCode === undefined;
  }

  async ready(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      `server on port ${this.port} to answer`,
      async () => {
        if (!this.alive) throw new Error(`server exited with ${this.#exitCode}: ${this.output}`);
        const response = await fetch(`${this.url}/api/metrics`);
        await response.arrayBuffer();
        return response.status === 200 ? true : undefined;
      },
      timeoutMs,
    );
  }

  /** SIGKILL: the process dies mid-whatever, as in a crash. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.#child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM: the graceful shutdown; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.alive) this.#child.kill('SIGTERM');
    return this.exited;
  }
}

/** Every process started here and not yet gone, so a suite can always clean up, also after a failure. */
const running = new Set<ServerProcess>();

export async function killAllServerProcesses(): Promise<void> {
  await Promise.all([...running].map((server) => server.kill()));
}

// A crashed test runner must not leave servers behind either.
process.once('exit', () => {
  for (const server of running) {
    try {
      if (server.pid !== undefined) process.kill(server.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** The runner's environment without what would change how the test talks to the server (its own secret, a metrics token). */
function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.SESSION_SECRET;
  delete copy.METRICS_TOKEN;
  return copy;
}

export function newSecret(): string {
  return randomBytes(32).toString('hex');
}
