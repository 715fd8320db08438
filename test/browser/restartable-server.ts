import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { makeConfig } from '../../src/config.ts';
import { MemoryFeed } from '../../src/feed/memory-feed.ts';

/**
 * A server that can be stopped and started again on the same port, the way `npm start` after a crash
 * would be: a fresh in-memory feed (seq starts over) and a fresh random session secret (every cookie
 * becomes unknown). test/helpers/server.ts always takes a new port, which a restart test cannot use.
 */
export class RestartableServer {
  #app: FastifyInstance | undefined;
  #feed: MemoryFeed | undefined;
  #port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get running(): boolean {
    return this.#app !== undefined;
  }

  async start(): Promise<void> {
    if (this.#app !== undefined) return;
    const config = makeConfig({ port: this.#port, logLevel: 'warn' });
    this.#feed = new MemoryFeed({ candidates: config.candidates, logSize: config.logSize });
    const app = await buildApp({ config, feed: this.#feed, logger: false });
    await app.listen({ port: this.#port, host: '127.0.0.1' });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('server has no port');
    this.#port = address.port;
    this.#app = app;
  }

  /** The graceful shutdown of src/server.ts: parked polls answered, WebSockets 1001, SSE ended. */
  async stop(): Promise<void> {
    const app = this.#app;
    this.#app = undefined;
    await app?.close();
    await this.#feed?.close();
  }

  head(): number {
    return this.#feed?.head() ?? 0;
  }
}
