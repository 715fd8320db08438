import type { CoherenceSummary } from '../results/types.ts';

/**
 * How a transport hands votes over: one event per vote (long polling, WebSocket, SSE), or whole
 * snapshots whose `seq` covers every vote up to it (interval polling).
 */
export type DeliveryMode = 'events' | 'snapshots';

/**
 * What one subscriber heard, by `seq`: when each vote first reached it, and every way the stream
 * broke the contract (exactly once, in order). The first snapshot is the subscriber's starting point.
 */
export class SubscriberLedger {
  readonly mode: DeliveryMode;
  /** seq -> time (ms, performance.now()) the vote first reached this subscriber. */
  readonly arrivals = new Map<number, number>();
  baseline: number | undefined;
  highest = Number.NEGATIVE_INFINITY;
  duplicated = 0;
  outOfOrder = 0;
  resyncs = 0;

  constructor(mode: DeliveryMode) {
    this.mode = mode;
  }

  onSnapshot(seq: number, at: number): void {
    if (this.baseline === undefined) {
      this.baseline = seq;
      this.highest = seq;
      return;
    }
    // On a push transport a later snapshot means the server gave up on events for this client.
    if (this.mode === 'events') this.resyncs++;
    if (seq < this.highest) {
      this.outOfOrder++;
      return;
    }
    // A snapshot carries the counts of every vote up to its seq: those votes have reached the client.
    for (let covered = this.highest + 1; covered <= seq; covered++) {
      if (!this.arrivals.has(covered)) this.arrivals.set(covered, at);
    }
    this.highest = seq;
  }

  onEvent(seq: number, at: number): void {
    if (this.baseline === undefined) {
      // A stream that starts with events instead of a snapshot: take the one before as the start,
      // so the rest is still checked.
      this.baseline = seq - 1;
      this.highest = seq - 1;
    }
    if (seq <= this.baseline || this.arrivals.has(seq)) {
      this.duplicated++;
      return;
    }
    if (seq < this.highest) this.outOfOrder++;
    this.arrivals.set(seq, at);
    if (seq > this.highest) this.highest = seq;
  }

  /** Expected votes this subscriber never heard. */
  lostOf(expected: readonly number[]): number {
    let lost = 0;
    for (const seq of expected) if (!this.arrivals.has(seq)) lost++;
    return lost;
  }
}

/** Adds up the ledgers against the votes the server acknowledged (their seqs). */
export function summarizeCoherence(ledgers: readonly SubscriberLedger[], expected: readonly number[]): CoherenceSummary {
  const summary: CoherenceSummary = {
    subscribers: ledgers.length,
    expectedPerSubscriber: expected.length,
    lost: 0,
    duplicated: 0,
    outOfOrder: 0,
    resyncs: 0,
    subscribersWithErrors: 0,
  };
  for (const ledger of ledgers) {
    const lost = ledger.lostOf(expected);
    summary.lost += lost;
    summary.duplicated += ledger.duplicated;
    summary.outOfOrder += ledger.outOfOrder;
    summary.resyncs += ledger.resyncs;
    if (lost + ledger.duplicated + ledger.outOfOrder > 0) summary.subscribersWithErrors++;
  }
  return summary;
}

/** True when every subscriber got every vote exactly once and in order. */
export function isCoherent(summary: CoherenceSummary): boolean {
  return summary.lost === 0 && summary.duplicated === 0 && summary.outOfOrder === 0;
}
