/**
 * Socket.IO's polling transport as a reference for our long polling (issue 2's target: a quarter of its
 * latency at no more CPU and no more bytes per delivered vote). A plain Socket.IO 4 server with
 * `transports: ['polling']` and its defaults otherwise, except `httpCompression: false` (our server
 * does not compress either, and the Node client cannot decompress).
 *
 * Like bench/reference/ws-broadcast-server.ts it speaks just enough of our contract for the bench:
 * POST /api/session (a cookie as long as a real session's, so request headers weigh the same),
 * POST /api/votes (each vote is broadcast as `io.emit('vote', event)` with the same event JSON as the
 * real feed), GET /api/ballot, GET /api/metrics (same shape, with the byte counters of the sockets that
 * carried Socket.IO requests). A new connection gets `snapshot` first.
 * Run: PORT=4001 node bench/reference/socketio-polling-server.ts
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Server } from 'socket.io';
import { notFound, realLengthSessionCookie, referenceBallot, referenceCounters } from './reference-http.ts';

const sio = { requests: 0, closedIn: 0, closedOut: 0, sockets: new Set<Socket>() };

const ballot = referenceBallot({
  sessionCookie: realLengthSessionCookie,
  broadcast(event) {
    io.emit('vote', event);
    return io.engine.clientsCount;
  },
  counters() {
    let bytesIn = sio.closedIn;
    let bytesOut = sio.closedOut;
    for (const socket of sio.sockets) {
      bytesIn += socket.bytesRead;
      bytesOut += socket.bytesWritten;
    }
    return { transport: 'socketio-polling', counters: referenceCounters({ open: io.engine.clientsCount, requests: sio.requests, bytesIn, bytesOut }) };
  },
});

const server = createServer((request, response) => {
  if (!ballot.handle(request, response) && !request.url?.startsWith('/socket.io/')) notFound(response);
});

const io = new Server(server, { transports: ['polling'], serveClient: false, httpCompression: false });
io.on('connection', (socket) => {
  socket.emit('snapshot', ballot.snapshot());
});

// Bytes are counted on the sockets that carry Socket.IO requests (a subscriber's connections carry
// nothing else), from their first byte: handshake, polls, pongs, headers and all. Attached after
// Socket.IO, which wraps the 'request' listeners present when it attaches, and prepended so it sees every request.
server.prependListener('request', (request: IncomingMessage) => {
  if (!request.url?.startsWith('/socket.io/')) return;
  sio.requests++;
  const socket = request.socket;
  if (sio.sockets.has(socket)) return;
  sio.sockets.add(socket);
  socket.once('close', () => {
    sio.closedIn += socket.bytesRead;
    sio.closedOut += socket.bytesWritten;
    sio.sockets.delete(socket);
  });
});

server.listen(Number(process.env.PORT ?? 4001), '127.0.0.1');
process.once('SIGTERM', () => {
  void io.close();
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
