import type { SubscriberLedger } from './coherence.ts';
import { LatencyHistogram } from './latency-histogram.ts';

export interface DeliveryLatencies {
  /** One value per (subscriber, vote): due time of the vote to its arrival at the subscriber. */
  perDelivery: LatencyHistogram;
  /** One value per vote that reached every subscriber: due time to arrival at the last of them. */
  lastSubscriber: LatencyHistogram;
}

/**
 * Latency from the moment each vote was due (its slot in the open-loop schedule, not when it was
 * actually sent: a late send is latency the user would see) to its arrival at each subscriber.
 *
 * @param dueBySeq the schedule, keyed by the seq the server gave each vote
 */
export function measureDeliveryLatencies(ledgers: readonly SubscriberLedger[], dueBySeq: ReadonlyMap<number, number>): DeliveryLatencies {
  const perDelivery = new LatencyHistogram();
  const lastSubscriber = new LatencyHistogram();
  for (const [seq, due] of dueBySeq) {
    let latest = Number.NEGATIVE_INFINITY;
    let reachedAll = ledgers.length > 0;
    for (const ledger of ledgers) {
      const arrival = ledger.arrivals.get(seq);
      if (arrival === undefined) {
        reachedAll = false;
        continue;
      }
      perDelivery.recordMs(arrival - due);
      if (arrival > latest) latest = arrival;
    }
    if (reachedAll) lastSubscriber.recordMs(latest - due);
  }
  return { perDelivery, lastSubscriber };
}
