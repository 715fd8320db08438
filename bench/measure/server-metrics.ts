import { request } from 'undici';
import type { MetricsBody, TransportCounters } from '../../src/metrics/metrics-json.ts';
import type { VariantSpec } from '../plan/variants.ts';

export type { TransportCounters };
/** GET /api/metrics as the server defines it. */
export type ServerMetrics = MetricsBody;

/**
 * The headers that open the server's metrics: the servers the bench starts inherit its environment, so
 * with METRICS_TOKEN set there they require it, and the bench sends it.
 */
export function metricsHeaders(token: string | undefined = process.env.METRICS_TOKEN): Record<string, string> {
  return token === undefined || token === '' ? {} : { authorization: `Bearer ${token}` };
}

export async function readServerMetrics(baseUrl: string): Promise<ServerMetrics> {
  const response = await request(`${baseUrl}/api/metrics`, { headers: metricsHeaders(), headersTimeout: 10_000, bodyTimeout: 10_000 });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new Error(`GET /api/metrics answered ${response.statusCode}`);
  }
  return (await response.body.json()) as ServerMetrics;
}

export const ZERO_COUNTERS: TransportCounters = Object.freeze({
  open: 0,
  requests: 0,
  deliveries: 0,
  emptyResponses: 0,
  bytesIn: 0,
  bytesOut: 0,
  queues: 0,
  queueDepth: 0,
  resets: 0,
  drops: 0,
});

/** What changed between two readings of the server, for one transport (or all of them summed). */
export interface ServerDelta {
  wallMs: number;
  cpuMs: number;
  /** Event-loop utilisation over the interval, from the server's cumulative figure and its uptime. */
  eventLoopUtilization: number;
  counters: TransportCounters;
}

/** A transport as the server labels it in its metrics, or 'all' of them summed. */
export type CountedTransport = VariantSpec['serverLabel'] | 'all';

export function countersOf(metrics: ServerMetrics, transport: CountedTransport): TransportCounters {
  if (transport !== 'all') return metrics.transports[transport] ?? ZERO_COUNTERS;
  const sum = { ...ZERO_COUNTERS };
  for (const counters of Object.values(metrics.transports)) {
    if (counters === undefined) continue;
    for (const key of Object.keys(sum) as (keyof TransportCounters)[]) sum[key] += counters[key];
  }
  return sum;
}

export function serverDelta(before: ServerMetrics, after: ServerMetrics, transport: CountedTransport): ServerDelta {
  const wallMs = after.uptimeMs - before.uptimeMs;
  const cpu = (m: ServerMetrics): number => m.process.cpuUserMs + m.process.cpuSystemMs;
  // The server reports utilisation since it started; active time = utilisation × uptime.
  const active = (m: ServerMetrics): number => m.process.eventLoopUtilization * m.uptimeMs;
  const a = countersOf(before, transport);
  const b = countersOf(after, transport);
  const counters = { ...ZERO_COUNTERS };
  for (const key of Object.keys(counters) as (keyof TransportCounters)[]) counters[key] = b[key] - a[key];
  // Gauges are levels, not totals: report the level at the end.
  counters.open = b.open;
  counters.queues = b.queues;
  counters.queueDepth = b.queueDepth;
  return {
    wallMs,
    cpuMs: cpu(after) - cpu(before),
    eventLoopUtilization: wallMs > 0 ? (active(after) - active(before)) / wallMs : 0,
    counters,
  };
}
