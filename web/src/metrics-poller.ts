import type { TransportName } from '../../src/client/types.ts';
import { ApiError, fetchMetrics, type TransportCounters } from './api.ts';

const COUNTER_KEYS = ['requests', 'deliveries', 'emptyResponses', 'bytesIn', 'bytesOut'] as const;

/**
 * Reads GET /api/metrics once a second and keeps, for the selected transport, how much each counter
 * grew since the transport was selected. The counters are the server's (all clients), at its sockets.
 */
export class MetricsPoller {
  #baseline: TransportCounters | undefined;
  #latest: TransportCounters | undefined;
  #transport: TransportName;
  #timer: ReturnType<typeof setInterval> | undefined;
  #inFlight = false;
  #needsToken = false;
  readonly #paused: () => boolean;

  /** `paused`: while it says so (the feed's connection is lost), no reads — they would only fail too. */
  constructor(transport: TransportName, paused: () => boolean = () => false) {
    this.#transport = transport;
    this.#paused = paused;
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.#read(), 1000);
    void this.#read();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Start counting afresh for another transport. */
  select(transport: TransportName): void {
    this.#transport = transport;
    this.#baseline = undefined;
    this.#latest = undefined;
    void this.#read();
  }

  /**
   * True once the server refused with 401: it was started with METRICS_TOKEN, which a page has no way to
   * know. Reading stops; the panel says why its server column stays empty.
   */
  get needsToken(): boolean {
    return this.#needsToken;
  }

  /** Growth since selection, or undefined until a baseline exists. */
  delta(): TransportCounters | undefined {
    const base = this.#baseline;
    const latest = this.#latest;
    if (base === undefined || latest === undefined) return undefined;
    const delta = { ...latest };
    for (const key of COUNTER_KEYS) delta[key] = latest[key] - base[key];
    return delta;
  }

  async #read(): Promise<void> {
    if (this.#inFlight || this.#needsToken || this.#paused()) return;
    this.#inFlight = true;
    const transport = this.#transport;
    try {
      const metrics = await fetchMetrics();
      const counters = metrics.transports[transport];
      if (counters === undefined || transport !== this.#transport) return;
      // A restarted server starts its counters at zero: take a new baseline rather than go negative.
      if (this.#baseline === undefined || counters.requests < this.#baseline.requests) this.#baseline = counters;
      this.#latest = counters;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        this.#needsToken = true;
        this.stop();
      }
      // Otherwise the connection banner already says when the server is gone; the numbers simply stop moving.
    } finally {
      this.#inFlight = false;
    }
  }
}
