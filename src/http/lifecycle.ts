import type { Server, ServerResponse } from 'node:http';
import type { Http2SecureServer, Http2ServerResponse } from 'node:http2';
import type { TlsConnections } from './tls-connections.ts';
import { setTimeout as delay } from 'node:timers/promises';

/** While shutting down, how often connections that have fallen idle since are closed. */
const IDLE_SWEEP_MS = 100;
/** Idle connections are closed once no request has arrived for this long (see `#settle`). */
const SETTLE_QUIET_MS = 100;

export interface LifecycleOptions {
  server: Server | Http2SecureServer;
  /** With TLS: the HTTP/2 sessions (GOAWAY at the start of the shutdown) and every connection, to cut at the end. */
  tlsConnections?: TlsConnections;
  /** How long connections may take to finish once the shutdown began; then they are cut. */
  graceMs: number;
  /** Told how many connections were still open when the grace period ran out. */
  onGraceOver: (openConnections: number) => void;
}

/**
 * The shutdown, in order (docs/protocol.md describes what clients see):
 * 1. refuse new requests (503, `Connection: close`) and mark every answer still to come `Connection: close`,
 *    so a client with a request in flight gets its answer and knows not to send another on that connection;
 *    on HTTP/2, which has no such header, every session gets GOAWAY instead: its open streams finish;
 * 2. let every transport drain: parked polls answered, WebSockets closed with 1001, SSE streams ended;
 * 3. wait until requests stop arriving (each was answered 503 with `Connection: close`), then close the
 *    idle keep-alive connections, and the others as they fall idle;
 * 4. once the grace period is over, cut whatever is left: a WebSocket peer that never returns the close
 *    frame, a request body that trickles in. Transports register a drain step and a termination step.
 */
export class Lifecycle {
  readonly #options: LifecycleOptions;
  #closing = false;
  readonly #drains: (() => void | Promise<void>)[] = [];
  readonly #terminations: (() => void)[] = [];
  /** Responses whose requests arrived and that are not finished yet. */
  readonly #inFlight = new Set<ServerResponse | Http2ServerResponse>();
  #shutdown: Promise<void> | undefined;

  constructor(options: LifecycleOptions) {
    this.#options = options;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** Graceful step of a transport (answer, close, end). */
  onShutdown(drain: () => void | Promise<void>): void {
    this.#drains.push(drain);
  }

  /** What a transport cuts when the grace period is over (connections the HTTP server does not see). */
  onTerminate(terminate: () => void): void {
    this.#terminations.push(terminate);
  }

  /** A request arrived: its answer is in flight until `responseClosed`. */
  responseStarted(response: ServerResponse | Http2ServerResponse): void {
    this.#inFlight.add(response);
  }

  responseClosed(response: ServerResponse | Http2ServerResponse): void {
    this.#inFlight.delete(response);
  }

  /** Idempotent: the second call waits for the first. Resolves once the transports have drained and requests stopped arriving. */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#run();
    return this.#shutdown;
  }

  async #run(): Promise<void> {
    this.#closing = true;
    for (const response of this.#inFlight) {
      // An HTTP/2 answer may not carry `Connection` (GOAWAY below says it).
      if (!response.headersSent && !('stream' in response)) response.setHeader('connection', 'close');
    }
    const { server, graceMs, tlsConnections } = this.#options;
    tlsConnections?.goAway();
    const listening = server.listening;
    if (listening) {
      const grace = setTimeout(() => this.#terminate(), graceMs);
      // Stryker disable next-line CallExpression: the timer is cleared when the server closes; unref only spares a process that exits before it
      grace.unref();
      server.once('close', () => clearTimeout(grace));
    }
    await Promise.allSettled(this.#drains.map(async (drain) => drain()));
    if (listening) {
      await this.#settle(Date.now() + graceMs);
      // An answer that was already on its way when the shutdown began still said keep-alive.
      // The HTTP/2 server has it too, for its HTTP/1.1 connections (Node's types leave it out).
      const sweep = setInterval(() => (server as Server).closeIdleConnections(), IDLE_SWEEP_MS);
      // Stryker disable next-line CallExpression: as the grace timer above
      sweep.unref();
      // Stryker disable next-line StringLiteral,ArrowFunction: an unref'd sweep left running closes the idle connections of a server that has none
      server.once('close', () => clearInterval(sweep));
    }
  }

  /**
   * A keep-alive connection that looks idle may have the client's next request already on its way;
   * closing it then resets that request. So idle connections are closed only once no request has arrived
   * for SETTLE_QUIET_MS: by then every busy client has had a `Connection: close` answer and moved off.
   * Nor while an answer given at the shutdown (a parked poll's, the end of an SSE stream) is still on its way
   * to a client that reads slowly: Node counts its connection idle once the answer has ended, and closing it
   * (the server's close does) would drop the bytes not yet sent.
   */
  async #settle(deadline: number): Promise<void> {
    const { server } = this.#options;
    let arrivals = 0;
    const countArrival = (): void => {
      // Stryker disable next-line UpdateOperator: only whether the count changed matters, and counting down changes it as well
      arrivals++;
    };
    // Listened to only while shutting down, so requests pay nothing for it otherwise.
    server.on('request', countArrival);
    server.on('upgrade', countArrival);
    try {
      // Stryker disable next-line UnaryOperator: any value other than 0, the count at the first check, starts the loop
      let seen = -1;
      while (Date.now() < deadline && (await this.#openConnections()) > 0 && (seen !== arrivals || this.#answerOnItsWay())) {
        seen = arrivals;
        await delay(SETTLE_QUIET_MS);
      }
      // Stryker disable next-line BlockStatement: a listener left on the closing server counts into a variable nobody reads any more
    } finally {
      // Stryker disable next-line StringLiteral: as above
      server.off('request', countArrival);
      // Stryker disable next-line StringLiteral: as above
      server.off('upgrade', countArrival);
    }
  }

  /** An answer that has ended but is not all out yet (its response closes, and leaves `#inFlight`, once it is). */
  #answerOnItsWay(): boolean {
    for (const response of this.#inFlight) if (response.writableEnded) return true;
    return false;
  }

  #openConnections(): Promise<number> {
    return new Promise((resolve) => this.#options.server.getConnections((error, count) => resolve(error === null ? count : 0)));
  }

  #terminate(): void {
    const { server, onGraceOver } = this.#options;
    server.getConnections((_error, count) => {
      onGraceOver(count);
      for (const terminate of this.#terminations) terminate();
      // The HTTP/2 server has no closeAllConnections: its connections are cut one by one.
      if ('closeAllConnections' in server) server.closeAllConnections();
      this.#options.tlsConnections?.destroyAll();
    });
  }
}
