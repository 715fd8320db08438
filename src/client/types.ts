/**
 * The client-side transport layer, shared by the browser demo (web/) and the bench (bench/).
 * It speaks only the protocol of docs/protocol.md and imports nothing from Node or the DOM
 * directly: the environment (fetch, WebSocket, EventSource, clock) is injected, so the same code runs
 * in Chromium and, with `ws`/undici/eventsource, in Node.
 */
import type { Snapshot, VoteEvent } from '../contract.ts';
import type { ProtocolError } from './decode.ts';

export type TransportName = 'polling' | 'long-polling' | 'websocket' | 'sse';

/** What a transport client needs from its environment. */
export interface ClientEnvironment {
  /** e.g. "http://127.0.0.1:3000" */
  baseUrl: string;
  fetch: typeof globalThis.fetch;
  /** A WHATWG-compatible WebSocket constructor (the browser's, or `ws` in Node). */
  WebSocket: new (url: string) => WebSocket;
  /** A WHATWG-compatible EventSource constructor (the browser's, or the `eventsource` package in Node). */
  EventSource: new (url: string, init?: { withCredentials?: boolean }) => EventSourceLike;
  /** Wall-clock ms since the epoch, fractional (performance.timeOrigin + performance.now()). */
  now(): number;
}

/**
 * The part of an EventSource the SSE client uses. Spelled out here rather than taken from the global
 * `EventSource`: the DOM library and Node's types declare `addEventListener` differently, and this
 * layer compiles against both (the demo in the browser, the bench in Node).
 */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((event: Event) => unknown) | null;
  onerror: ((event: Event) => unknown) | null;
  addEventListener(type: string, listener: (message: MessageEvent) => void): void;
  close(): void;
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
  /** How many vote events this exchange delivered (a polling snapshot: the seqs it covers). Extension. */
  events?: number;
  /** A short human note, e.g. an error frame's code or a close reason. Extension. */
  note?: string;
}

export interface FeedClientHandlers {
  onSnapshot(snapshot: Snapshot, transport: TransportName, reason?: SnapshotReason): void;
  onEvent(event: VoteEvent, transport: TransportName): void;
  onWire?(record: WireRecord): void;
  /** "connecting" | "open" | "reconnecting" | "closed", with an error text when there is one. */
  onStatus?(status: ConnectionStatus, detail?: string, reconnect?: ReconnectInfo): void;
  /**
   * The server sent something the contract does not allow (src/contract.ts). The client drops it and
   * reconnects from its cursor with backoff, so this is followed by `onStatus("reconnecting", message)`.
   */
  onProtocolError?(error: ProtocolError, transport: TransportName): void;
}

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** A running subscription over one transport. `stop()` is idempotent. */
export interface FeedClient {
  readonly transport: TransportName;
  /** Starts from `since` (the last seq the caller holds), or from a fresh snapshot when undefined. */
  start(since: number | undefined): void;
  stop(): void;
}

// ---------------------------------------------------------------------------------------------
// Extensions (additive; everything above is the agreed interface and keeps its meaning).
// ---------------------------------------------------------------------------------------------

/**
 * Why a snapshot reached the handlers. Passed as an optional third argument to `onSnapshot`, so
 * handlers written against the two-argument form keep working.
 * - "initial": the transport started without a cursor and the snapshot is its baseline.
 * - "poll": polling's normal delivery (a 200 from GET /api/ballot).
 * - "resync": the server answered a resume (`since` / `Last-Event-ID`) with a snapshot, because the
 *   client was too far behind, its queue was reset, or the server forgot the log (a restart).
 */
export type SnapshotReason = 'initial' | 'poll' | 'resync';

/** Details of a reconnect, passed as an optional third argument to `onStatus`. */
export interface ReconnectInfo {
  /** 1 for the first retry after a failure. */
  attempt: number;
  /** When the next attempt is made, from now. */
  retryInMs: number;
}

/** Options of the exponential backoff used for reconnects. */
export interface BackoffOptions {
  /** The first delay before jitter. @default 250 */
  initialMs?: number;
  /** The ceiling of the delay before jitter. @default 10000 */
  maxMs?: number;
  /** Growth per attempt. @default 2 */
  factor?: number;
  /** A number in [0, 1): Math.random unless a test injects something repeatable. */
  random?: () => number;
}

/** Options of `createClient`; each transport reads the ones that concern it. */
export interface FeedClientOptions {
  /** polling: ms between polls. @default 1000 */
  intervalMs?: number;
  /** polling: send `If-None-Match: "<seq>"` so an unchanged ballot is a body-less 304. @default true */
  conditional?: boolean;
  /** long-polling: the per-tab id (1-64 chars [A-Za-z0-9_-]). @default a random id */
  clientId?: string;
  /** long-polling: the `timeout` asked of the server, ms; the server caps it. @default server's default */
  longPollTimeoutMs?: number;
  /** Reconnect backoff for every transport. */
  backoff?: BackoffOptions;
}

/**
 * Optional environment hooks, kept out of `ClientEnvironment` proper so the agreed shape stays as it is.
 * `createClient` accepts `ClientEnvironment & ClientHooks`.
 */
export interface ClientHooks {
  /**
   * Called when the server answers 401 (its session secret changed, e.g. after a restart).
   * The browser demo re-joins with the same name; the client then retries. Without it a 401 is a failure
   * like any other and the client backs off.
   */
  renewSession?(): Promise<void>;
  /** Timers, injectable for tests; default the global ones. */
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

/** A WebSocket client can also carry votes (the contract's client frame). */
export interface VoteSender {
  /** Sends `{type:"vote", candidateId, voteId}` on the open socket; false when it is not open. */
  sendVote(candidateId: string, voteId?: string): boolean;
}
