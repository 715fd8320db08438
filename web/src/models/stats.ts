import { percentile } from '../../../src/client/statistics.ts';

/**
 * Running percentiles over the most recent samples. A window (not all-time) keeps the numbers
 * responsive when the user changes the polling interval; sorting a few hundred numbers per read is
 * cheaper than any clever structure at the demo's rates.
 */
export class RunningPercentiles {
  readonly #window: number;
  readonly #samples: number[] = [];
  #total = 0;

  constructor(window = 500) {
    if (!(window >= 1)) throw new RangeError('window must be at least 1');
    this.#window = window;
  }

  /** All samples ever added, including those that left the window. */
  get total(): number {
    return this.#total;
  }

  /** Samples currently in the window. */
  get size(): number {
    return this.#samples.length;
  }

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    this.#samples.push(value);
    if (this.#samples.length > this.#window) this.#samples.shift();
    this.#total += 1;
  }

  /** Nearest-rank percentile (p from 0 to 100, statistics.ts) of the window, or undefined when it is empty. */
  percentile(p: number): number | undefined {
    return percentile(this.#samples, p);
  }

  last(): number | undefined {
    return this.#samples.at(-1);
  }

  clear(): void {
    this.#samples.length = 0;
    this.#total = 0;
  }
}
