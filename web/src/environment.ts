import type { ClientEnvironment, ClientHooks } from '../../src/client/types.ts';
import { randomId } from '../../src/client/runtime.ts';

/** performance.timeOrigin + performance.now(): the same clock the server stamps votedAt with. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The browser's implementations, for the shared client layer. `fetch` is wrapped: called as a method
 * of another object, the browser's fetch throws "Illegal invocation".
 */
export function browserEnvironment(hooks: ClientHooks = {}): ClientEnvironment & ClientHooks {
  return {
    baseUrl: window.location.origin,
    fetch: (input, init) => window.fetch(input, init),
    WebSocket: window.WebSocket,
    EventSource: window.EventSource,
    now,
    ...hooks,
  };
}

/**
 * A per-page id: the long-poll `client` and the prefix of our voteIds. Fresh on every load (kept in no
 * storage: a duplicated tab would share it, and two pages on one queue would keep answering each
 * other's polls). Not crypto.randomUUID, which needs a secure context and so is missing when a phone
 * opens http://<lan-ip>:3000.
 */
export function newPageId(): string {
  return `p${randomId(10)}`;
}
