import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { killAllServerProcesses, ServerProcess as Process, type SpawnOptions } from '../../../bench/process/server-process.ts';
import { freePort } from './redis.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export { killAllServerProcesses };

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
 * A real `src/server.ts` process for a test: bench/process/server-process.ts (the one helper the bench
 * uses too) with a test's settings: quiet logs, no vote limit, none of the runner's secrets, and a
 * process group of its own, so that `kill()` and the suite's teardown also reach the workers of --workers N.
 */
export type ServerProcess = Process;

export const ServerProcess = {
  /** Spawns the process and waits until it answers HTTP. */
  async start(options: ServerProcessOptions): Promise<ServerProcess> {
    const port = options.port ?? (await freePort());
    // Workers answer GET /api/metrics with their own pids, not the primary's.
    return Process.start({ ...spawnOptions(options, port), checkPid: !(options.args ?? []).includes('--workers') });
  },

  /** Spawns without waiting (for tests of startup failures). */
  spawn(options: ServerProcessOptions, port: number): ServerProcess {
    return Process.spawn(spawnOptions(options, port));
  },
};

function spawnOptions(options: ServerProcessOptions, port: number): SpawnOptions {
  return {
    script: 'src/server.ts',
    args: options.args ?? [],
    port,
    cwd: ROOT,
    ownProcessGroup: true,
    env: {
      ...withoutSecrets(process.env),
      FEED: options.feed,
      REDIS_KEY_PREFIX: options.prefix,
      ...(options.secret === undefined ? {} : { SESSION_SECRET: options.secret }),
      LOG_LEVEL: 'warn',
      VOTES_PER_SECOND: '0',
      ...options.env,
    },
  };
}

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
