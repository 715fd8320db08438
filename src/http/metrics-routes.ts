import { performance } from 'node:perf_hooks';
import type { FastifyPluginAsync } from 'fastify';
import type { MetricsBody } from '../metrics/metrics-json.ts';
import { EventLoopDelayMonitor } from '../metrics/event-loop-delay.ts';
import { readProcessFigures } from '../metrics/process-figures.ts';
import { requireBearerToken } from './bearer-token.ts';
import { createPrometheusRegistry } from '../metrics/prometheus.ts';

/**
 * GET /api/metrics (JSON, what the demo and the bench read) and GET /metrics (Prometheus text). Public
 * unless METRICS_TOKEN is set; then both need it as a bearer token.
 */
const metricsRoutes: FastifyPluginAsync = async (app) => {
  const { feed, metrics, config } = app;
  // This plugin is encapsulated: the hook guards its two routes only.
  if (config.metricsToken !== undefined) app.addHook('onRequest', requireBearerToken(config.metricsToken, 'Metrics'));
  const registry = createPrometheusRegistry(metrics, feed);
  const startedAt = performance.now();
  const eluAtStart = performance.eventLoopUtilization();
  const eventLoopDelay = new EventLoopDelayMonitor();
  app.addHook('onClose', async () => eventLoopDelay.stop());

  app.get('/api/metrics', async function getMetrics(_request, reply): Promise<MetricsBody> {
    const transports = metrics.collect();
    const rtt = feed.rttMs();
    reply.header('cache-control', 'no-store');
    return {
      feed: { kind: feed.kind, head: feed.head(), ...(rtt === undefined ? {} : { rttMs: rtt }) },
      uptimeMs: performance.now() - startedAt,
      process: readProcessFigures(eluAtStart, eventLoopDelay),
      transports,
    };
  });

  app.get('/metrics', async function getPrometheusMetrics(_request, reply) {
    metrics.collect();
    reply.header('cache-control', 'no-store').type(registry.contentType);
    return registry.metrics();
  });
};

export default metricsRoutes;
