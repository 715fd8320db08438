import { performance } from 'node:perf_hooks';
import type { RelayHealth } from '../results/types.ts';
import type { Relay, RelayStats } from './relay.ts';

/** Above these the relay, not the server or the network it emulates, may be what the latencies show. */
export const RELAY_SATURATION = Object.freeze({ cpuUtilization: 0.9, eventLoopUtilization: 0.9 });

/**
 * Watches the relay process over a measured window: its CPU and event-loop utilisation, and the bytes
 * it carried. A relay that was busy most of the window delays chunks beyond what its profile says, so
 * the scenario is flagged, as one whose load generator saturated is.
 */
export class RelayMonitor {
  readonly #relay: Relay;
  #atStart: RelayStats | undefined;
  #startedAt = 0;

  constructor(relay: Relay) {
    this.#relay = relay;
  }

  /** Also restarts the relay's event-loop utilisation, which it measures since the previous stats(). */
  async start(): Promise<void> {
    this.#atStart = await this.#relay.stats();
    this.#startedAt = performance.now();
  }

  async finish(): Promise<RelayHealth> {
    const atEnd = await this.#relay.stats();
    const atStart = this.#atStart ?? atEnd;
    const wallMs = Math.max(1, performance.now() - this.#startedAt);
    return judgeRelay({
      cpuUtilization: (atEnd.cpuMs - atStart.cpuMs) / wallMs,
      eventLoopUtilization: atEnd.eventLoopUtilization,
      bytesToServer: atEnd.bytesToServer - atStart.bytesToServer,
      bytesToClient: atEnd.bytesToClient - atStart.bytesToClient,
      accepted: atEnd.accepted,
    });
  }
}

/** Decides whether the relay was the bottleneck, and says why. */
export function judgeRelay(measured: Omit<RelayHealth, 'saturated' | 'reasons'>): RelayHealth {
  const reasons: string[] = [];
  if (measured.eventLoopUtilization > RELAY_SATURATION.eventLoopUtilization) {
    reasons.push(`relay event loop ${(measured.eventLoopUtilization * 100).toFixed(0)} % busy`);
  }
  if (measured.cpuUtilization > RELAY_SATURATION.cpuUtilization) {
    reasons.push(`relay CPU ${(measured.cpuUtilization * 100).toFixed(0)} % of a core`);
  }
  return { ...measured, saturated: reasons.length > 0, reasons };
}
