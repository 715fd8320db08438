import { LongPollingClient } from './long-polling-client.ts';
import { PollingClient } from './polling-client.ts';
import { SseClient } from './sse-client.ts';
import type { ClientEnvironment, ClientHooks, FeedClient, FeedClientHandlers, FeedClientOptions, TransportName, VoteSender } from './types.ts';
import { WebSocketClient } from './websocket-client.ts';

/** Every transport, in the order the demo and the bench present them. */
export const TRANSPORTS: readonly TransportName[] = Object.freeze(['polling', 'long-polling', 'websocket', 'sse']);

export const TRANSPORT_LABELS: Readonly<Record<TransportName, string>> = Object.freeze({
  polling: 'Polling',
  'long-polling': 'Long polling',
  websocket: 'WebSocket',
  sse: 'SSE',
});

export function isTransportName(value: unknown): value is TransportName {
  return typeof value === 'string' && (TRANSPORTS as readonly string[]).includes(value);
}

/** A subscription over the named transport; call `start(since)` to run it. */
export function createClient(
  name: TransportName,
  env: ClientEnvironment & ClientHooks,
  handlers: FeedClientHandlers,
  options: FeedClientOptions = {},
): FeedClient {
  switch (name) {
    case 'polling':
      return new PollingClient(env, handlers, options);
    case 'long-polling':
      return new LongPollingClient(env, handlers, options);
    case 'websocket':
      return new WebSocketClient(env, handlers, options);
    case 'sse':
      return new SseClient(env, handlers, options);
  }
}

/** True for a client that can carry votes itself (the WebSocket one). */
export function canSendVotes(client: FeedClient): client is FeedClient & VoteSender {
  return typeof (client as Partial<VoteSender>).sendVote === 'function';
}
