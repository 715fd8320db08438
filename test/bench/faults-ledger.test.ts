import { describe, expect, it } from 'vitest';
import { EpochLedger } from '../../bench/faults/epoch-ledger.ts';

describe("a fault subscriber's ledger across a restart of the memory feed", () => {
  it('opens a new epoch when a snapshot goes backwards, and counts it as a resync', () => {
    const ledger = new EpochLedger('events');
    ledger.onSnapshot(500, 0);
    for (const seq of [501, 502, 503]) ledger.onEvent(seq, 1);
    ledger.onSnapshot(7, 2);
    for (const seq of [8, 9]) ledger.onEvent(seq, 3);
    expect(ledger.epochs).toHaveLength(2);
    expect(ledger.resyncs).toBe(1);
    expect(ledger.duplicated + ledger.outOfOrder).toBe(0);
    // 504 was acknowledged by the dying process and never sent: gone with it, not lost by this client.
    // 1..7 are in the new epoch's snapshot.
    expect(
      ledger.lost([
        [501, 502, 503, 504],
        [1, 2, 3, 4, 5, 6, 7, 8, 9],
      ]),
    ).toBe(0);
  });

  it('counts a hole before the restart and a missing vote after it as lost', () => {
    const ledger = new EpochLedger('events');
    ledger.onSnapshot(500, 0);
    for (const seq of [501, 503]) ledger.onEvent(seq, 1);
    ledger.onSnapshot(7, 2);
    ledger.onEvent(9, 3);
    expect(
      ledger.lost([
        [501, 502, 503],
        [8, 9, 10],
      ]),
    ).toBe(3);
  });

  it('treats a polling snapshot that moves forward as delivery, not as a new epoch', () => {
    const ledger = new EpochLedger('snapshots');
    ledger.onSnapshot(500, 0);
    ledger.onSnapshot(520, 1);
    expect(ledger.epochs).toHaveLength(1);
    expect(ledger.resyncs).toBe(0);
    expect(ledger.lost([[501, 510, 520]])).toBe(0);
    expect(ledger.lost([[501, 521]])).toBe(1);
  });

  it('counts an event heard twice within an epoch as a duplicate', () => {
    const ledger = new EpochLedger('events');
    ledger.onSnapshot(10, 0);
    ledger.onEvent(11, 1);
    ledger.onEvent(11, 2);
    expect(ledger.duplicated).toBe(1);
  });
});
