import type { Http2SecureServer, ServerHttp2Session } from 'node:http2';
import type { TLSSocket } from 'node:tls';

/**
 * The open connections of the TLS server (HTTP/2 sessions and HTTP/1.1 connections on the same port), for
 * the shutdown: GOAWAY on every HTTP/2 session first (the client opens no new stream on it and the streams
 * in progress finish), and once the grace period is over every connection left is cut. The HTTP/1.1 ones
 * are otherwise closed as on the plain server (`Connection: close`, then closed when idle).
 */
export class TlsConnections {
  readonly #sessions = new Set<ServerHttp2Session>();
  readonly #sockets = new Set<TLSSocket>();

  constructor(server: Http2SecureServer) {
    server.on('session', (session: ServerHttp2Session) => {
      this.#sessions.add(session);
      // Stryker disable next-line StringLiteral,ArrowFunction: a closed session left in the set gets a close() and a destroy() that do nothing; only memory differs
      session.once('close', () => this.#sessions.delete(session));
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      this.#sockets.add(socket);
      // Stryker disable next-line StringLiteral,ArrowFunction: destroying a closed socket again does nothing; only memory differs
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  /** Sends GOAWAY on every HTTP/2 session; each closes once its streams have ended (close() again does nothing). */
  goAway(): void {
    for (const session of this.#sessions) session.close();
  }

  /** Cuts every connection still open (HTTP/2 streams are reset). */
  destroyAll(): void {
    // Stryker disable next-line CallExpression: destroying every socket below cuts the HTTP/2 sessions on them as well
    for (const session of this.#sessions) session.destroy();
    for (const socket of this.#sockets) socket.destroy();
  }
}
