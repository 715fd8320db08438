/**
 * The floor of push in Node: a bare `ws` broadcast server with the feed's event bytes and nothing
 * else (no framework, no sessions, no log, no resume). The bench measures it with the same clients
 * as the real server, so every transport's cost can be read against it.
 *
 * It speaks just enough of the wire contract for those clients: POST /api/session, POST /api/votes,
 * GET /api/ws (a snapshot, then one VoteEvent per frame) and GET /api/metrics (same shape as the
 * real server's, socket byte counters included). Run: PORT=4000 node bench/reference/ws-broadcast-server.ts
 */
import { createServer } from 'node:http';
import { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { notFound, referenceBallot, referenceCounters } from './reference-http.ts';

const ws = { open: 0, requests: 0, bytesIn: 0, bytesOut: 0, sockets: new Set<Socket>() };
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

const ballot = referenceBallot({
  sessionCookie: () => 'sid=reference; Path=/; HttpOnly; SameSite=Lax',
  broadcast(event) {
    const frame = JSON.stringify(event);
    for (const client of wss.clients) client.send(frame);
    return wss.clients.size;
  },
  counters() {
    let { bytesIn, bytesOut } = ws;
    for (const socket of ws.sockets) {
      bytesIn += socket.bytesRead;
      bytesOut += socket.bytesWritten;
    }
    return { transport: 'websocket', counters: referenceCounters({ open: ws.open, requests: ws.requests, bytesIn, bytesOut }) };
  },
});

const server = createServer((request, response) => {
  if (!ballot.handle(request, response)) notFound(response);
});

server.on('upgrade', (request, socket, head) => {
  // An http.Server hands over its net.Socket, which Node types as any Duplex.
  if (!(socket instanceof Socket) || !request.url?.startsWith('/api/ws')) return socket.destroy();
  ws.requests++;
  ws.sockets.add(socket);
  socket.once('close', () => {
    ws.bytesIn += socket.bytesRead;
    ws.bytesOut += socket.bytesWritten;
    ws.sockets.delete(socket);
  });
  wss.handleUpgrade(request, socket, head, (client) => {
    ws.open++;
    client.once('close', () => ws.open--);
    client.send(JSON.stringify(ballot.snapshot()));
  });
});

server.listen(Number(process.env.PORT ?? 4000), '127.0.0.1');
process.once('SIGTERM', () => {
  for (const client of wss.clients) client.close(1001);
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
