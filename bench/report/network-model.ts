import type { VariantSpec } from '../plan/variants.ts';
import type { NetworkProfileResult } from '../results/types.ts';

/** What the emulated network should add to a transport's latency, as a range in ms, with how it was reasoned. */
export interface NetworkTerm {
  lowMs: number;
  highMs: number;
  formula: string;
}

/**
 * The latency a network adds to one transport, on top of what the same transport measures on loopback.
 * Latency is timed from the vote's send, and the voter is behind the same network, so every transport
 * first pays the vote's own trip to the server (RTT/2); then:
 * - push (WebSocket, SSE): the event's trip down, RTT/2;
 * - long polling: RTT/2 when a poll is waiting at the server; an event that arrives while the answer to the
 *   previous poll and the next poll are travelling waits up to one round trip more (so it batches, and its
 *   tail grows with RTT × rate);
 * - polling: the answer's trip down, RTT/2 (the wait for the next poll, interval/2, is already in loopback's figure).
 * Jitter adds about jitter/2 per direction on average (a little more: a chunk never overtakes the previous one).
 */
export function networkTerm(spec: VariantSpec, profile: NetworkProfileResult): NetworkTerm {
  const { rttMs, jitterMs } = profile;
  const oneWay = rttMs / 2 + jitterMs / 2;
  if (spec.transport === 'long-polling') {
    return { lowMs: 2 * oneWay, highMs: 2 * oneWay + rttMs, formula: 'RTT/2 (vote) + RTT/2 (answer), + up to RTT (next poll in flight)' };
  }
  if (spec.transport === 'polling') return { lowMs: 2 * oneWay, highMs: 2 * oneWay, formula: 'RTT/2 (vote) + RTT/2 (answer); interval/2 is in loopback' };
  return { lowMs: 2 * oneWay, highMs: 2 * oneWay, formula: 'RTT/2 (vote) + RTT/2 (push)' };
}
