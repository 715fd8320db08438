import { VARIANTS } from '../plan/variants.ts';
import type { BenchResults } from '../results/types.ts';
import type { CalculatorData, CalculatorTransport } from './calculator.ts';
import { type ScenarioRow } from './derive.ts';
import { networkPoints } from './network-tables.ts';

/** This run's unit costs for the calculator: every measured scenario of every transport (references left out). */
export function calculatorData(results: BenchResults, rows: readonly ScenarioRow[]): CalculatorData {
  const transports: CalculatorTransport[] = [];
  const network = networkPoints(results, rows);
  const largest = Math.max(...results.config.clients);
  for (const variant of results.config.variants) {
    const spec = VARIANTS[variant];
    if (spec.reference) continue;
    const own = rows.filter((r) => r.variant === variant);
    if (own.length === 0) continue;
    const kind = spec.transport === 'polling' ? 'polling' : spec.transport === 'long-polling' ? 'long-polling' : 'push';
    const points = own
      .map((row) => {
        const f = row.figures;
        const bytesPerEvent = f.bytesDownPerEvent.median + f.bytesUpPerEvent.median;
        const cpuPerEvent = f.cpuMsPer1000Deliveries.median / 1000;
        // Polling pays per request: per event figures divided by requests per event.
        const perRequest = kind === 'polling' ? f.requestsPerEvent.median : 1;
        return {
          clients: row.clients,
          rate: row.rate,
          p50Ms: f.p50Ms.median,
          p99Ms: f.p99Ms.median,
          cpuMsPerUnit: cpuPerEvent / perRequest,
          bytesPerUnit: bytesPerEvent / perRequest,
          requestsPerEvent: f.requestsPerEvent.median,
        };
      })
      .filter((p) => [p.p50Ms, p.p99Ms, p.cpuMsPerUnit, p.bytesPerUnit].every(Number.isFinite));
    const big = own.filter((r) => r.clients === largest).map((r) => r.figures.memoryPerSubscriberBytes.median);
    const loopback = network.find((p) => p.variant === variant && p.profile.name === 'loopback');
    const added: CalculatorTransport['network'] = {};
    for (const point of network.filter((p) => p.variant === variant && p.profile.name !== 'loopback')) {
      if (loopback === undefined) continue;
      added[point.profile.name] = { addP50Ms: Math.max(0, point.p50Ms - loopback.p50Ms), addP99Ms: Math.max(0, point.p99Ms - loopback.p99Ms) };
    }
    transports.push({
      label: spec.label,
      kind,
      ...(spec.intervalMs === undefined ? {} : { intervalMs: spec.intervalMs }),
      points,
      memoryPerSubscriberBytes: big.length > 0 && Number.isFinite(big[0]) ? big[0]! : 0,
      network: added,
    });
  }
  const profiles = (results.networks?.profiles ?? []).map((p) => p.name).filter((name) => name !== 'loopback');
  return { transports, profiles };
}
