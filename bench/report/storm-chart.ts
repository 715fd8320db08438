import type { TopLevelSpec } from 'vega-lite';
import type { BenchResults } from '../results/types.ts';

/**
 * The reconnect storm: attempts per 100 ms after the cut, the run with jitter and the one without on
 * one time axis, so the herd and its spreading-out are seen side by side. Undefined without a storm.
 */
export function stormAttemptsChart(results: BenchResults): TopLevelSpec | undefined {
  const values = (results.faults?.runs ?? []).flatMap((run) =>
    (run.storm?.attemptsPer100Ms ?? []).map((attempts, bucket) => ({ run: run.jitter ? 'backoff with jitter' : 'jitter off', ms: bucket * 100, attempts })),
  );
  if (values.length === 0) return undefined;
  return {
    width: 560,
    height: 280,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after', point: true },
    encoding: {
      x: { field: 'ms', type: 'quantitative', title: 'ms after the cut (100 ms buckets)' },
      y: { field: 'attempts', type: 'quantitative', title: 'connection attempts per 100 ms' },
      color: { field: 'run', type: 'nominal', title: null },
    },
    config: { font: 'system-ui, sans-serif' },
  };
}
