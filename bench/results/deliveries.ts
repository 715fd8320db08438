import { VARIANTS } from '../plan/variants.ts';
import type { ScenarioResult } from './types.ts';

/**
 * The deliveries a scenario's measured window is charged with: every figure "per delivered event" (server
 * CPU, bytes, requests, the load generator's CPU) divides what was spent in the window by this.
 *
 * It is the events the server wrote to subscribers in the window, by its own count, for the transports
 * whose server writes each event it delivers (long polling, WebSocket, SSE and their references): the CPU
 * and bytes of the window went into exactly those writes. Acknowledged votes × subscribers is the same
 * number while the subscribers keep up. When the load generator falls behind it is not: the events of
 * votes cast before the window are then written during it, and those of its last votes after it, so the
 * difference between the backlog at the window's start and at its end would be charged to the server, a
 * different amount in every run. Polling answers with counts, not events (its server counts only what a
 * poll with a known seq catches up on), so its figures stay per acknowledged vote × subscriber.
 */
export function windowDeliveries(scenario: Pick<ScenarioResult, 'variant' | 'cost'>): number {
  const { cost } = scenario;
  const countsEvents = VARIANTS[scenario.variant].transport !== 'polling' && cost.serverDeliveries > 0;
  return countsEvents ? cost.serverDeliveries : cost.deliveries;
}
