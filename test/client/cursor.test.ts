import { describe, expect, it } from 'vitest';
import { CursorTracker } from '../../src/client/cursor.ts';
import { snapshot, vote } from './fixtures.ts';

describe('CursorTracker', () => {
  it('takes the first snapshot as its baseline and applies contiguous events', () => {
    const tracker = new CursorTracker();
    expect(tracker.seq).toBeUndefined();
    expect(tracker.applySnapshot(snapshot(5, { a: 3, b: 2 }), 'initial')).toEqual({ kind: 'baseline', seq: 5 });
    expect(tracker.applyEvent(vote(6, 'a', 4))).toEqual({ kind: 'advanced', seq: 6, covered: 1 });
    expect(tracker.applyEvent(vote(7, 'b', 3))).toEqual({ kind: 'advanced', seq: 7, covered: 1 });
    expect(tracker.seq).toBe(7);
    expect(tracker.count('a')).toBe(4);
    expect(tracker.count('b')).toBe(3);
    expect(tracker.counters).toEqual({ gaps: 0, missedEvents: 0, duplicates: 0, resyncs: 0 });
  });

  it('counts a repeated seq as a duplicate and does not apply it', () => {
    const tracker = new CursorTracker();
    tracker.applySnapshot(snapshot(0), 'initial');
    tracker.applyEvent(vote(1, 'a', 1));
    tracker.applyEvent(vote(2, 'a', 2));
    expect(tracker.applyEvent(vote(2, 'a', 2))).toEqual({ kind: 'duplicate', seq: 2 });
    expect(tracker.applyEvent(vote(1, 'a', 1))).toEqual({ kind: 'duplicate', seq: 1 });
    expect(tracker.counters.duplicates).toBe(2);
    expect(tracker.count('a')).toBe(2);
    expect(tracker.seq).toBe(2);
  });

  it('counts a skipped seq as a gap with the number of missed events', () => {
    const tracker = new CursorTracker();
    tracker.applySnapshot(snapshot(10), 'initial');
    expect(tracker.applyEvent(vote(14, 'b', 1))).toEqual({ kind: 'gap', seq: 14, missing: 3 });
    expect(tracker.counters).toMatchObject({ gaps: 1, missedEvents: 3 });
    expect(tracker.seq).toBe(14);
  });

  it('treats polling snapshots as normal delivery, but counts a snapshot on a resume as a resync', () => {
    const tracker = new CursorTracker();
    tracker.applySnapshot(snapshot(3), 'initial');
    expect(tracker.applySnapshot(snapshot(3), 'poll')).toEqual({ kind: 'unchanged', seq: 3 });
    expect(tracker.applySnapshot(snapshot(8, { a: 5, b: 3 }), 'poll')).toEqual({ kind: 'advanced', seq: 8, covered: 5 });
    expect(tracker.counters.resyncs).toBe(0);
    expect(tracker.applySnapshot(snapshot(20, { a: 10, b: 10 }), 'resync')).toEqual({ kind: 'resync', seq: 20, previous: 8 });
    expect(tracker.counters.resyncs).toBe(1);
    expect(tracker.count('a')).toBe(10);
  });

  it('accepts a snapshot that went backwards (the server lost its state) and counts it as a resync', () => {
    const tracker = new CursorTracker();
    tracker.applySnapshot(snapshot(57, { a: 30, b: 27 }), 'initial');
    expect(tracker.applySnapshot(snapshot(0), 'poll')).toEqual({ kind: 'resync', seq: 0, previous: 57 });
    expect(tracker.seq).toBe(0);
    expect(tracker.count('a')).toBe(0);
    expect(tracker.counters.resyncs).toBe(1);
  });

  it('never lets an out-of-order count lower a candidate', () => {
    const tracker = new CursorTracker();
    tracker.applySnapshot(snapshot(0, { a: 5 }), 'initial');
    tracker.applyEvent(vote(1, 'a', 4)); // impossible from a correct server; the count must not go back
    expect(tracker.count('a')).toBe(5);
  });

  it('does not share candidate objects with the snapshot it was given', () => {
    const tracker = new CursorTracker();
    const given = snapshot(0, { a: 1 });
    tracker.applySnapshot(given, 'initial');
    tracker.applyEvent(vote(1, 'a', 2));
    expect(given.candidates[0]?.count).toBe(1);
  });
});
