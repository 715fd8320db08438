import * as hdr from 'hdr-histogram-js';
import type { CdfPoint, LatencySummary } from '../results/types.ts';

/** Percentiles at which the CDF is sampled: dense in the tail, where transports differ. */
export const CDF_PERCENTILES: readonly number[] = [0, 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 97.5, 99, 99.5, 99.9, 99.99, 100];

/**
 * Latencies in whole microseconds in an HdrHistogram (3 significant digits, so any value is within
 * 0.1 % of what was recorded). Values below 1 µs are recorded as 1 µs: the clock the bench uses
 * resolves microseconds, and HdrHistogram cannot hold zero on a log scale.
 *
 * Its percentiles are HdrHistogram's own, not src/client/statistics.ts's: a histogram keeps millions of
 * samples in fixed memory at the price of answering with a bucket's value (within 0.1 %), where the
 * nearest-rank percentile there sorts a small list and answers with an exact sample.
 */
export class LatencyHistogram {
  readonly #histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  });

  /** Records a latency given in milliseconds (fractional, as performance.now() gives them). */
  recordMs(ms: number): void {
    const micros = Math.max(1, Math.round(ms * 1000));
    this.#histogram.recordValue(Math.min(micros, this.#histogram.highestTrackableValue));
  }

  /** The histogram in HdrHistogram's compressed base64 form: how a worker process hands it to the parent. */
  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.#histogram);
  }

  /** Adds a histogram encoded by `encode()` (another process's): every recorded value counts as if recorded here. */
  addEncoded(base64: string): void {
    const other = hdr.decodeFromCompressedBase64(base64);
    this.#histogram.add(other);
    other.destroy();
  }

  get count(): number {
    return this.#histogram.totalCount;
  }

  summary(): LatencySummary {
    const h = this.#histogram;
    if (h.totalCount === 0) {
      return { count: 0, meanUs: 0, p50Us: 0, p90Us: 0, p99Us: 0, p999Us: 0, maxUs: 0 };
    }
    return {
      count: h.totalCount,
      meanUs: Math.round(h.mean),
      p50Us: this.#at(50),
      p90Us: this.#at(90),
      p99Us: this.#at(99),
      p999Us: this.#at(99.9),
      maxUs: h.maxValue,
    };
  }

  cdf(): CdfPoint[] {
    if (this.#histogram.totalCount === 0) return [];
    return CDF_PERCENTILES.map((p) => [p, this.#at(p)]);
  }

  /**
   * HdrHistogram answers a percentile with the top of its bucket, which can lie above the largest
   * value actually recorded; a percentile above the maximum would read as nonsense in a table.
   */
  #at(percentile: number): number {
    return Math.min(this.#histogram.getValueAtPercentile(percentile), this.#histogram.maxValue);
  }

  /** Frees the histogram's buffer (matters only for the WebAssembly flavour; harmless otherwise). */
  destroy(): void {
    this.#histogram.destroy();
  }
}
