import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import type { Socket } from 'node:net';
import { sendErrorAndClose } from './errors.ts';
import { transportSocketOf } from './transport-socket.ts';

/**
 * MAX_CONNECTIONS_PER_IP: one client address may hold at most this many open connections (HTTP,
 * SSE and WebSocket alike). A connection over the cap is not cut blindly: its first request is answered
 * 429 `too_many_connections` with `Connection: close`, so the client learns why, and the connection goes.
 * Connections are counted as they open and close, not per request: the polling path pays one Set lookup.
 * With TLS they are the TCP connections under it; an HTTP/2 connection counts once, however many streams it carries.
 */
const connectionLimit: FastifyPluginAsync<{ maxPerIp: number }> = async (app, { maxPerIp }) => {
  if (maxPerIp === 0) return;
  const openPerIp = new Map<string, number>();
  const overTheCap = new WeakSet<Socket>();

  app.server.on('connection', function countConnection(socket: Socket) {
    // Stryker disable next-line StringLiteral: an address is only missing from a socket closed already, counted and uncounted under the same key
    const ip = socket.remoteAddress ?? '';
    const open = (openPerIp.get(ip) ?? 0) + 1;
    openPerIp.set(ip, open);
    if (open > maxPerIp) overTheCap.add(socket);
    socket.once('close', function uncountConnection() {
      const left = (openPerIp.get(ip) ?? 1) - 1;
      // Stryker disable next-line ConditionalExpression: an address kept at 0 counts the same as one forgotten; only memory differs
      if (left === 0) openPerIp.delete(ip);
      else openPerIp.set(ip, left);
    });
  });

  app.addHook('onRequest', function refuseOverTheCap(request, reply, done) {
    if (!overTheCap.has(transportSocketOf(request.raw))) {
      done();
      return;
    }
    sendErrorAndClose(reply, 429, 'too_many_connections', `At most ${maxPerIp} open connections per client address; close some and retry`);
  });
};

export default fp(connectionLimit, { name: 'votewire-connection-limit' });
