import type { FastifyInstance } from 'fastify';
import { onTestFinished } from 'vitest';
import { buildApp, type BuildOptions } from '../../src/app.ts';
import { makeConfig, type Config } from '../../src/config.ts';
import { MemoryFeed } from '../../src/feed/memory-feed.ts';
import type { Feed } from '../../src/feed/feed.ts';
import type { Snapshot } from '../../src/feed/types.ts';

export interface RunningServer {
  /** e.g. http://127.0.0.1:41234 (https:// with `tls: true`) */
  url: string;
  app: FastifyInstance;
  feed: Feed;
  config: Config;
  close(): Promise<void>;
}

/**
 * A real server listening on 127.0.0.1 (on a free port unless `overrides.port` names one), with an
 * in-memory feed unless one is given, and silent unless given a logger.
 */
export async function startServer(overrides: Partial<Config> = {}, feed?: Feed, logger: BuildOptions['logger'] = false): Promise<RunningServer> {
  const config = makeConfig({ port: 0, logLevel: 'warn', ...overrides });
  const theFeed = feed ?? new MemoryFeed({ candidates: config.candidates, logSize: config.logSize, voteIdWindowMs: config.voteIdWindowMs });
  const app = await buildApp({ config, feed: theFeed, logger });
  await app.listen({ port: config.port, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no port');
  let closed = false;
  return {
    url: `${config.tls ? 'https' : 'http'}://127.0.0.1:${address.port}`,
    app,
    feed: theFeed,
    config,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      if (feed === undefined) await theFeed.close();
    },
  };
}

/** `startServer` for the running test: closed when the test finishes, passed or failed (after its `afterEach` hooks). */
export async function startServerForTest(...args: Parameters<typeof startServer>): Promise<RunningServer> {
  const server = await startServer(...args);
  onTestFinished(() => server.close());
  return server;
}

/** How many connections the server holds open now (WebSockets and parked requests included). */
export function openConnections(running: RunningServer): Promise<number> {
  return new Promise((resolve, reject) => running.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

export interface Session {
  cookie: string;
  userId: string;
  name: string;
}

/** POST /api/session and keep the `sid` cookie as a Cookie header value. */
export async function createSession(url: string, name?: string): Promise<Session> {
  const response = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(name === undefined ? {} : { name }),
  });
  if (response.status !== 200) throw new Error(`session: ${response.status} ${await response.text()}`);
  const setCookie = response.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0] ?? '';
  const body = (await response.json()) as { userId: string; name: string };
  return { cookie, ...body };
}

/** GET /api/ballot. */
export async function ballot(url: string): Promise<Snapshot> {
  const response = await fetch(`${url}/api/ballot`);
  if (response.status !== 200) throw new Error(`ballot: ${response.status}`);
  return (await response.json()) as Snapshot;
}

/** POST /api/votes as a session; returns status and parsed body. */
export async function castVote(
  url: string,
  session: Session | undefined,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/api/votes`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(session === undefined ? {} : { cookie: session.cookie }),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: the test will say so
  }
  return { status: response.status, body: parsed };
}
