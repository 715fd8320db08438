import { readFileSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CANDIDATES, validateCandidates } from './feed/ballot.ts';
import { DEFAULT_VOTE_ID_WINDOW_MS } from './feed/feed.ts';
import type { CandidateInfo } from './feed/types.ts';

/** Everything the server can be told. Each field says its environment variable and default. */
export interface Config {
  /** PORT @default 3000 */
  port: number;
  /** HOST @default "127.0.0.1" */
  host: string;
  /** FEED: "memory", a redis:// URL, or redis+cluster://host:port[,host:port...] for a Redis Cluster @default "memory" */
  feed: string;
  /** CANDIDATES: a JSON array of {id, name} or a path to such a file @default three built-in names */
  candidates: readonly CandidateInfo[];
  /** VOTES_PER_SECOND: per-user vote limit, 0 = off @default 20 */
  votesPerSecond: number;
  /** LONG_POLL_TIMEOUT_MS: default and upper bound of a long poll's timeout @default 25000 */
  longPollTimeoutMs: number;
  /** ALLOWED_ORIGINS: comma-separated extra origins allowed for WebSocket and SSE @default none */
  allowedOrigins: readonly string[];
  /**
   * PUBLIC_ORIGIN: the origin browsers load the demo from; WebSocket and SSE accept pages from it and
   * ALLOWED_ORIGINS only @default "http://HOST:PORT" (on a loopback or 0.0.0.0 HOST: localhost, 127.0.0.1 and [::1] at PORT)
   */
  publicOrigin?: string;
  /** SESSION_SECRET: signs the sid cookie @default random per process */
  sessionSecret: string;
  /** SESSION_TTL_S: a session (its cookie) expires this many seconds after it was made @default 86400 */
  sessionTtlS: number;
  /** SESSIONS_PER_MINUTE_PER_IP: new sessions one IP address may make per minute, 0 = off @default 60 */
  sessionsPerMinutePerIp: number;
  /** METRICS_TOKEN: when set, /api/metrics and /metrics need `Authorization: Bearer <token>` @default none (public) */
  metricsToken?: string;
  /** LOG_LEVEL @default "info" */
  logLevel: string;
  /** LOG_SIZE: recent events kept for resuming clients @default 1000 */
  logSize: number;
  /** LONG_POLL_QUEUE_MAX: most events in one long-poll answer; a client further behind gets the rest on its next poll @default 500 */
  longPollQueueMax: number;
  /** LONG_POLL_QUEUE_IDLE_MS: a queue nobody polled for this long is removed @default 60000 */
  longPollQueueIdleMs: number;
  /** LONG_POLL_QUEUES_PER_USER: long-poll queues (tabs) one user may hold; beyond, the least recently polled goes @default 32 */
  longPollQueuesPerUser: number;
  /** LONG_POLL_QUEUES_MAX: long-poll queues of all users together; beyond, the least recently polled idle one goes, 0 = off @default 50000 */
  longPollQueuesMax: number;
  /** WS_PING_INTERVAL_MS: ping period; a peer that misses a pong is dropped @default 30000 */
  wsPingIntervalMs: number;
  /**
   * PUSH_MAX_BUFFERED_BYTES (formerly WS_MAX_BUFFERED_BYTES, still read): a WebSocket or SSE client with more
   * unsent bytes is dropped as too slow (a WebSocket with close 4008) @default 1048576
   */
  pushMaxBufferedBytes: number;
  /**
   * PUSH_FANOUT_SLICE: a WebSocket/SSE broadcast writes to this many connections, then yields to the event
   * loop before the next slice, so votes, heartbeats and requests are not held up behind a large fan-out @default 1000
   */
  pushFanOutSlice: number;
  /** WS_MAX_PAYLOAD_BYTES: larger client messages close with 1009 @default 4096 */
  wsMaxPayloadBytes: number;
  /** BODY_LIMIT_BYTES: larger HTTP bodies get 413 @default 4096 */
  bodyLimitBytes: number;
  /** SSE_HEARTBEAT_MS: a comment line this often keeps proxies from closing idle streams @default 15000 */
  sseHeartbeatMs: number;
  /** WORKERS: server processes sharing the port (needs a redis:// FEED above 1) @default 1 */
  workers: number;
  /** REDIS_KEY_PREFIX: prefix of the Redis feed's keys; processes with the same FEED and prefix share one feed @default "votewire:" */
  redisKeyPrefix: string;
  /** VOTE_ID_WINDOW_MS: how long a user's voteId is remembered; a vote repeating it within this counts once @default 600000 */
  voteIdWindowMs: number;
  /** SHUTDOWN_GRACE_MS: after SIGTERM/SIGINT, how long connections may take to finish before they are cut @default 3000 */
  shutdownGraceMs: number;
  /** HEADERS_TIMEOUT_MS: a request whose headers are not all in by then gets 408 and is closed @default 15000 */
  headersTimeoutMs: number;
  /** REQUEST_TIMEOUT_MS: a request (headers and body) not all in by then gets 408 and is closed; answers may take longer @default 30000 */
  requestTimeoutMs: number;
  /** MAX_CONNECTIONS_PER_IP: open connections one client address may hold; beyond, 429 and close; 0 = no cap @default 256 */
  maxConnectionsPerIp: number;
  /** CAPTURE_IDLE_MS: a session's wire capture (the demo's Anatomy tab) not read for this long is dropped and capturing stops @default 30000 */
  captureIdleMs: number;
  /** TLS (`--tls`): "on" serves HTTPS with HTTP/2 and HTTP/1.1 on the same port (ALPN) @default "off" (plain HTTP/1.1) */
  tls: boolean;
  /** TLS_CERT: PEM certificate file (with TLS_KEY) @default a self-signed certificate for localhost and 127.0.0.1 in TLS_DIR */
  tlsCert?: string;
  /** TLS_KEY: PEM private key file of TLS_CERT */
  tlsKey?: string;
  /** TLS_DIR: where the self-signed certificate is made at first start and kept (git-ignored) @default the project's .certs/ */
  tlsDir: string;
}

/** Settings whose default is not a fixed value: what `--help` says instead. */
const DERIVED_DEFAULTS = {
  candidates: 'three built-in',
  sessionSecret: 'random per process',
  publicOrigin: 'http://HOST:PORT',
  metricsToken: 'none (metrics are public)',
  tlsCert: 'a self-signed certificate in TLS_DIR',
  tlsKey: "the self-signed certificate's key",
} as const satisfies Partial<Record<keyof Config, string>>;

export const DEFAULTS: Omit<Config, keyof typeof DERIVED_DEFAULTS> = Object.freeze({
  port: 3000,
  host: '127.0.0.1',
  feed: 'memory',
  votesPerSecond: 20,
  longPollTimeoutMs: 25_000,
  allowedOrigins: [],
  sessionTtlS: 24 * 60 * 60,
  sessionsPerMinutePerIp: 60,
  logLevel: 'info',
  logSize: 1000,
  longPollQueueMax: 500,
  longPollQueueIdleMs: 60_000,
  longPollQueuesPerUser: 32,
  longPollQueuesMax: 50_000,
  wsPingIntervalMs: 30_000,
  pushMaxBufferedBytes: 1024 * 1024,
  pushFanOutSlice: 1000,
  wsMaxPayloadBytes: 4096,
  bodyLimitBytes: 4096,
  sseHeartbeatMs: 15_000,
  workers: 1,
  redisKeyPrefix: 'votewire:',
  voteIdWindowMs: DEFAULT_VOTE_ID_WINDOW_MS,
  shutdownGraceMs: 3000,
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 30_000,
  maxConnectionsPerIp: 256,
  captureIdleMs: 30_000,
  tls: false,
  tlsDir: fileURLToPath(new URL('../.certs/', import.meta.url)),
});

/** A complete config from defaults and the given overrides (what tests and the bench use). */
export function makeConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...DEFAULTS,
    candidates: DEFAULT_CANDIDATES,
    sessionSecret: randomBytes(32).toString('hex'),
    ...overrides,
  };
}

type Kind = 'int' | 'string' | 'list' | 'origin' | 'origins' | 'candidates' | 'switch' | 'file';
/** `formerEnv`: the variable's old name, read when the new one is not set (as an environment variable only). */
const FIELDS: Record<Exclude<keyof Config, never>, { env: string; formerEnv?: string; kind: Kind; min?: number; max?: number }> = {
  port: { env: 'PORT', kind: 'int', min: 0, max: 65_535 },
  host: { env: 'HOST', kind: 'string' },
  feed: { env: 'FEED', kind: 'string' },
  candidates: { env: 'CANDIDATES', kind: 'candidates' },
  votesPerSecond: { env: 'VOTES_PER_SECOND', kind: 'int', min: 0 },
  longPollTimeoutMs: { env: 'LONG_POLL_TIMEOUT_MS', kind: 'int', min: 1 },
  allowedOrigins: { env: 'ALLOWED_ORIGINS', kind: 'origins' },
  publicOrigin: { env: 'PUBLIC_ORIGIN', kind: 'origin' },
  sessionSecret: { env: 'SESSION_SECRET', kind: 'string' },
  sessionTtlS: { env: 'SESSION_TTL_S', kind: 'int', min: 1 },
  sessionsPerMinutePerIp: { env: 'SESSIONS_PER_MINUTE_PER_IP', kind: 'int', min: 0 },
  metricsToken: { env: 'METRICS_TOKEN', kind: 'string' },
  logLevel: { env: 'LOG_LEVEL', kind: 'string' },
  logSize: { env: 'LOG_SIZE', kind: 'int', min: 1 },
  longPollQueueMax: { env: 'LONG_POLL_QUEUE_MAX', kind: 'int', min: 1 },
  longPollQueueIdleMs: { env: 'LONG_POLL_QUEUE_IDLE_MS', kind: 'int', min: 1 },
  longPollQueuesPerUser: { env: 'LONG_POLL_QUEUES_PER_USER', kind: 'int', min: 1 },
  longPollQueuesMax: { env: 'LONG_POLL_QUEUES_MAX', kind: 'int', min: 0 },
  wsPingIntervalMs: { env: 'WS_PING_INTERVAL_MS', kind: 'int', min: 1 },
  pushMaxBufferedBytes: { env: 'PUSH_MAX_BUFFERED_BYTES', formerEnv: 'WS_MAX_BUFFERED_BYTES', kind: 'int', min: 1 },
  pushFanOutSlice: { env: 'PUSH_FANOUT_SLICE', kind: 'int', min: 1 },
  wsMaxPayloadBytes: { env: 'WS_MAX_PAYLOAD_BYTES', kind: 'int', min: 16 },
  bodyLimitBytes: { env: 'BODY_LIMIT_BYTES', kind: 'int', min: 16 },
  sseHeartbeatMs: { env: 'SSE_HEARTBEAT_MS', kind: 'int', min: 1 },
  workers: { env: 'WORKERS', kind: 'int', min: 1 },
  redisKeyPrefix: { env: 'REDIS_KEY_PREFIX', kind: 'string' },
  voteIdWindowMs: { env: 'VOTE_ID_WINDOW_MS', kind: 'int', min: 1 },
  shutdownGraceMs: { env: 'SHUTDOWN_GRACE_MS', kind: 'int', min: 1 },
  headersTimeoutMs: { env: 'HEADERS_TIMEOUT_MS', kind: 'int', min: 1 },
  requestTimeoutMs: { env: 'REQUEST_TIMEOUT_MS', kind: 'int', min: 1 },
  maxConnectionsPerIp: { env: 'MAX_CONNECTIONS_PER_IP', kind: 'int', min: 0 },
  captureIdleMs: { env: 'CAPTURE_IDLE_MS', kind: 'int', min: 1 },
  tls: { env: 'TLS', kind: 'switch' },
  tlsCert: { env: 'TLS_CERT', kind: 'file' },
  tlsKey: { env: 'TLS_KEY', kind: 'file' },
  tlsDir: { env: 'TLS_DIR', kind: 'string' },
};

const SWITCH_VALUES: Readonly<Record<string, boolean>> = { on: true, off: false, true: true, false: false, '1': true, '0': false, yes: true, no: false };

/** "LONG_POLL_TIMEOUT_MS" -> "long-poll-timeout-ms": the flag spelling of an environment variable. */
export function flagName(envName: string): string {
  return envName.toLowerCase().replaceAll('_', '-');
}

/** `name`: the variable the value came by, for the error messages. */
function parseValue(key: keyof Config, raw: string, name: string): Config[keyof Config] {
  const field = FIELDS[key];
  switch (field.kind) {
    case 'int': {
      const value = Number(raw);
      const min = field.min ?? 0;
      if (!Number.isInteger(value) || value < min || (field.max !== undefined && value > field.max)) {
        const range = field.max === undefined ? `>= ${min}` : `from ${min} to ${field.max}`;
        throw new Error(`${name} must be an integer ${range}, got "${raw}"`);
      }
      return value;
    }
    case 'list':
      return splitList(raw);
    case 'origin':
      return parseOrigin(raw, name);
    case 'origins':
      return splitList(raw).map((item) => parseOrigin(item, name));
    case 'candidates':
      return readCandidates(raw);
    case 'switch': {
      const value = SWITCH_VALUES[raw.toLowerCase()];
      if (value === undefined) throw new Error(`${name} must be "on" or "off", got "${raw}"`);
      return value;
    }
    case 'file':
      if (!isFile(raw)) throw new Error(`${name} must be the path of a readable file, got "${raw}" (no such file)`);
      return raw;
    case 'string':
      if (raw.length === 0) throw new Error(`${name} must not be empty`);
      return raw;
  }
}

function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * "https://Vote.Example.com:443/" -> "https://vote.example.com": the form a browser sends in `Origin`,
 * so a configured origin compares equal to the header with a plain string comparison.
 */
function parseOrigin(raw: string, envName: string): string {
  const url = URL.parse(raw);
  const bare = url !== null && url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || !bare) {
    throw new Error(`${envName} must name origins like https://vote.example.com (scheme, host and port only), got "${raw}"`);
  }
  return url.origin;
}

const CANDIDATES_EXPECTED = 'a JSON array of {"id","name"} objects, or the path of a file holding one';

/** CANDIDATES: inline JSON when it looks like an array, else the path of an existing file. */
function readCandidates(raw: string): readonly CandidateInfo[] {
  if (raw.trim().startsWith('[')) return validateCandidates(parseJson(raw, 'CANDIDATES'));
  if (isFile(raw)) {
    let text: string;
    try {
      text = readFileSync(raw, 'utf8');
    } catch (error) {
      throw new Error(`CANDIDATES file "${raw}" could not be read: ${(error as Error).message}`, { cause: error });
    }
    return validateCandidates(parseJson(text, `CANDIDATES file "${raw}"`));
  }
  // Neither: say what is expected rather than fail to open a "file" named after the value.
  const hint = raw.trim().startsWith('{') ? ' (a single candidate still needs the brackets: [{"id":"a","name":"A"}])' : '';
  const shown = raw.length > 80 ? `${raw.slice(0, 77)}...` : raw;
  throw new Error(`CANDIDATES must be ${CANDIDATES_EXPECTED}; got '${shown}', which is neither a JSON array nor an existing file${hint}`);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} is not valid JSON (expected ${CANDIDATES_EXPECTED}): ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Reads the configuration from environment variables and `--flags` of the same names
 * (`--long-poll-timeout-ms 5000` or `--long-poll-timeout-ms=5000`); flags win.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv.slice(2)): Config {
  // A switch is a bare flag (`--tls`); every other setting takes a value.
  const options = Object.fromEntries(
    Object.values(FIELDS).map((f) => [flagName(f.env), { type: f.kind === 'switch' ? ('boolean' as const) : ('string' as const) }]),
  );
  const { values } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean' } }, strict: true });
  if (values.help === true) {
    throw new HelpRequested(usage());
  }
  const overrides: Partial<Record<keyof Config, unknown>> = {};
  for (const [key, field] of Object.entries(FIELDS) as [keyof Config, (typeof FIELDS)[keyof Config]][]) {
    const flag = (values as Record<string, string | boolean | undefined>)[flagName(field.env)];
    // The former name counts only when the current one is not set, and its errors name it.
    const name = field.formerEnv !== undefined && !env[field.env] && env[field.formerEnv] ? field.formerEnv : field.env;
    const raw = typeof flag === 'string' ? flag : flag === true ? 'on' : env[name];
    if (raw !== undefined && raw !== '') overrides[key] = parseValue(key, raw, name);
  }
  const config = makeConfig(overrides as Partial<Config>);
  if (config.feed !== 'memory' && !/^rediss?(\+cluster)?:\/\//.test(config.feed)) {
    throw new Error(`FEED must be "memory" or a redis:// URL (redis+cluster://host:port,... for a Redis Cluster), got "${config.feed}"`);
  }
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    throw new Error(
      `HEADERS_TIMEOUT_MS (${config.headersTimeoutMs}) must not exceed REQUEST_TIMEOUT_MS (${config.requestTimeoutMs}): the headers are part of the request`,
    );
  }
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw new Error('TLS_CERT and TLS_KEY go together: give both files (certificate and its private key), or neither for a self-signed certificate');
  }
  if (config.tlsCert !== undefined && !config.tls) {
    throw new Error('TLS_CERT and TLS_KEY are used with TLS only: add --tls (or TLS=on)');
  }
  if (config.workers > 1 && config.feed === 'memory') {
    throw new Error(
      `--workers ${config.workers} needs a shared feed: each process would have its own counts with FEED=memory. ` +
        'Start Redis and pass FEED=redis://127.0.0.1:6379 (or --feed redis://127.0.0.1:6379).',
    );
  }
  return config;
}

export class HelpRequested extends Error {}

export function usage(): string {
  const width = Math.max(...Object.values(FIELDS).map((f) => f.env.length)) + 2;
  const lines = Object.entries(FIELDS).map(([key, f]) => {
    const def = key in DEFAULTS ? JSON.stringify(DEFAULTS[key as keyof typeof DEFAULTS]) : DERIVED_DEFAULTS[key as keyof typeof DERIVED_DEFAULTS];
    return `  --${flagName(f.env).padEnd(width)} ${f.env.padEnd(width)} default ${def}`;
  });
  return ['Usage: npm start -- [--flag value ...]   (each flag can also be set as the environment variable beside it)', '', ...lines].join('\n');
}
