import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { deleteKeysUnder, redisUrlFromEnv } from '../../../bench/measure/feed-comparison.ts';
import { freePort } from '../../../bench/process/free-port.ts';
import { ignore } from '../../helpers/quiet.ts';
import { waitFor } from '../../helpers/wait.ts';

/** The shared Redis the suites run against (`.ci/run` makes sure one is up; needs-redis.ts skips without). */
export const REDIS_URL = redisUrlFromEnv();

/** A key prefix no other test (or run) uses. */
export function uniquePrefix(label: string): string {
  return `votewire-test:${label}:${randomUUID()}:`;
}

/** Deletes every key of the feed under `prefix` (the bench's clean-up, without its bench:* guard). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  await deleteKeysUnder(url, prefix);
}

export { freePort };

/**
 * Cuts the follower connection of the feed opened with `connectionLabel: label`: it notices, backs off and
 * reconnects, so for a moment (at least the 100 ms of its first back-off) that feed is provably behind the
 * shared log.
 */
export async function cutFollower(url: string, label: string): Promise<void> {
  const admin = new Redis(url);
  try {
    const clients = (await admin.client('LIST')) as string;
    const follower = clients.split('\n').find((line) => line.includes(`name=votewire-follower:${label} `));
    if (follower === undefined) throw new Error(`no follower connection named ${label} in CLIENT LIST`);
    const id = /\bid=(\d+)/.exec(follower)?.[1];
    await admin.client('KILL', 'ID', id!);
  } finally {
    admin.disconnect();
  }
}

export interface PrivateRedisOptions {
  /**
   * Append-only persistence with fsync on every write, so a restart keeps everything Redis acknowledged.
   * Off: no persistence at all, so every restart starts empty (a Redis that lost its data). @default true
   */
  persistence?: boolean;
  /** More redis-server arguments, e.g. to make it a cluster node. */
  args?: readonly string[];
}

/**
 * A redis-server of the test's own, on its own port, in a temporary folder, so a test may kill it and
 * start it again: by default with append-only persistence (nothing acknowledged is lost), or without
 * any (it comes back empty).
 */
export class PrivateRedis {
  readonly port: number;
  readonly url: string;
  readonly #dir: string;
  readonly #persistence: boolean;
  readonly #args: readonly string[];
  #process: ChildProcess | undefined;

  private constructor(port: number, dir: string, options: PrivateRedisOptions) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
    this.#dir = dir;
    this.#persistence = options.persistence ?? true;
    this.#args = options.args ?? [];
  }

  static async start(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
    const dir = await mkdtemp(join(tmpdir(), 'votewire-redis-'));
    const server = new PrivateRedis(await freePort(), dir, options);
    await server.restart();
    return server;
  }

  get running(): boolean {
    return this.#process !== undefined;
  }

  /** Starts the server (again) on the same port and folder, and waits until it answers PING. */
  async restart(): Promise<void> {
    if (this.#process !== undefined) throw new Error('redis-server is already running');
    const persistence = this.#persistence ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.#dir, ...persistence, '--save', '', ...this.#args], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    this.#process = child;
    child.once('exit', () => {
      if (this.#process === child) this.#process = undefined;
    });
    await waitFor(
      `redis-server on port ${this.port}`,
      async () => {
        if (this.#process !== child) throw new Error('redis-server exited at startup');
        const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        probe.on('error', ignore);
        try {
          await probe.connect();
          await probe.ping();
          return true;
        } finally {
          probe.disconnect();
        }
      },
      { retryOnError: true },
    );
  }

  /** Kills the server the hard way (as a crash would) and waits until it is gone. */
  async kill(): Promise<void> {
    const child = this.#process;
    if (child === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Kills the server and removes its folder; safe to call more than once. */
  async dispose(): Promise<void> {
    await this.kill();
    await rm(this.#dir, { recursive: true, force: true });
  }
}
