/**
 * The shape of GET /api/metrics: what the server writes, and what the demo (web/) and the bench read.
 * Types only, so the browser bundle can import it without pulling in server code.
 */

/** Counters of one transport. */
export interface TransportCounters {
  /** Open connections: parked polls, WebSockets, SSE streams, requests in flight. */
  open: number;
  /** HTTP requests (a WebSocket upgrade is one). */
  requests: number;
  /** Vote events delivered to subscribers (a conditional polling 200 counts as the events it covers). */
  deliveries: number;
  /** Responses without news: 304 for polling, 204 for long polling. */
  emptyResponses: number;
  /** Bytes read from this transport's sockets, headers and framing included. */
  bytesIn: number;
  /** Bytes written to this transport's sockets, headers and framing included. */
  bytesOut: number;
  /** Long-poll queues that exist now. */
  queues: number;
  /** Events waiting in all queues now. */
  queueDepth: number;
  /** Long polls answered with a snapshot because their `since` had fallen out of the feed's log. */
  resets: number;
  /** Clients dropped for being too slow (WebSocket 4008, SSE stream cut) or dead (WebSocket that missed a pong). */
  drops: number;
}

export interface ProcessFigures {
  pid: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Event-loop utilisation since the server started, 0..1. */
  eventLoopUtilization: number;
  /** How late the event loop ran, over the interval since the previous GET /api/metrics (each read starts a new one). */
  eventLoopDelay: EventLoopDelay;
}

/** Event-loop delay over an interval, in ms: the median and p99 of Node's samples, and the worst. */
export interface EventLoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** How long the interval was. */
  intervalMs: number;
}

export interface MetricsBody {
  /** rttMs: round-trip to the shared feed's store (absent for the in-memory feed or while it is down). */
  feed: { kind: string; head: number; rttMs?: number };
  uptimeMs: number;
  process: ProcessFigures;
  /** Keyed by transport: polling, long-polling, websocket, sse, and other. */
  transports: Partial<Record<string, TransportCounters>>;
}
