import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { ignore } from '../../helpers/quiet.ts';
import { PrivateRedis, freePort } from './redis.ts';
import { waitFor } from '../../helpers/wait.ts';

const run = promisify(execFile);

/**
 * A small Redis Cluster of the test's own: `size` redis-server nodes (masters, no replicas, no
 * persistence), each in its own temporary folder, joined with `redis-cli --cluster create`.
 * Needs Redis 7 (`--cluster-port` puts each node's cluster bus on a free port of its own).
 */
export class PrivateRedisCluster {
  readonly nodes: readonly PrivateRedis[];

  private constructor(nodes: readonly PrivateRedis[]) {
    this.nodes = nodes;
  }

  /** The FEED URL naming every node: redis+cluster://127.0.0.1:p1,127.0.0.1:p2,... */
  get url(): string {
    return `redis+cluster://${this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',')}`;
  }

  static async start(size = 3): Promise<PrivateRedisCluster> {
    const nodes: PrivateRedis[] = [];
    const cluster = new PrivateRedisCluster(nodes);
    try {
      for (let i = 0; i < size; i++) {
        const busPort = await freePort();
        const args = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(busPort)];
        nodes.push(await PrivateRedis.start({ persistence: false, args }));
      }
      await run('redis-cli', ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', '0', '--cluster-yes']);
      await waitFor(
        'every cluster node to report cluster_state:ok',
        async () => {
          const states = await Promise.all(nodes.map((node) => clusterState(node.port)));
          return states.every((state) => state === 'ok');
        },
        { timeoutMs: 15_000, retryOnError: true },
      );
    } catch (error) {
      await cluster.dispose();
      throw error;
    }
    return cluster;
  }

  /** Stops every node and removes their folders; safe to call more than once. */
  async dispose(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.dispose()));
  }
}

async function clusterState(port: number): Promise<string | undefined> {
  const redis = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', ignore);
  try {
    await redis.connect();
    const info = await redis.cluster('INFO');
    return /cluster_state:(\w+)/.exec(info)?.[1];
  } finally {
    redis.disconnect();
  }
}
