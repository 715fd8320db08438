import type { ClientEnvironment, ClientHooks } from './types.ts';

/** Timers from the hooks, or the global ones (wrapped: some hosts reject a detached `this`). */
export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export function timersOf(hooks: ClientHooks): Timers {
  return {
    set: hooks.setTimeout ?? ((callback, ms) => globalThis.setTimeout(callback, ms)),
    clear: hooks.clearTimeout ?? ((handle) => globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0])),
  };
}

const encoder = new TextEncoder();

/** UTF-8 size of a text: what a body or a text frame weighs on the wire before headers and framing. */
export function byteLength(text: string): number {
  return encoder.encode(text).byteLength;
}

/** "http://host:3000" + "/api/x" without doubling slashes. */
export function httpUrl(env: ClientEnvironment, path: string): string {
  return env.baseUrl.replace(/\/+$/, '') + path;
}

/** The same URL with ws:// or wss:// for an upgrade. */
export function wsUrl(env: ClientEnvironment, path: string): string {
  return httpUrl(env, path).replace(/^http/, 'ws');
}

/** True when an error is the rejection of an aborted fetch (our own stop()), which is not a failure. */
export function isAbort(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** A random id of [A-Za-z0-9], enough for a per-tab long-poll `client` or a `voteId`. */
export function randomId(length = 12, random: () => number = Math.random): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  for (let i = 0; i < length; i += 1) id += alphabet.charAt(Math.floor(random() * alphabet.length));
  return id;
}
