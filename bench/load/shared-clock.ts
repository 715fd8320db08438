import { performance } from 'node:perf_hooks';

/**
 * performance.now() counts from each process's own start, so two processes' readings do not compare.
 * process.hrtime reads the machine's monotonic clock, the same in every process: times that cross a
 * process boundary (a vote's due time, a subscriber's arrival) travel on it. Node's performance.now()
 * is that same clock minus a constant, so the conversion loses nothing.
 */
const offsetMs = Number(process.hrtime.bigint()) / 1e6 - performance.now();

/** A performance.now() reading of this process on the machine-wide clock. */
export function toSharedClock(localMs: number): number {
  return localMs + offsetMs;
}

/** A machine-wide clock reading as this process's performance.now(). */
export function fromSharedClock(sharedMs: number): number {
  return sharedMs - offsetMs;
}
