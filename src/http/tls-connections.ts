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
      session.once('close', () => this.#sessions.delete(session));
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  /** Sends GOAWAY on every HTTP/2 session; each closes once its streams have ended. */
  goAway(): void {
    for (const session of this.#sessions) if (!session.closed) session.close();
  }

  /** Cuts every connection still open (HTTP/2 streams are reset). */
  destroyAll(): void {
    for (const session of this.#sessions) session.destroy();
    for (const socket of this.#sockets) socket.destroy();
  }
}
