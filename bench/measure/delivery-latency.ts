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
  recordPerDelivery(ledgers, dueBySeq, perDelivery);
  const lastSubscriber = new LatencyHistogram();
  recordLastSubscriber([latestArrivals(ledgers, dueBySeq.keys())], dueBySeq, lastSubscriber);
  return { perDelivery, lastSubscriber };
}

/** Records every (subscriber, vote) latency of `ledgers` into `histogram`. */
export function recordPerDelivery(ledgers: readonly SubscriberLedger[], dueBySeq: ReadonlyMap<number, number>, histogram: LatencyHistogram): void {
  for (const [seq, due] of dueBySeq) {
    for (const ledger of ledgers) {
      const arrival = ledger.arrivals.get(seq);
      if (arrival !== undefined) histogram.recordMs(arrival - due);
    }
  }
}

/**
 * When each vote reached the last of `ledgers`, or null when one of them never heard it (or there are
 * none). A group of subscribers (one worker process's) is summarised so; the groups' figures combine
 * exactly in `recordLastSubscriber`, because the last of all is the latest of each group's last.
 */
export function latestArrivals(ledgers: readonly SubscriberLedger[], seqs: Iterable<number>): Map<number, number | null> {
  const latest = new Map<number, number | null>();
  for (const seq of seqs) {
    let last: number | null = ledgers.length > 0 ? Number.NEGATIVE_INFINITY : null;
    for (const ledger of ledgers) {
      const arrival = ledger.arrivals.get(seq);
      if (arrival === undefined) {
        last = null;
        break;
      }
      if (last !== null && arrival > last) last = arrival;
    }
    latest.set(seq, last);
  }
  return latest;
}

/** Records, per vote that reached every group in full, due time to the latest arrival among the groups. */
export function recordLastSubscriber(
  groups: readonly ReadonlyMap<number, number | null>[],
  dueBySeq: ReadonlyMap<number, number>,
  histogram: LatencyHistogram,
): void {
  for (const [seq, due] of dueBySeq) {
    let last = Number.NEGATIVE_INFINITY;
    let reachedAll = groups.length > 0;
    for (const group of groups) {
      const arrival = group.get(seq);
      if (arrival === undefined || arrival === null) {
        reachedAll = false;
        break;
      }
      if (arrival > last) last = arrival;
    }
    if (reachedAll) histogram.recordMs(last - due);
  }
}
