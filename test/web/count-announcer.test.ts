import { describe, expect, it } from 'vitest';
import type { Candidate } from '../../src/feed/types.ts';
import { CountAnnouncer } from '../../web/src/models/count-announcer.ts';

const ballot = (a: number, b: number): Candidate[] => [
  { id: 'a', name: 'Alpha', count: a },
  { id: 'b', name: 'Beta', count: b },
];

describe('CountAnnouncer', () => {
  it('announces nothing for the counts the page opens with, then a summary when they change', () => {
    const announcer = new CountAnnouncer(5000);
    expect(announcer.next(ballot(3, 4), 0)).toBeUndefined();
    expect(announcer.next(ballot(3, 4), 10)).toBeUndefined();
    expect(announcer.next(ballot(4, 4), 20)).toBe('Votes: Alpha 4, Beta 4.');
  });

  it('says at most one summary per interval at 20 votes a second, and the last one carries the latest counts', () => {
    const announcer = new CountAnnouncer(5000);
    announcer.next(ballot(0, 0), 0);
    const said: [number, string][] = [];
    // 200 votes, one every 50 ms, checked every 16 ms as the render loop does.
    for (let t = 1; t <= 10_000; t += 16) {
      const votes = Math.min(200, Math.floor(t / 50));
      const text = announcer.next(ballot(votes, 0), t);
      if (text !== undefined) said.push([t, text]);
    }
    // 200 changes in 10 s: one summary at the first vote, the next 5 s later, no more.
    expect(said.map(([, text]) => text)).toEqual(['Votes: Alpha 1, Beta 0.', 'Votes: Alpha 101, Beta 0.']);
    expect(said[1]![0] - said[0]![0]).toBeGreaterThanOrEqual(5000);
    // The votes since were not lost: once the interval has passed, the next summary has the final count.
    expect(announcer.next(ballot(200, 0), said[1]![0] + 5000)).toBe('Votes: Alpha 200, Beta 0.');
  });

  it('repeats nothing when the counts did not change', () => {
    const announcer = new CountAnnouncer(1000);
    announcer.next(ballot(1, 1), 0);
    expect(announcer.next(ballot(2, 1), 1)).toBe('Votes: Alpha 2, Beta 1.');
    expect(announcer.next(ballot(2, 1), 5000)).toBeUndefined();
  });
});
