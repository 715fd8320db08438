import type { VariantSpec } from '../plan/variants.ts';
import type { BenchResults } from '../results/types.ts';
import { freePort } from './free-port.ts';
import { ServerProcess } from './server-process.ts';

/** How the real server is started for the bench; everything else is its documented default. */
export const SERVER_ENV: Readonly<Record<string, string>> = Object.freeze({
  VOTES_PER_SECOND: '0',
  // Every subscriber is a session of its own, all from this one address.
  SESSIONS_PER_MINUTE_PER_IP: '0',
  // Every subscriber of the bench connects from 127.0.0.1 (up to 1,000 per transport at once).
  MAX_CONNECTIONS_PER_IP: '0',
  LOG_LEVEL: 'warn',
  LONG_POLL_TIMEOUT_MS: '25000',
});

/** The script each kind of server runs. */
export const SERVER_SCRIPTS: Readonly<Record<VariantSpec['server'], string>> = Object.freeze({
  real: 'src/server.ts',
  'ws-reference': 'bench/reference/ws-broadcast-server.ts',
  'long-poll-reference': 'bench/reference/long-poll-reference-server.ts',
  'socketio-reference': 'bench/reference/socketio-polling-server.ts',
});

/** How much of a failed server's output goes into the report. */
const OUTPUT_IN_REPORT_CHARS = 4000;

export type Retries = NonNullable<BenchResults['retries']>;

/**
 * Runs bench steps against freshly started server processes, pinned with `commandPrefix`, each stopped
 * when its step is done. The servers stay in the bench's own process group (see SpawnOptions), so a
 * bench that is killed as a group takes them along.
 */
export class FreshServers {
  readonly #cwd: string;
  readonly #commandPrefix: readonly string[];
  readonly #retries: Retries;
  readonly #nodeArgs: readonly string[];

  /**
   * `retries` collects the steps that ran again because a server died under them; `nodeArgs` are Node
   * flags every server process gets (--server-cpu-prof: a CPU profile of each).
   */
  constructor(cwd: string, commandPrefix: readonly string[], retries: Retries, nodeArgs: readonly string[] = []) {
    this.#cwd = cwd;
    this.#commandPrefix = commandPrefix;
    this.#retries = retries;
    this.#nodeArgs = nodeArgs;
  }

  /**
   * Runs one step against `count` freshly started server processes (one, except for the Redis scenario's
   * two processes sharing a feed). A server that dies under the step without being told to (killed from
   * outside: the step measured nothing real) gets one retry, which is recorded.
   */
  async run<T>(
    step: string,
    kind: VariantSpec['server'],
    count: number,
    env: Record<string, string>,
    task: (servers: ServerProcess[]) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const servers: ServerProcess[] = [];
      const down = (): ServerProcess | undefined => servers.find((s) => !s.alive);
      try {
        for (let i = 0; i < count; i++) servers.push(await this.#start(kind, env));
        const value = await task(servers);
        const dead = down();
        if (dead !== undefined) throw new Error(`the server process ${dead.pid} ${dead.state()} during the step`);
        return value;
      } catch (error) {
        const lost = servers.length < count || down() !== undefined;
        const culprit = down() ?? servers[0];
        if (lost && attempt < 2) {
          this.#retries.push({ step, reason: describeFailure(error, culprit).split('\n').slice(0, 2).join(' ') });
          continue;
        }
        throw new Error(describeFailure(error, culprit), { cause: error });
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
      }
    }
  }

  /** `run` with one server of `kind` and the bench's server environment. */
  runOne<T>(step: string, kind: VariantSpec['server'], task: (server: ServerProcess) => Promise<T>): Promise<T> {
    return this.run(step, kind, 1, {}, (servers) => task(servers[0]!));
  }

  async #start(kind: VariantSpec['server'], env: Record<string, string>): Promise<ServerProcess> {
    return ServerProcess.start({
      script: SERVER_SCRIPTS[kind],
      port: await freePort(),
      env: { ...process.env, ...SERVER_ENV, ...env },
      commandPrefix: this.#commandPrefix,
      nodeArgs: this.#nodeArgs,
      cwd: this.#cwd,
    });
  }
}

/** The error, and how the server process ended with the last of its output: a crash tells itself from a bench failure. */
function describeFailure(error: unknown, server: ServerProcess | undefined): string {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (server === undefined) return message;
  const tail = server.output.slice(-OUTPUT_IN_REPORT_CHARS).trim();
  return `${message}\nserver process: ${server.state()}${tail === '' ? '' : `, its last output:\n${tail}`}`;
}
