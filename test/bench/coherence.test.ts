import { describe, expect, it } from 'vitest';
import { isCoherent, SubscriberLedger, summarizeCoherence } from '../../bench/measure/coherence.ts';
import { measureDeliveryLatencies } from '../../bench/measure/delivery-latency.ts';

function eventLedger(baseline: number, seqs: number[]): SubscriberLedger {
  const ledger = new SubscriberLedger('events');
  ledger.onSnapshot(baseline, 0);
  seqs.forEach((seq, i) => ledger.onEvent(seq, 10 + i));
  return ledger;
}

describe('SubscriberLedger on an event transport', () => {
  it('counts nothing wrong for every event once and in order', () => {
    const summary = summarizeCoherence([eventLedger(10, [11, 12, 13])], [11, 12, 13]);
    expect(summary).toEqual({ subscribers: 1, expectedPerSubscriber: 3, lost: 0, duplicated: 0, outOfOrder: 0, resyncs: 0, subscribersWithErrors: 0 });
    expect(isCoherent(summary)).toBe(true);
  });

  it('counts a repeated seq, and one already in the starting snapshot, as duplicates', () => {
    const ledger = eventLedger(10, [11, 11, 10, 12]);
    expect(ledger.duplicated).toBe(2);
    expect(summarizeCoherence([ledger], [11, 12]).subscribersWithErrors).toBe(1);
  });

  it('counts an event older than one already received as out of order, but still delivered', () => {
    const ledger = eventLedger(0, [1, 3, 2]);
    expect(ledger.outOfOrder).toBe(1);
    expect(ledger.lostOf([1, 2, 3])).toBe(0);
  });

  it('counts expected votes that never arrived as lost', () => {
    const summary = summarizeCoherence([eventLedger(0, [1, 3]), eventLedger(0, [1, 2, 3])], [1, 2, 3]);
    expect(summary.lost).toBe(1);
    expect(summary.subscribersWithErrors).toBe(1);
    expect(isCoherent(summary)).toBe(false);
  });

  it('counts a later snapshot as a resync that covers the votes it includes', () => {
    const ledger = eventLedger(0, [1]);
    ledger.onSnapshot(5, 99);
    expect(ledger.resyncs).toBe(1);
    expect(ledger.lostOf([1, 2, 3, 4, 5])).toBe(0);
    expect(ledger.arrivals.get(4)).toBe(99);
  });

  it('loses everything for a subscriber that never connected', () => {
    const ledger = new SubscriberLedger('events');
    expect(summarizeCoherence([ledger], [1, 2]).lost).toBe(2);
  });
});

describe('SubscriberLedger on polling (snapshots)', () => {
  it('treats each vote as arriving with the first snapshot whose seq covers it', () => {
    const ledger = new SubscriberLedger('snapshots');
    ledger.onSnapshot(3, 0);
    ledger.onSnapshot(3, 100); // no news: not a duplicate
    ledger.onSnapshot(6, 200);
    ledger.onSnapshot(7, 300);
    expect([...ledger.arrivals]).toEqual([
      [4, 200],
      [5, 200],
      [6, 200],
      [7, 300],
    ]);
    expect(ledger.duplicated).toBe(0);
    expect(ledger.resyncs).toBe(0);
    expect(ledger.lostOf([4, 5, 6, 7, 8])).toBe(1);
  });

  it('counts a snapshot older than one already seen as out of order', () => {
    const ledger = new SubscriberLedger('snapshots');
    ledger.onSnapshot(5, 0);
    ledger.onSnapshot(8, 1);
    ledger.onSnapshot(6, 2);
    expect(ledger.outOfOrder).toBe(1);
  });
});

describe('measureDeliveryLatencies', () => {
  it('measures from the due time, and the last subscriber only for votes every subscriber got', () => {
    const fast = eventLedger(0, []);
    fast.onEvent(1, 1001);
    fast.onEvent(2, 2002);
    const slow = eventLedger(0, []);
    slow.onEvent(1, 1010);
    const due = new Map([
      [1, 1000],
      [2, 2000],
    ]);
    const { perDelivery, lastSubscriber } = measureDeliveryLatencies([fast, slow], due);
    expect(perDelivery.count).toBe(3);
    expect(perDelivery.summary().maxUs).toBeGreaterThanOrEqual(9_990);
    // Vote 2 never reached `slow`, so only vote 1 has a last-subscriber time: 10 ms.
    expect(lastSubscriber.count).toBe(1);
    expect(lastSubscriber.summary().maxUs).toBeGreaterThanOrEqual(9_990);
    expect(lastSubscriber.summary().maxUs).toBeLessThanOrEqual(10_010);
  });
});
