import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../bench/measure/latency-histogram.ts';
import { medianRange, medianRepetition } from '../../bench/results/aggregate.ts';
import type { ScenarioResult } from '../../bench/results/types.ts';

describe('LatencyHistogram', () => {
  it('records milliseconds as microseconds and reports percentiles within HdrHistogram precision', () => {
    const histogram = new LatencyHistogram();
    for (let ms = 1; ms <= 1000; ms++) histogram.recordMs(ms);
    const s = histogram.summary();
    expect(s.count).toBe(1000);
    // 3 significant digits: every value within 0.1 % of the exact one.
    expect(s.p50Us).toBeGreaterThanOrEqual(500_000 * 0.999);
    expect(s.p50Us).toBeLessThanOrEqual(500_000 * 1.001);
    expect(s.p99Us).toBeGreaterThanOrEqual(990_000 * 0.999);
    expect(s.p99Us).toBeLessThanOrEqual(990_000 * 1.001);
    expect(s.maxUs).toBeGreaterThanOrEqual(1_000_000 * 0.999);
    expect(s.meanUs).toBeCloseTo(500_500, -3);
  });

  it('keeps sub-microsecond values as 1 µs instead of dropping them', () => {
    const histogram = new LatencyHistogram();
    histogram.recordMs(0.0001);
    histogram.recordMs(0);
    expect(histogram.summary()).toMatchObject({ count: 2, p50Us: 1, maxUs: 1 });
  });

  it('gives a monotonic CDF that ends at the maximum', () => {
    const histogram = new LatencyHistogram();
    for (const ms of [1, 2, 3, 50, 51, 52, 900]) histogram.recordMs(ms);
    const cdf = histogram.cdf();
    expect(cdf[0]![0]).toBe(0);
    expect(cdf.at(-1)).toEqual([100, histogram.summary().maxUs]);
    for (let i = 1; i < cdf.length; i++) {
      expect(cdf[i]![0]).toBeGreaterThan(cdf[i - 1]![0]);
      expect(cdf[i]![1]).toBeGreaterThanOrEqual(cdf[i - 1]![1]);
    }
  });

  it('summarises an empty histogram as zeros and an empty CDF', () => {
    const histogram = new LatencyHistogram();
    expect(histogram.summary()).toEqual({ count: 0, meanUs: 0, p50Us: 0, p90Us: 0, p99Us: 0, p999Us: 0, maxUs: 0 });
    expect(histogram.cdf()).toEqual([]);
  });
});

describe('median and range over repetitions', () => {
  it('reports median, min, max and the number of runs, with the mean of the middle two for an even count', () => {
    expect(medianRange([10, 30, 20])).toEqual({ median: 20, min: 10, max: 30, n: 3 });
    expect(medianRange([40, 10, 30, 20])).toEqual({ median: 25, min: 10, max: 40, n: 4 });
    expect(medianRange([])).toEqual({ median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 });
  });

  it('picks the repetition whose figure is the median, so a row shows one real run', () => {
    const runs = [5, 1, 3].map((p50, i) => ({ repetition: i + 1, latency: { p50Us: p50 } }) as ScenarioResult);
    expect(medianRepetition(runs, (r) => r.latency.p50Us).repetition).toBe(3);
  });

  it('picks the lower of the two middle runs of an even count, and the earlier of two equal ones', () => {
    const runs = [5, 1, 3, 3, 8, 1].map((p50, i) => ({ repetition: i + 1, latency: { p50Us: p50 } }) as ScenarioResult);
    // Sorted: 1 (run 2), 1 (run 6), 3 (run 3), 3 (run 4), 5, 8: the lower middle is run 3, not its equal run 4.
    expect(medianRepetition(runs, (r) => r.latency.p50Us).repetition).toBe(3);
    expect(medianRepetition(runs.slice(0, 2), (r) => r.latency.p50Us).repetition).toBe(2);
  });
});
