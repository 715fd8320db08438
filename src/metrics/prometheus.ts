import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Feed } from '../feed/feed.ts';
import { TRANSPORTS, type TransportMetrics } from './transport-metrics.ts';

type CounterField = 'requests' | 'deliveries' | 'emptyResponses' | 'bytesIn' | 'bytesOut' | 'resets' | 'drops';
type GaugeField = 'open' | 'queues' | 'queueDepth';

const COUNTERS: readonly [CounterField, string, string][] = [
  ['requests', 'votewire_requests_total', 'HTTP requests (a WebSocket upgrade is one)'],
  ['deliveries', 'votewire_deliveries_total', 'Vote events delivered to subscribers'],
  ['emptyResponses', 'votewire_empty_responses_total', 'Responses without news (304 polling, 204 long polling)'],
  ['bytesIn', 'votewire_received_bytes_total', 'Bytes read from sockets, headers and framing included'],
  ['bytesOut', 'votewire_sent_bytes_total', 'Bytes written to sockets, headers and framing included'],
  ['resets', 'votewire_queue_resets_total', 'Long polls answered with a snapshot because their since had fallen out of the log'],
  ['drops', 'votewire_drops_total', 'Clients dropped as too slow or dead'],
];
const GAUGES: readonly [GaugeField, string, string][] = [
  ['open', 'votewire_open_connections', 'Open connections: parked polls, WebSockets, SSE streams, requests in flight'],
  ['queues', 'votewire_queues', 'Long-poll queues that exist now'],
  ['queueDepth', 'votewire_queue_depth', 'Events waiting in all long-poll queues'],
];

/** What the registry reads from the feed at scrape time. */
export type FeedInfo = Pick<Feed, 'kind' | 'head' | 'rttMs'>;

/**
 * A prom-client registry whose metrics are read from the transports' counters at scrape time,
 * so the hot path keeps incrementing plain numbers. Call `metrics.collect()` before `registry.metrics()`.
 */
export function createPrometheusRegistry(metrics: TransportMetrics, feed: FeedInfo): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'votewire_process_' });
  // The caller runs metrics.collect() once before each scrape; collect() below only reads.
  const counters = metrics.counters;

  for (const [field, name, help] of COUNTERS) {
    new Counter({
      name,
      help,
      labelNames: ['transport'],
      registers: [registry],
      collect() {
        this.reset();
        for (const transport of TRANSPORTS) this.labels(transport).inc(counters[transport][field]);
      },
    });
  }
  for (const [field, name, help] of GAUGES) {
    new Gauge({
      name,
      help,
      labelNames: ['transport'],
      registers: [registry],
      collect() {
        for (const transport of TRANSPORTS) this.labels(transport).set(counters[transport][field]);
      },
    });
  }
  new Gauge({
    name: 'votewire_feed_head_seq',
    help: 'The latest seq this process has seen, labelled by feed kind',
    labelNames: ['feed'],
    registers: [registry],
    collect() {
      this.labels(feed.kind).set(feed.head());
    },
  });
  new Gauge({
    name: 'votewire_feed_rtt_milliseconds',
    help: 'Round-trip time to the shared feed store (absent for the in-memory feed)',
    labelNames: ['feed'],
    registers: [registry],
    collect() {
      const rtt = feed.rttMs();
      this.reset();
      if (rtt !== undefined) this.labels(feed.kind).set(rtt);
    },
  });
  return registry;
}
