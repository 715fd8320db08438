import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Http2SecureServer } from 'node:http2';
import Fastify, { LogController, type FastifyHttp2SecureOptions, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import captureRoutes from './capture/capture-routes.ts';
import type { Config } from './config.ts';
import type { Feed } from './feed/feed.ts';
import { loadTlsMaterial } from './tls/certificate.ts';
import connectionLimit from './http/connection-limit.ts';
import context from './http/context.ts';
import { answerClientError, installErrorHandlers, replyWithError } from './http/errors.ts';
import metricsRoutes from './http/metrics-routes.ts';
import origin from './http/origin.ts';
import { deferredRequestLogger } from './http/request-logger.ts';
import session from './http/session.ts';
import staticSite from './http/static-site.ts';
import voteLimiter from './http/vote-limiter.ts';
import votesRoutes from './http/votes.ts';
import longPollingTransport from './transports/long-polling.ts';
import pollingTransport from './transports/polling.ts';
import sseTransport from './transports/sse.ts';
import websocketTransport from './transports/websocket.ts';

export const WEB_ROOT = fileURLToPath(new URL('../web/dist/', import.meta.url));

export interface BuildOptions {
  config: Config;
  feed: Feed;
  /** Pino logger options (a `stream` too), or false for silence (tests). @default { level: config.logLevel } */
  logger?: FastifyServerOptions['logger'];
}

/** Builds the whole server around a feed. It does not listen: src/server.ts and the tests do. */
export async function buildApp({ config, feed, logger }: BuildOptions): Promise<FastifyInstance> {
  const options = {
    logger: logger ?? { level: config.logLevel },
    bodyLimit: config.bodyLimitBytes,
    // Node's request timers run from the first byte of a request until it has fully arrived (headers, then
    // body), not until it is answered: a slow upload is cut with 408, while parked long polls and SSE streams,
    // whose requests arrived long ago, are not. The socket idle timeout stays off for the same reason.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: 0,
    // Malformed HTTP, headers over the limit and request timeouts get the JSON Error shape as well.
    clientErrorHandler: answerClientError,
    // So does a URL that does not decode (`/%zz`), which fails before any route is found.
    frameworkErrors: function onFrameworkError(error, request, reply) {
      // The reply is thenable; Fastify only wants the answer sent, not awaited.
      void replyWithError(error, request, reply);
    },
    keepAliveTimeout: config.longPollTimeoutMs + 10_000,
    // Our own onRequest hook answers 503 with the JSON Error shape while shutting down.
    return503OnClosing: false,
    // A line per request would cost more than a poll itself; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // So a request's own logger is only made when something is logged for it (src/http/request-logger.ts).
    childLoggerFactory: deferredRequestLogger,
    // Idle keep-alive sockets are closed at shutdown; busy ones finish first, so the 1001 close frames
    // and the answers to parked polls are not cut off by a destroyed socket.
    forceCloseConnections: 'idle',
    ajv: {
      // Bodies must be exactly right: no coercing "1" to 1, no silently dropping unknown keys.
      customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false },
    },
  } satisfies FastifyServerOptions;
  const http1 = {
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    // Node checks the timers at this interval (30 s by default): often enough that a timeout means what it says.
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(config.headersTimeoutMs / 10))),
  };
  const tls = config.tls ? await loadTlsMaterial(config) : undefined;
  const app = (
    tls === undefined
      ? Fastify({ ...options, http: http1 })
      : // HTTPS with HTTP/2 and HTTP/1.1 on one port, chosen by ALPN: browsers take h2, a WebSocket upgrade
        // comes over HTTP/1.1 (README.md, "HTTPS and HTTP/2"). The HTTP/1.1 side keeps the
        // same request timers. The routes use what HTTP/1.1 and HTTP/2 requests have in common (Node's
        // compatibility API), so the instance is typed as the HTTP/1.1 one.
        // (`options` is typed for the HTTP/1.1 server, whose handlers get the same compatible requests.)
        (Fastify({
          ...(options as unknown as FastifyHttp2SecureOptions<Http2SecureServer>),
          http2: true,
          https: { allowHTTP1: true, key: tls.key, cert: tls.cert },
          // An HTTP/2 connection nobody used for this long is closed (GOAWAY): longer than a parked poll.
          http2SessionTimeout: config.longPollTimeoutMs + 10_000,
        }) as unknown as FastifyInstance)
  ).withTypeProvider<TypeBoxTypeProvider>();
  // The HTTP/2 server keeps HTTP/1.1's timers as properties (Node's types leave them out); they are read at listen time and per connection.
  if (tls !== undefined) Object.assign(app.server, { ...http1, keepAliveTimeout: options.keepAliveTimeout });

  installErrorHandlers(app);
  // Only JSON bodies are accepted: anything else is a 415, not a string handed to a route.
  app.removeContentTypeParser(['text/plain']);

  await app.register(context, { config, feed });
  await app.register(connectionLimit, { maxPerIp: config.maxConnectionsPerIp });
  await app.register(origin);
  await app.register(session, {
    secret: config.sessionSecret,
    ttlS: config.sessionTtlS,
    perMinutePerIp: config.sessionsPerMinutePerIp,
    secure: config.tls,
  });
  await app.register(voteLimiter, { votesPerSecond: config.votesPerSecond });
  await app.register(votesRoutes);
  await app.register(captureRoutes);
  await app.register(pollingTransport);
  await app.register(longPollingTransport);
  await app.register(websocketTransport);
  await app.register(sseTransport);
  await app.register(metricsRoutes);

  if (existsSync(WEB_ROOT)) {
    // The demo's files, with security headers, compression and cache headers; the /api routes get none of these.
    await app.register(staticSite, { root: WEB_ROOT });
  } else {
    app.get('/', async (_request, reply) =>
      reply.type('text/plain; charset=utf-8').send('Votewire API is up. Build the demo with `npm run build:web` (npm start does).\n'),
    );
  }
  return app;
}
