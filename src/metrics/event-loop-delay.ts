import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { EventLoopDelay } from './metrics-json.ts';

/**
 * How late this process's event loop ran its timers, sampled by Node (perf_hooks, in libuv, not a JS
 * timer) every RESOLUTION_MS: a fan-out that keeps the loop busy shows here as the delay every vote,
 * heartbeat and request waiting behind it had. Each read covers the time since the previous one and
 * starts a new interval, so whoever reads it twice (the bench, around a measured window) gets that window.
 */
export class EventLoopDelayMonitor {
  readonly #histogram: ReturnType<typeof monitorEventLoopDelay>;
  #since = performance.now();

  constructor() {
    this.#histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.#histogram.enable();
  }

  /** Stops sampling (the server closing). */
  stop(): void {
    this.#histogram.disable();
  }

  /** The delay since the previous read (or since the start), in ms; starts the next interval. */
  read(): EventLoopDelay {
    const h = this.#histogram;
    const now = performance.now();
    // Nanoseconds; a histogram without samples (an interval shorter than the resolution) reads as NaN or 0.
    const ms = (ns: number): number => (Number.isFinite(ns) ? ns / 1e6 : 0);
    const figures: EventLoopDelay = { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max), intervalMs: now - this.#since };
    h.reset();
    this.#since = now;
    return figures;
  }
}

/** Sampling period: fine enough to see a 20 ms stall, coarse enough to cost nothing measurable when idle. */
const RESOLUTION_MS = 20;
