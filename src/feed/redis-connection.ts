import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * A connection to the shared feed's Redis: one server (`redis://`, `rediss://`) or a Redis Cluster
 * (`redis+cluster://`, `rediss+cluster://`). Both speak the same commands; the feed keeps all its keys
 * in one cluster slot (see redis-schema.ts), so its scripts and transactions work on either.
 */
export type RedisClient = Redis | Cluster;

/** The URL as it may be shown in logs and errors: the password replaced. */
export function redactUrl(url: string): string {
  // Whatever stands between `user:` and the last `@` is the password, whatever characters it holds: a `/` or
  // an `@` left unencoded included, which a URL parser would take for the start of the path or the host.
  return url.replace(/^([^:/]+:\/\/[^:@/]*):.*@/, '$1:***@');
}

/** True for `redis+cluster://…` and `rediss+cluster://…`. */
export function isClusterUrl(url: string): boolean {
  return /^rediss?\+cluster:\/\//.test(url);
}

/** What a cluster URL names: the nodes to start from (the client learns the rest) and the credentials. */
export interface ClusterAddress {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
}

/**
 * Parses `redis+cluster://[user:password@]host:port[,host:port...]` (`rediss+cluster://` for TLS).
 * Any one reachable node is enough to find the cluster; listing several survives one being down.
 * Throws with a message that says what is wrong.
 */
export function parseClusterUrl(url: string): ClusterAddress {
  const match = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#@]+)\/?$/.exec(url);
  if (match === null) {
    throw new Error(`FEED "${redactUrl(url)}" is not a cluster URL of the form redis+cluster://[user:password@]host:port[,host:port...]`);
  }
  const [, scheme, auth, hostList] = match as unknown as [string, string, string | undefined, string];
  const nodes = hostList.split(',').map((node) => {
    const hostPort = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+):([0-9]{1,5})$/.exec(node.trim());
    const port = Number(hostPort?.[2]);
    if (hostPort === null || !(port >= 1 && port <= 65535)) {
      throw new Error(`FEED "${redactUrl(url)}": "${node}" is not host:port`);
    }
    // Stryker disable next-line Regex: a host that passed the check above is either wholly in brackets or holds none, so either anchor alone strips the same
    return { host: hostPort[1]!.replace(/^\[(.*)\]$/, '$1'), port };
  });
  const address: ClusterAddress = { nodes, tls: scheme === 'rediss' };
  if (auth !== undefined) {
    const colon = auth.indexOf(':');
    const username = decodeURIComponent(colon === -1 ? auth : auth.slice(0, colon));
    if (username !== '') address.username = username;
    if (colon !== -1) address.password = decodeURIComponent(auth.slice(colon + 1));
  }
  return address;
}

export interface ConnectionOptions {
  url: string;
  /** A name shown by CLIENT LIST, so an operator can tell the feed's connections apart. */
  name: string;
  /** How long the first connection may take before startup gives up. */
  connectTimeoutMs: number;
  /** A command without a reply after this long fails (the vote gets a 503 rather than hanging). */
  commandTimeoutMs?: number;
}

/**
 * Opens one connection (to a cluster: one client, with a connection per node) and waits until it is
 * ready; rejects with a message that names the URL.
 *
 * Two policies differ before and after that first success:
 * - before: no retries, so an unreachable Redis fails startup at once instead of hanging in a retry loop;
 * - after: reconnect forever with a short capped backoff, so a Redis restart heals by itself.
 *
 * Commands never wait in a queue and are never resent after a reconnect (`enableOfflineQueue: false`,
 * `maxRetriesPerRequest: 0`, `autoResendUnfulfilledCommands: false`, and on a cluster no retry of a
 * command whose connection closed, `retryDelayOnFailover: 0`): a vote whose connection dropped may
 * already have been applied, and resending it could count it twice. The caller decides instead.
 * (A cluster still follows MOVED/ASK redirections and retries on CLUSTERDOWN/TRYAGAIN: Redis ran nothing then.)
 */
export async function openConnection(options: ConnectionOptions): Promise<RedisClient> {
  let connectedOnce = false;
  let lastError: Error | undefined;
  const retry = (attempt: number): number | null => (connectedOnce ? Math.min(50 * attempt, 500) : null);
  const redisOptions: RedisOptions = {
    lazyConnect: true,
    connectionName: options.name,
    connectTimeout: options.connectTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: retry,
    // Undefined (the follower's connection): no timeout, as ioredis applies only a number.
    commandTimeout: options.commandTimeoutMs,
  };
  let redis: RedisClient;
  if (isClusterUrl(options.url)) {
    const { nodes, username, password, tls } = parseClusterUrl(options.url);
    if (username !== undefined) redisOptions.username = username;
    if (password !== undefined) redisOptions.password = password;
    if (tls) redisOptions.tls = {};
    const clusterOptions: ClusterOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      retryDelayOnFailover: 0,
      clusterRetryStrategy: retry,
      redisOptions,
    };
    redis = new Cluster(nodes, clusterOptions);
  } else {
    redis = new Redis(options.url, redisOptions);
  }
  // Without a listener ioredis prints every reconnect error as "Unhandled error event"; the feed
  // reports outages itself (failed votes, the follower's warnings), so the events are only remembered.
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await redis.connect();
  } catch (error) {
    // Stryker disable next-line CallExpression: with no retry before the first success, ioredis has already ended the connection when connect() rejects; this only makes sure
    redis.disconnect();
    const reason = lastError?.message ?? (error as Error).message;
    throw new Error(`Cannot connect to Redis at ${redactUrl(options.url)} (FEED): ${reason}`, { cause: error });
  }
  connectedOnce = true;
  return redis;
}
