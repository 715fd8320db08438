import type { Socket } from 'node:net';

export interface ByteCount {
  /** Bytes this side wrote to the wire (requests, frames). */
  sent: number;
  /** Bytes this side read from the wire (responses, frames). */
  received: number;
}

/**
 * Bytes on a client's own sockets, headers and framing included: the client-side half of the
 * "counted at the sockets on both sides" rule. Sockets are kept after they close, because
 * a reconnecting client must not lose its count.
 */
export class SocketCounter {
  readonly #open = new Set<Socket>();
  #closed: ByteCount = { sent: 0, received: 0 };
  #connections = 0;

  /** Counts the socket's bytes from now on; returns it, for use in place. */
  track<S extends Socket>(socket: S): S {
    this.#open.add(socket);
    this.#connections++;
    // Read the counters at close: some Node versions stop reporting them once a socket is destroyed.
    socket.once('close', () => {
      this.#closed = {
        sent: this.#closed.sent + socket.bytesWritten,
        received: this.#closed.received + socket.bytesRead,
      };
      this.#open.delete(socket);
    });
    return socket;
  }

  /** TCP connections opened so far. */
  get connections(): number {
    return this.#connections;
  }

  totals(): ByteCount {
    let { sent, received } = this.#closed;
    for (const socket of this.#open) {
      sent += socket.bytesWritten;
      received += socket.bytesRead;
    }
    return { sent, received };
  }
}
