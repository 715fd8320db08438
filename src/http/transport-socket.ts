import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { Socket } from 'node:net';

/**
 * The TCP socket under a request, whatever carries it: a plain HTTP/1.1 connection, HTTP/1.1 over TLS,
 * or an HTTP/2 stream over TLS. Its byte counts are what crossed the wire, TLS records and HTTP/2 framing
 * included; the TLS socket above it counts plaintext only. It is also the one key per connection: an
 * HTTP/2 request's own `socket` is a proxy made for its stream, a new object for every request.
 */
export function transportSocketOf(request: IncomingMessage | Http2ServerRequest): Socket {
  // A stream's session outlives it; its socket is the TLS socket (behind a proxy that forwards reads to it).
  const socket = 'stream' in request ? (request.stream.session?.socket ?? request.socket) : request.socket;
  // Node keeps the TCP socket a TLS socket wraps as `_parent` and has no public name for it.
  return (socket as Socket & { _parent?: Socket | null })._parent ?? socket;
}

/** True for a request that came over HTTP/2 (no `Connection` header there: GOAWAY ends the connection). */
export function isHttp2(request: IncomingMessage | Http2ServerRequest): request is Http2ServerRequest {
  return request.httpVersionMajor === 2;
}
