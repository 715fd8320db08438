import type { TransportName } from '../../src/client/types.ts';
import type { VariantName } from '../results/types.ts';

/** How the bench runs one variant: which client of the shared layer, with which options, against which server. */
export interface VariantSpec {
  name: VariantName;
  label: string;
  transport: TransportName;
  /** Polling only. */
  intervalMs?: number;
  /** Polling only: send If-None-Match so an unchanged ballot is a 304. */
  conditional?: boolean;
  /** Runs against a reference server (bare `ws`, bare long polling, Socket.IO) instead of the real one. */
  reference: boolean;
  /** Which server process the variant runs against (a script in bench/reference/ for references). */
  server: 'real' | 'ws-reference' | 'long-poll-reference' | 'socketio-reference';
  /** Who drives the subscribers: the shared client layer (src/client), or socket.io-client for the Socket.IO reference. */
  client: 'shared' | 'socketio';
  /**
   * Measured only at the busiest rate (every subscriber count), where the report compares it, and left out
   * of --quick unless named: a reference that keeps the default run within its time budget.
   */
  busiestRateOnly?: boolean;
  /** The label under which the server counts this transport in GET /api/metrics. */
  serverLabel: 'polling' | 'long-polling' | 'websocket' | 'sse' | 'socketio-polling';
}

export const VARIANTS: Readonly<Record<VariantName, VariantSpec>> = Object.freeze({
  'polling-1s': {
    name: 'polling-1s',
    label: 'Polling 1 s',
    transport: 'polling',
    intervalMs: 1000,
    conditional: false,
    reference: false,
    server: 'real',
    client: 'shared',
    serverLabel: 'polling',
  },
  'polling-250ms': {
    name: 'polling-250ms',
    label: 'Polling 250 ms',
    transport: 'polling',
    intervalMs: 250,
    conditional: false,
    reference: false,
    server: 'real',
    client: 'shared',
    serverLabel: 'polling',
  },
  'polling-conditional-1s': {
    name: 'polling-conditional-1s',
    label: 'Conditional polling 1 s',
    transport: 'polling',
    intervalMs: 1000,
    conditional: true,
    reference: false,
    server: 'real',
    client: 'shared',
    serverLabel: 'polling',
  },
  'long-polling': {
    name: 'long-polling',
    label: 'Long polling',
    transport: 'long-polling',
    reference: false,
    server: 'real',
    client: 'shared',
    serverLabel: 'long-polling',
  },
  websocket: { name: 'websocket', label: 'WebSocket', transport: 'websocket', reference: false, server: 'real', client: 'shared', serverLabel: 'websocket' },
  sse: { name: 'sse', label: 'SSE', transport: 'sse', reference: false, server: 'real', client: 'shared', serverLabel: 'sse' },
  'ws-reference': {
    name: 'ws-reference',
    label: 'Bare ws (reference)',
    transport: 'websocket',
    reference: true,
    server: 'ws-reference',
    client: 'shared',
    serverLabel: 'websocket',
  },
  // A bare node:http long-poll server (bench/reference/long-poll-reference-server.ts): the floor of long polling.
  'long-poll-reference': {
    name: 'long-poll-reference',
    label: 'Bare long polling (reference)',
    transport: 'long-polling',
    reference: true,
    server: 'long-poll-reference',
    client: 'shared',
    busiestRateOnly: true,
    serverLabel: 'long-polling',
  },
  // Socket.IO 4 restricted to its polling transport (server and client): the yardstick for long polling.
  // `transport` is the nearest of ours; its subscribers are socket.io-client, not the shared layer.
  'socketio-polling': {
    name: 'socketio-polling',
    label: 'Socket.IO polling (reference)',
    transport: 'long-polling',
    reference: true,
    server: 'socketio-reference',
    client: 'socketio',
    serverLabel: 'socketio-polling',
  },
});

export const VARIANT_NAMES = Object.keys(VARIANTS) as VariantName[];

export function isVariantName(value: string): value is VariantName {
  return Object.hasOwn(VARIANTS, value);
}

/** Polling variants hear votes as snapshots; everything else as one event per vote. */
export function isSnapshotVariant(spec: VariantSpec): boolean {
  return spec.transport === 'polling';
}
