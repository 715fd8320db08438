/**
 * The client-side transport layer, shared by the browser demo (web/) and the bench (bench/).
 * It speaks only the wire contract of ../shared/DESIGN.md and imports nothing from Node or the DOM
 * directly: the environment (fetch, WebSocket, EventSource, clock) is injected, so the same code runs
 * in Chromium and, with `ws`/undici/eventsource, in Node.
 */
import type { Snapshot, VoteEvent } from '../feed/types.ts';

export type TransportName = 'polling' | 'long-polling' | 'websocket' | 'sse';

/** What a transport client needs from its environment. */
export interface ClientEnvironment {
  /** e.g. "http://127.0.0.1:3000" */
  baseUrl: string;
  fetch: typeof globalThis.fetch;
  /** A WHATWG-compatible WebSocket constructor (the browser's, or `ws` in Node). */
  WebSocket: new (url: string) => WebSocket;
  /** A WHATWG-compatible EventSource constructor (the browser's, or the `eventsource` package in Node). */
  EventSource: new (url: string, init?: { withCredentials?: boolean }) => EventSource;
  /** Wall-clock ms since the epoch, fractional (performance.timeOrigin + performance.now()). */
  now(): number;
}

/** One exchange, for the demo's network-tab-like log and the bench's accounting. */
export interface WireRecord {
  transport: TransportName;
  /** e.g. "GET /api/ballot", "ws frame", "sse event" */
  what: string;
  status?: number;
  /** Bytes of the body/frame as the page sees them (headers are not visible to a page). */
  bytesIn: number;
  bytesOut: number;
  /** true for a 304 / 204 or any response without news. */
  empty: boolean;
  at: number;
}

export interface FeedClientHandlers {
  onSnapshot(snapshot: Snapshot, transport: TransportName): void;
  onEvent(event: VoteEvent, transport: TransportName): void;
  onWire?(record: WireRecord): void;
  /** "connecting" | "open" | "reconnecting" | "closed", with an error text when there is one. */
  onStatus?(status: ConnectionStatus, detail?: string): void;
}

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** A running subscription over one transport. `stop()` is idempotent. */
export interface FeedClient {
  readonly transport: TransportName;
  /** Starts from `since` (the last seq the caller holds), or from a fresh snapshot when undefined. */
  start(since: number | undefined): void;
  stop(): void;
}
