import { startServer, type RunningServer } from '../helpers/server.ts';

/**
 * A server that can be stopped and started again on the same port, the way `npm start` after a crash
 * would be: a fresh in-memory feed (seq starts over) and a fresh random session secret (every cookie
 * becomes unknown).
 */
export class RestartableServer {
  #server: RunningServer | undefined;
  #port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get running(): boolean {
    return this.#server !== undefined;
  }

  async start(): Promise<void> {
    if (this.#server !== undefined) return;
    this.#server = await startServer({ port: this.#port });
    this.#port = Number(new URL(this.#server.url).port);
  }

  /** The graceful shutdown of src/server.ts: parked polls answered, WebSockets 1001, SSE ended. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    await server?.close();
  }

  head(): number {
    return this.#server?.feed.head() ?? 0;
  }
}
