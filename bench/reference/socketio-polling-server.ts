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
 * Run: PORT=4001 node --import tsx bench/reference/socketio-polling-server.ts
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Server } from 'socket.io';
import { DEFAULT_CANDIDATES } from '../../src/feed/ballot.ts';

const candidates = DEFAULT_CANDIDATES.map((c) => ({ ...c, count: 0 }));
let seq = 0;
const sio = { requests: 0, deliveries: 0, closedIn: 0, closedOut: 0, sockets: new Set<Socket>() };
const now = (): number => performance.timeOrigin + performance.now();
const startedAt = performance.now();
const eluAtStart = performance.eventLoopUtilization();
const json = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  return body;
}

const server = createServer((request, response) => {
  if (request.method === 'POST' && request.url === '/api/session') {
    // "u_" + 12 characters, signed with 43 characters of HMAC: the length of the real server's cookie.
    const sid = `u_${randomBytes(9).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
    response.writeHead(200, { ...json, 'set-cookie': `sid=${sid}; Path=/; HttpOnly; SameSite=Lax` });
    response.end(JSON.stringify({ userId: sid.slice(0, 14), name: 'reference' }));
  } else if (request.method === 'POST' && request.url === '/api/votes') {
    void readBody(request).then((text) => {
      const input = JSON.parse(text) as { candidateId: string; voteId?: string };
      const candidate = candidates.find((c) => c.id === input.candidateId) ?? candidates[0]!;
      candidate.count++;
      // Same keys in the same order as the real feed's events.
      const event = { type: 'vote', seq: ++seq, candidateId: candidate.id, count: candidate.count, votedAt: now(), ...(input.voteId === undefined ? {} : { voteId: input.voteId }) };
      io.emit('vote', event);
      sio.deliveries += io.engine.clientsCount;
      response.writeHead(201, json).end(JSON.stringify({ event }));
    });
  } else if (request.method === 'GET' && request.url === '/api/ballot') {
    response.writeHead(200, { ...json, etag: `"${seq}"` }).end(JSON.stringify({ type: 'snapshot', seq, candidates, at: now() }));
  } else if (request.method === 'GET' && request.url === '/api/metrics') {
    response.writeHead(200, json).end(JSON.stringify(metrics()));
  } else if (!request.url?.startsWith('/socket.io/')) {
    response.writeHead(404, json).end(JSON.stringify({ error: 'not_found', message: 'not here' }));
  }
});

const io = new Server(server, { transports: ['polling'], serveClient: false, httpCompression: false });
io.on('connection', (socket) => {
  socket.emit('snapshot', { type: 'snapshot', seq, candidates, at: now() });
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

function metrics(): unknown {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  let bytesIn = sio.closedIn;
  let bytesOut = sio.closedOut;
  for (const socket of sio.sockets) {
    bytesIn += socket.bytesRead;
    bytesOut += socket.bytesWritten;
  }
  const counters = { open: io.engine.clientsCount, requests: sio.requests, deliveries: sio.deliveries, emptyResponses: 0, bytesIn, bytesOut, queues: 0, queueDepth: 0, resets: 0, drops: 0 };
  return {
    feed: { kind: 'reference', head: seq },
    uptimeMs: performance.now() - startedAt,
    process: {
      pid: process.pid,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      eventLoopUtilization: performance.eventLoopUtilization(eluAtStart).utilization,
    },
    transports: { 'socketio-polling': counters },
  };
}

server.listen(Number(process.env.PORT ?? 4001), '127.0.0.1');
process.once('SIGTERM', () => {
  void io.close();
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
