/**
 * The floor of push in Node: a bare `ws` broadcast server with the feed's event bytes and nothing
 * else (no framework, no sessions, no log, no resume). The bench measures it with the same clients
 * as the real server, so every transport's cost can be read against it.
 *
 * It speaks just enough of the wire contract for those clients: POST /api/session, POST /api/votes,
 * GET /api/ws (a snapshot, then one VoteEvent per frame) and GET /api/metrics (same shape as the
 * real server's, socket byte counters included). Run: PORT=4000 node --import tsx bench/reference/ws-broadcast-server.ts
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';
import { DEFAULT_CANDIDATES } from '../../src/feed/ballot.ts';

const candidates = DEFAULT_CANDIDATES.map((c) => ({ ...c, count: 0 }));
let seq = 0;
const ws = { open: 0, requests: 0, deliveries: 0, bytesIn: 0, bytesOut: 0, sockets: new Set<Socket>() };
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
const now = (): number => performance.timeOrigin + performance.now();
// Utilisation and uptime from the same moment, as the real server reports them.
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
    response.writeHead(200, { ...json, 'set-cookie': 'sid=reference; Path=/; HttpOnly; SameSite=Lax' });
    response.end(JSON.stringify({ userId: 'reference', name: 'reference' }));
  } else if (request.method === 'POST' && request.url === '/api/votes') {
    void readBody(request).then((text) => {
      const input = JSON.parse(text) as { candidateId: string; voteId?: string };
      const candidate = candidates.find((c) => c.id === input.candidateId) ?? candidates[0]!;
      candidate.count++;
      // Same keys in the same order as the real feed's events, so the frames have the same bytes.
      const event = { type: 'vote', seq: ++seq, candidateId: candidate.id, count: candidate.count, votedAt: now(), ...(input.voteId === undefined ? {} : { voteId: input.voteId }) };
      const frame = JSON.stringify(event);
      for (const client of wss.clients) client.send(frame);
      ws.deliveries += wss.clients.size;
      response.writeHead(201, json).end(JSON.stringify({ event }));
    });
  } else if (request.method === 'GET' && request.url === '/api/ballot') {
    response.writeHead(200, { ...json, etag: `"${seq}"` }).end(JSON.stringify({ type: 'snapshot', seq, candidates, at: now() }));
  } else if (request.method === 'GET' && request.url === '/api/metrics') {
    response.writeHead(200, json).end(JSON.stringify(metrics()));
  } else {
    response.writeHead(404, json).end(JSON.stringify({ error: 'not_found', message: 'not here' }));
  }
});

server.on('upgrade', (request, socket, head) => {
  if (!request.url?.startsWith('/api/ws')) return socket.destroy();
  ws.requests++;
  ws.sockets.add(socket as Socket);
  socket.once('close', () => {
    ws.bytesIn += (socket as Socket).bytesRead;
    ws.bytesOut += (socket as Socket).bytesWritten;
    ws.sockets.delete(socket as Socket);
  });
  wss.handleUpgrade(request, socket, head, (client) => {
    ws.open++;
    client.once('close', () => ws.open--);
    client.send(JSON.stringify({ type: 'snapshot', seq, candidates, at: now() }));
  });
});

function metrics(): unknown {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  let { bytesIn, bytesOut } = ws;
  for (const socket of ws.sockets) {
    bytesIn += socket.bytesRead;
    bytesOut += socket.bytesWritten;
  }
  const counters = { open: ws.open, requests: ws.requests, deliveries: ws.deliveries, emptyResponses: 0, bytesIn, bytesOut, queues: 0, queueDepth: 0, resets: 0, drops: 0 };
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
    transports: { websocket: counters },
  };
}

server.listen(Number(process.env.PORT ?? 4000), '127.0.0.1');
process.once('SIGTERM', () => {
  for (const client of wss.clients) client.close(1001);
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
