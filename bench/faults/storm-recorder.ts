import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { readServerMetrics, type ServerMetrics } from '../measure/server-metrics.ts';
import type { StormFigures } from '../results/types.ts';
import type { FaultSubscriber } from './fault-subscriber.ts';

/** Server CPU is sampled this often during the storm; attempts are counted in buckets of the same width. */
const SAMPLE_MS = 100;

/**
 * What the reconnect storm records: when the clients' reconnect attempts were due (each one the client
 * layer scheduled, with its attempt number), the server's CPU in 100 ms samples, and the kernel's listen
 * queue overflows before and after.
 */
export class StormRecorder {
  readonly #attempts: { at: number; attempt: number }[] = [];
  #startedAt = 0;
  #sampling: Promise<void> | undefined;
  #stopped = false;
  #peakCpu = 0;
  #overflowsBefore: number | null = null;

  attemptAt(at: number, attempt: number): void {
    this.#attempts.push({ at, attempt });
  }

  async start(faultAt: number, serverUrl: string): Promise<void> {
    this.#startedAt = faultAt;
    this.#overflowsBefore = await listenOverflows();
    this.#sampling = this.#sample(serverUrl);
  }

  async finish(subscribers: readonly FaultSubscriber[], faultAt: number): Promise<StormFigures> {
    this.#stopped = true;
    await this.#sampling;
    const after = await listenOverflows();
    const attempts = this.#attempts.filter((a) => a.at >= this.#startedAt);
    const buckets: number[] = [];
    for (const { at } of attempts) {
      const bucket = Math.floor((at - this.#startedAt) / SAMPLE_MS);
      while (buckets.length <= bucket) buckets.push(0);
      buckets[bucket]!++;
    }
    const back = subscribers.map((s) => s.firstConnectedAfter(faultAt));
    return {
      attemptsPer100Ms: buckets,
      allBackMs: back.some((at) => at === undefined) ? null : Math.round(Math.max(...back.map((at) => at! - faultAt))),
      peakServerCpu: Math.round(this.#peakCpu * 1000) / 1000,
      // Attempt n > 1 was scheduled because attempt n - 1 failed (refused, reset or timed out).
      failedAttempts: attempts.filter((a) => a.attempt > 1).length,
      listenOverflows: after === null || this.#overflowsBefore === null ? null : after - this.#overflowsBefore,
    };
  }

  async #sample(serverUrl: string): Promise<void> {
    let previous: ServerMetrics | undefined;
    while (!this.#stopped) {
      const started = performance.now();
      try {
        const now = await readServerMetrics(serverUrl);
        if (previous !== undefined && now.uptimeMs > previous.uptimeMs) {
          const cpu = (m: ServerMetrics): number => m.process.cpuUserMs + m.process.cpuSystemMs;
          this.#peakCpu = Math.max(this.#peakCpu, (cpu(now) - cpu(previous)) / (now.uptimeMs - previous.uptimeMs));
        }
        previous = now;
      } catch {
        // A sample the busy server did not answer is skipped; the next one covers the gap.
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, SAMPLE_MS - (performance.now() - started))));
    }
  }
}

/** TcpExt ListenOverflows from /proc/net/netstat (Linux, machine-wide), or null where the OS does not say. */
async function listenOverflows(): Promise<number | null> {
  let text: string;
  try {
    text = await readFile('/proc/net/netstat', 'utf8');
  } catch {
    return null;
  }
  const [names, values] = text.split('\n').filter((line) => line.startsWith('TcpExt:'));
  if (names === undefined || values === undefined) return null;
  const index = names.split(/\s+/).indexOf('ListenOverflows');
  const value = Number(values.split(/\s+/)[index]);
  return index < 0 || !Number.isFinite(value) ? null : value;
}
