import { performance } from 'node:perf_hooks';

/** Wall-clock milliseconds since the epoch with sub-millisecond precision, as the wire contract says. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
