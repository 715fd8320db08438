import type { VariantName } from '../results/types.ts';

/**
 * The capacity scenario: how many subscribers one server process holds on each transport and what one
 * more costs. Every transport of the product that holds a subscriber, and the two bare references
 * (push and long polling) as the floors to read them against. Adding a variant is one entry here.
 */
export const CAPACITY_VARIANTS: readonly VariantName[] = ['websocket', 'sse', 'long-polling', 'polling-1s', 'ws-reference', 'long-poll-reference'];

export const CAPACITY = Object.freeze({
  clients: 10_000,
  /** One vote a second: every vote is a fan-out to all of them, and the one-worker generator keeps up. */
  rate: 1,
  /** 12 votes measured: the last-subscriber p99 over votes is close to their worst. */
  windowMs: 12_000,
  /** Two votes before the window, unmeasured, so the fan-out path is compiled. */
  warmupMs: 2_000,
  /** After the last subscriber connected: memory is read after this pause (connections settled, nothing sent yet). */
  settleMs: 2_000,
  /** The longest connecting 10,000 (sessions included) may take before the scenario goes on with those that made it. */
  connectTimeoutMs: 60_000,
});

/** The open-file limit needed for the scenario: a descriptor per subscriber, and some for the rest. */
export function openFilesNeeded(clients: number): number {
  return clients + 200;
}

/** Rough ms one capacity run takes (server start, connecting, settle, warm-up, window, drain, closing): for the progress bar. */
export function estimateCapacityRunMs(clients: number = CAPACITY.clients): number {
  const connect = clients * 1.5;
  return 1500 + connect + CAPACITY.settleMs + CAPACITY.warmupMs + CAPACITY.windowMs + 3000 + clients * 0.3;
}
