import { createConnection, type NetConnectOpts } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { EventSource as NodeEventSource } from 'eventsource';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import NodeWebSocket from 'ws';
import type { ClientEnvironment } from '../../src/client/types.ts';
import { browserHeaders } from './browser-headers.ts';
import { SocketCounter } from './socket-counter.ts';
import { exchangeText } from './text-exchange.ts';

export interface NodeEnvironmentOptions {
  baseUrl: string;
  /** The session's `Cookie` header value: Node keeps no cookie jar, so it is passed explicitly. */
  cookie: string;
  /** The server's long-poll timeout: response headers may take this long to come. */
  longPollTimeoutMs: number;
  /** Over TLS (an https:// baseUrl): HTTP/2 or HTTP/1.1, and the certificate to trust. @default cleartext HTTP/1.1 */
  tls?: ClientTls;
}

/** A subscriber's TLS: which HTTP it offers by ALPN, and the server certificate it trusts (the bench's own, self-signed). */
export interface ClientTls {
  protocol: 'h1-tls' | 'h2';
  ca: string;
}

/** HTTP exchanges one subscriber made, as counted by its own fetch. */
export interface RequestCounts {
  requests: number;
  /** 304 and 204 responses: answers without news. */
  emptyStatus: number;
}

export interface CountedEnvironment {
  environment: ClientEnvironment;
  /** Bytes and connections at this subscriber's own sockets (HTTP, SSE and WebSocket alike). */
  sockets: SocketCounter;
  requests: RequestCounts;
  /** Closes the subscriber's connections. */
  close(): Promise<void>;
}

/**
 * A browser tab's worth of network for one subscriber, in Node: its own undici Agent (so its own
 * connection, as each browser has its own), fetch/EventSource/WebSocket that send the session cookie
 * and browser-like headers, and socket counters under all of them.
 */
export function nodeClientEnvironment(options: NodeEnvironmentOptions): CountedEnvironment {
  const { baseUrl, cookie } = options;
  const sockets = new SocketCounter();
  const requests: RequestCounts = { requests: 0, emptyStatus: 0 };
  const tls = options.tls;
  const allowH2 = tls?.protocol === 'h2';
  const connect = buildConnector(tls === undefined ? {} : { ca: tls.ca, allowH2 });
  const agent = new Agent({
    connections: 1,
    pipelining: 1,
    // Over h2 the one connection is one HTTP/2 session, as a browser tab's to one host.
    allowH2,
    // A parked long poll sends its headers only when it answers; SSE bodies go quiet between events.
    headersTimeout: options.longPollTimeoutMs + 30_000,
    bodyTimeout: 0,
    connect(connectOptions, callback) {
      // Over TLS the counted socket is the TCP one under it: its bytes include the TLS records, as the server's do.
      const httpSocket = tls === undefined ? undefined : sockets.track(createConnection({ host: connectOptions.hostname, port: Number(connectOptions.port) }));
      connect({ ...connectOptions, ...(httpSocket === undefined ? {} : { httpSocket }) }, (...result) => {
        // A failed connect (the server down) comes without a socket: undici passes undefined, not null.
        const [error, socket] = result;
        if (error !== null) {
          callback(error, null);
          return;
        }
        if (httpSocket === undefined) sockets.track(socket);
        callback(null, socket);
      });
    },
  });

  const headers = browserHeaders(baseUrl);
  const origin = new URL(baseUrl).origin;
  const originPrefix = `${origin}/`;
  /** The path and query of a URL on this subscriber's server: the client layer makes every URL from baseUrl. */
  const pathOf = (input: string | URL): string => {
    if (typeof input === 'string' && input.startsWith(originPrefix)) return input.slice(origin.length);
    const url = new URL(input);
    if (url.origin !== origin) throw new Error(`the bench's subscribers only talk to ${origin}, not ${url.origin}`);
    return url.pathname + url.search;
  };
  const countedFetch = async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
    requests.requests++;
    // undici's fetch and the DOM's have the same behaviour but distinct TypeScript types.
    const response = (await undiciFetch(input, {
      ...(init as Record<string, unknown>),
      headers: { ...headers, ...headerRecord(init.headers), cookie },
      dispatcher: agent,
    })) as unknown as Response;
    if (response.status === 304 || response.status === 204) requests.emptyStatus++;
    return response;
  };

  /**
   * What polling and long polling call. The client layer reads only `status` and `text()`, so this
   * is a Response of just those, read whole through undici's handler interface (bench/load/text-exchange.ts):
   * the full WHATWG fetch (Headers objects, web streams), and even `agent.request`'s body stream, cost the
   * one-core load generator several times what the exchange itself does, and with a thousand pollers that
   * cost, not the server, would set the measured latency. The bytes on the wire are the same: one request
   * with the same headers on the same connection.
   */
  const lightFetch = async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
    const requestHeaders: Record<string, string> = { ...headers, ...headerRecord(init.headers), cookie };
    requests.requests++;
    const { status, text } = await exchangeText(
      agent,
      {
        origin,
        path: pathOf(input),
        method: init.method ?? 'GET',
        headers: requestHeaders,
        body: typeof init.body === 'string' ? init.body : null,
      },
      init.signal ?? null,
    );
    if (status === 304 || status === 204) requests.emptyStatus++;
    const response: Pick<Response, 'status' | 'ok' | 'text' | 'json'> = {
      status,
      ok: status >= 200 && status < 300,
      text: () => Promise.resolve(text),
      json: () => Promise.resolve(JSON.parse(text) as unknown),
    };
    // Only the members above exist; the client layer uses no others (see src/client/*-client.ts).
    return response as Response;
  };

  const upgradeHeaders = {
    'user-agent': headers['user-agent']!,
    'accept-language': headers['accept-language']!,
    'accept-encoding': headers['accept-encoding']!,
    'cache-control': 'no-cache',
    pragma: 'no-cache',
    cookie,
  };
  class CountedWebSocket extends NodeWebSocket {
    constructor(url: string) {
      requests.requests++; // the upgrade is an HTTP request, as the server counts it
      super(url, {
        headers: upgradeHeaders,
        origin: baseUrl,
        createConnection: ((connectOptions: NetConnectOpts) => {
          const socket = sockets.track(createConnection(connectOptions));
          // wss:// is an HTTP/1.1 upgrade over TLS on the TCP socket counted above.
          return tls === undefined ? socket : tlsConnect({ socket, ca: tls.ca, ALPNProtocols: ['http/1.1'] });
        }) as typeof createConnection,
      });
    }
  }

  class CountedEventSource extends NodeEventSource {
    constructor(url: string, init?: { withCredentials?: boolean }) {
      super(url, { ...init, fetch: countedFetch });
    }
  }

  const environment: ClientEnvironment = {
    baseUrl,
    fetch: lightFetch as typeof globalThis.fetch,
    // `ws` implements the WHATWG interface; its TypeScript types are its own.
    WebSocket: CountedWebSocket as unknown as ClientEnvironment['WebSocket'],
    EventSource: CountedEventSource,
    now: () => performance.timeOrigin + performance.now(),
  };
  return {
    environment,
    sockets,
    requests,
    close: () => agent.destroy(),
  };
}

/** A RequestInit's headers (a record, a list of pairs or a Headers object) as a plain record, names in lower case. */
function headerRecord(init: RequestInit['headers']): Record<string, string> {
  const record: Record<string, string> = {};
  if (init === undefined) return record;
  // The client layer passes plain records (read directly, no Headers object per request); the rest go through Headers.
  const entries = init instanceof Headers || Array.isArray(init) ? new Headers(init) : Object.entries(init);
  for (const [name, value] of entries) record[name.toLowerCase()] = String(value);
  return record;
}
