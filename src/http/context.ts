import fp from 'fastify-plugin';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Config } from '../config.ts';
import type { Feed } from '../feed/feed.ts';
import { TransportMetrics, type TransportLabel } from '../metrics/transport-metrics.ts';
import { ClientFaultLog } from './client-fault-log.ts';
import { Lifecycle } from './lifecycle.ts';
import { sendErrorAndClose } from './errors.ts';
import { TlsConnections } from './tls-connections.ts';
import { transportSocketOf } from './transport-socket.ts';
import type { Http2SecureServer } from 'node:http2';
import type { Socket } from 'node:net';

/** The answer to a request that arrives while the server shuts down (it also ends the connection). */
export function sendShuttingDown(reply: FastifyReply): FastifyReply {
  return sendErrorAndClose(reply, 503, 'shutting_down', 'The server is shutting down; try again shortly');
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    feed: Feed;
    metrics: TransportMetrics;
    lifecycle: Lifecycle;
    /** Where faults of clients (bad HTTP, WebSocket protocol errors) are logged, without stacks and rate-limited. */
    clientFaults: ClientFaultLog;
  }
  interface FastifyRequest {
    /**
     * The TCP socket the request came on (src/http/transport-socket.ts), taken when it arrived: an HTTP/2
     * stream that has ended no longer leads to its connection.
     */
    transportSocket: Socket | null;
  }
  interface FastifyContextConfig {
    /** Which metrics label a route's bytes and requests count under. @default "other" */
    transport?: TransportLabel;
  }
}

/**
 * The shared state every route and transport uses, as typed decorators, plus the hooks that
 * count requests and bytes per transport and turn requests away while the server shuts down.
 */
const contextPlugin: FastifyPluginAsync<{ config: Config; feed: Feed }> = async (app, { config, feed }) => {
  const metrics = new TransportMetrics();
  app.decorate('config', config);
  app.decorate('feed', feed);
  app.decorate('metrics', metrics);
  app.decorate(
    'lifecycle',
    new Lifecycle({
      server: app.server,
      // With TLS, app.server is the HTTP/2 server (src/app.ts) whatever Fastify's types say.
      tlsConnections: config.tls ? new TlsConnections(app.server as unknown as Http2SecureServer) : undefined,
      graceMs: config.shutdownGraceMs,
      onGraceOver: (open) => app.log.warn(`shutdown: ${open} connections still open after ${config.shutdownGraceMs} ms; cutting them`),
    }),
  );
  app.decorate('clientFaults', new ClientFaultLog(app.log));
  // Stryker disable next-line StringLiteral: the decoration only declares the property up front; the onRequest hook sets it on every request
  app.decorateRequest('transportSocket', null);

  app.addHook('onRequest', function countRequest(request, reply, done) {
    const label = request.routeOptions.config.transport ?? 'other';
    const counters = metrics.counters[label];
    counters.requests++;
    const socket = transportSocketOf(request.raw);
    request.transportSocket = socket;
    metrics.label(socket, label);
    if (app.lifecycle.closing) {
      sendShuttingDown(reply);
      return;
    }
    // A WebSocket's upgrade request has no real response to watch: the websocket transport counts it.
    if (label !== 'websocket') {
      counters.open++;
      const response = reply.raw;
      app.lifecycle.responseStarted(response);
      // A response closes once: `on` spares the wrapper and the listener removal `once` costs every request.
      response.on('close', function onResponseClose() {
        counters.open--;
        app.lifecycle.responseClosed(response);
      });
    }
    done();
  });
  app.addHook('onResponse', function countBytes(request, _reply, done) {
    metrics.flush(request.transportSocket ?? transportSocketOf(request.raw));
    done();
  });
  // Runs when app.close() starts, before the listener closes: answer and close every subscriber.
  app.addHook('preClose', async function drainSubscribers() {
    await app.lifecycle.shutdown();
  });
};

export default fp(contextPlugin, { name: 'votewire-context' });
