import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { validateCandidates } from '../../src/feed/ballot.ts';
import { EventLog } from '../../src/feed/event-log.ts';
import { makeEntry } from '../../src/feed/feed-entry.ts';
import { FeedMirror } from '../../src/feed/feed-mirror.ts';
import { FeedError } from '../../src/feed/feed.ts';
import { MemoryFeed } from '../../src/feed/memory-feed.ts';
import { RecentVotes } from '../../src/feed/recent-votes.ts';
import type { FeedEntry, Snapshot } from '../../src/feed/types.ts';
import { ignore } from '../helpers/quiet.ts';
import { waitFor } from '../helpers/wait.ts';

function entry(seq: number): FeedEntry {
  const event = { type: 'vote' as const, seq, candidateId: 'a', count: seq, votedAt: 0 };
  return { event, json: JSON.stringify(event) };
}

describe('EventLog', () => {
  it('returns the entries after a seq while it still holds them all', () => {
    const log = new EventLog(5);
    for (let seq = 1; seq <= 8; seq++) log.append(entry(seq));
    expect(log.oldestSeq).toBe(4);
    expect(log.after(3, 8)?.map((e) => e.event.seq)).toEqual([4, 5, 6, 7, 8]);
    expect(log.after(6, 8)?.map((e) => e.event.seq)).toEqual([7, 8]);
    expect(log.after(8, 8)).toEqual([]);
  });

  it('says undefined when entries after the seq were already dropped', () => {
    const log = new EventLog(5);
    for (let seq = 1; seq <= 8; seq++) log.append(entry(seq));
    expect(log.after(2, 8)).toBeUndefined();
    expect(log.after(0, 8)).toBeUndefined();
  });

  it('refuses a seq that does not follow the newest, naming both seqs', () => {
    const log = new EventLog(3);
    log.append(entry(1));
    expect(() => log.append(entry(1))).toThrow(new RangeError('seq 1 does not follow 1'));
    log.append(entry(4));
    expect(() => log.append(entry(3))).toThrow(new RangeError('seq 3 does not follow 4'));
  });

  it('refuses a since that is not a whole seq instead of answering with the wrong entries', () => {
    const log = new EventLog(10);
    for (let seq = 1; seq <= 8; seq++) log.append(entry(seq));
    expect(() => log.after(2.5, 8)).toThrow(new RangeError('no entry at offset 2.5'));
  });
});

describe('MemoryFeed', () => {
  const candidates = validateCandidates([
    { id: 'a', name: 'A' },
    { id: 'b', name: 'B' },
  ]);

  it('numbers votes 1, 2, 3 and tells listeners in order, with the JSON made once', async () => {
    const feed = new MemoryFeed({ candidates });
    const seen: FeedEntry[] = [];
    feed.subscribe((e) => seen.push(e));
    await feed.vote({ userId: 'tester', candidateId: 'a' });
    await feed.vote({ userId: 'tester', candidateId: 'b', voteId: 'v2' });
    await feed.vote({ userId: 'tester', candidateId: 'a' });
    expect(seen.map((e) => [e.event.seq, e.event.candidateId, e.event.count])).toEqual([
      [1, 'a', 1],
      [2, 'b', 1],
      [3, 'a', 2],
    ]);
    expect(JSON.parse(seen[1]!.json)).toEqual(seen[1]!.event);
    expect(seen[1]!.event.voteId).toBe('v2');
    expect(feed.snapshot()).toMatchObject({
      seq: 3,
      candidates: [
        { id: 'a', count: 2 },
        { id: 'b', count: 1 },
      ],
    });
  });

  it('rejects an unknown candidate with a message naming it, without changing anything', async () => {
    const feed = new MemoryFeed({ candidates });
    const error = await feed.vote({ userId: 'tester', candidateId: 'zz' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeedError);
    expect(error).toMatchObject({ code: 'unknown_candidate', message: 'There is no candidate "zz" on this ballot' });
    expect(feed.head()).toBe(0);
  });

  it('remembers at most voteIdCapacity voteIds: the oldest is forgotten first', async () => {
    const feed = new MemoryFeed({ candidates, voteIdCapacity: 2 });
    const first = await feed.vote({ userId: 'u', candidateId: 'a', voteId: 'v1' });
    await feed.vote({ userId: 'u', candidateId: 'a', voteId: 'v2' });
    expect(await feed.vote({ userId: 'u', candidateId: 'a', voteId: 'v1' })).toBe(first);
    await feed.vote({ userId: 'u', candidateId: 'a', voteId: 'v3' });
    // v1 made room for v3; v2 and v3 are still known.
    expect((await feed.vote({ userId: 'u', candidateId: 'a', voteId: 'v3' })).event.seq).toBe(3);
    expect((await feed.vote({ userId: 'u', candidateId: 'a', voteId: 'v1' })).event.seq).toBe(4);
    expect(feed.head()).toBe(4);
  });

  it('resumes with events, or a snapshot when too far behind or ahead', async () => {
    const feed = new MemoryFeed({ candidates, logSize: 3 });
    for (let i = 0; i < 6; i++) await feed.vote({ userId: 'tester', candidateId: 'a' });
    expect(feed.resume(4)).toMatchObject({ kind: 'events', entries: [{ event: { seq: 5 } }, { event: { seq: 6 } }] });
    expect(feed.resume(3)).toMatchObject({ kind: 'events' });
    expect(feed.resume(2)).toMatchObject({ kind: 'snapshot', snapshot: { seq: 6 } });
    expect(feed.resume(7)).toMatchObject({ kind: 'snapshot', snapshot: { seq: 6 } });
  });
});

describe('validateCandidates', () => {
  it.each([
    ['not an array', { id: 'a' }],
    ['empty', []],
    ['a bad id', [{ id: 'has space', name: 'x' }]],
    [
      'a duplicate id',
      [
        { id: 'a', name: 'x' },
        { id: 'a', name: 'y' },
      ],
    ],
    ['a missing name', [{ id: 'a' }]],
  ])('refuses %s', (_name, input) => {
    expect(() => validateCandidates(input)).toThrow(/CANDIDATES/);
  });
});

describe('MemoryFeed listeners', () => {
  it('still tells the other listeners when one throws, and reports the error', async () => {
    const errors: unknown[] = [];
    const feed = new MemoryFeed({ candidates: validateCandidates([{ id: 'a', name: 'A' }]), onListenerError: (e) => errors.push(e) });
    const seen: number[] = [];
    feed.subscribe(() => {
      throw new Error('broken transport');
    });
    feed.subscribe((e) => seen.push(e.event.seq));
    await feed.vote({ userId: 'tester', candidateId: 'a' });
    expect(seen).toEqual([1]);
    expect(errors).toHaveLength(1);
  });
});

describe('validateCandidates at its limits', () => {
  it('accepts ids of 1 and 64 characters of [A-Za-z0-9_-] and names of 1 and 80 characters, keeping the ballot order', () => {
    const id64 = `Az09_-${'x'.repeat(58)}`;
    const list = validateCandidates([
      { id: id64, name: 'n'.repeat(80) },
      { id: 'b', name: 'B' },
    ]);
    expect(list).toEqual([
      { id: id64, name: 'n'.repeat(80) },
      { id: 'b', name: 'B' },
    ]);
    expect(Object.isFrozen(list) && Object.isFrozen(list[0])).toBe(true);
  });

  it.each([
    ['an id of 65 characters', [{ id: 'x'.repeat(65), name: 'x' }], 'CANDIDATES[0].id must be 1-64 characters of [A-Za-z0-9_-]'],
    ['an empty id', [{ id: '', name: 'x' }], 'CANDIDATES[0].id must be 1-64 characters of [A-Za-z0-9_-]'],
    [
      'an id with a character outside the set, after a good one',
      [
        { id: 'a', name: 'x' },
        { id: 'a.b', name: 'x' },
      ],
      'CANDIDATES[1].id must',
    ],
    ['an id that is not a string', [{ id: 7, name: 'x' }], 'CANDIDATES[0].id must'],
    ['a name of 81 characters', [{ id: 'a', name: 'n'.repeat(81) }], 'CANDIDATES[0].name must be a string of 1-80 characters'],
    ['an empty name', [{ id: 'a', name: '' }], 'CANDIDATES[0].name must'],
    ['a null entry', [{ id: 'a', name: 'x' }, null], 'CANDIDATES[1] must be an object {id, name}'],
    ['a string entry', ['a'], 'CANDIDATES[0] must be an object {id, name}'],
    [
      'a repeated id',
      [
        { id: 'a', name: 'x' },
        { id: 'a', name: 'y' },
      ],
      'CANDIDATES has the id "a" twice',
    ],
  ])('refuses %s, naming the entry', (_name, input, message) => {
    expect(() => validateCandidates(input)).toThrow(message);
  });
});

describe('MemoryFeed voteIds', () => {
  const candidates = validateCandidates([{ id: 'a', name: 'A' }]);

  it('keeps one user’s voteId apart from another’s, even when a user id holds a colon', async () => {
    const feed = new MemoryFeed({ candidates });
    await feed.vote({ userId: 'u', candidateId: 'a', voteId: 'x:y' });
    await feed.vote({ userId: 'u:x', candidateId: 'a', voteId: 'y' });
    expect(feed.head()).toBe(2);
  });

  it('refuses a window or a capacity it could not keep', () => {
    for (const options of [{ voteIdWindowMs: 0 }, { voteIdWindowMs: -1 }, { voteIdCapacity: 0 }, { voteIdCapacity: 1.5 }]) {
      expect(() => new MemoryFeed({ candidates, ...options })).toThrow(new RangeError('RecentVotes needs windowMs > 0 and a positive integer capacity'));
    }
    expect(() => new MemoryFeed({ candidates, voteIdWindowMs: 1, voteIdCapacity: 1 })).not.toThrow();
  });
});

describe('EventLog sizes', () => {
  it('refuses a capacity that is not a positive integer, and with room for one keeps the newest entry only', () => {
    for (const capacity of [0, -1, 2.5]) expect(() => new EventLog(capacity)).toThrow(new RangeError('log capacity must be a positive integer'));
    expect(() => new MemoryFeed({ candidates: validateCandidates([{ id: 'a', name: 'A' }]), logSize: 0 })).toThrow('log capacity must be a positive integer');
    const log = new EventLog(1);
    expect(log.oldestSeq).toBeUndefined();
    expect(log.newestSeq).toBeUndefined();
    log.append(entry(1));
    log.append(entry(2));
    expect([log.size, log.oldestSeq, log.newestSeq]).toEqual([1, 2, 2]);
    expect(log.after(1, 2)?.map((e) => e.event.seq)).toEqual([2]);
    expect(log.after(0, 2)).toBeUndefined();
  });
});

describe('MemoryFeed reads and subscriptions', () => {
  const candidates = validateCandidates([
    { id: 'a', name: 'A' },
    { id: 'b', name: 'B' },
  ]);

  it('resumes a client already at the head with nothing to send, not a snapshot, also before any vote', async () => {
    const feed = new MemoryFeed({ candidates });
    expect(feed.resume(0)).toEqual({ kind: 'events', entries: [] });
    await feed.vote({ userId: 'u', candidateId: 'b' });
    expect(feed.resume(1)).toEqual({ kind: 'events', entries: [] });
    expect(feed.resume(0)).toMatchObject({ kind: 'events', entries: [{ event: { seq: 1, candidateId: 'b', count: 1 } }] });
  });

  it('hands out one snapshot per seq, so pollers of an unchanged ballot share it, and a new one after a vote', async () => {
    const feed = new MemoryFeed({ candidates });
    const first = feed.snapshot();
    expect(feed.snapshot()).toBe(first);
    await feed.vote({ userId: 'u', candidateId: 'a' });
    const second = feed.snapshot();
    expect(second).not.toBe(first);
    expect(second).toMatchObject({
      type: 'snapshot',
      seq: 1,
      candidates: [
        { id: 'a', name: 'A', count: 1 },
        { id: 'b', name: 'B', count: 0 },
      ],
    });
    expect(first.seq).toBe(0);
  });

  it('stops telling a listener once it unsubscribed, and tells nobody after close()', async () => {
    const feed = new MemoryFeed({ candidates });
    const kept: number[] = [];
    const dropped: number[] = [];
    feed.subscribe((e) => kept.push(e.event.seq));
    const unsubscribe = feed.subscribe((e) => dropped.push(e.event.seq));
    await feed.vote({ userId: 'u', candidateId: 'a' });
    unsubscribe();
    await feed.vote({ userId: 'u', candidateId: 'a' });
    await feed.close();
    await feed.vote({ userId: 'u', candidateId: 'a' });
    expect(kept).toEqual([1, 2]);
    expect(dropped).toEqual([1]);
  });
});

describe('MemoryFeed events and times', () => {
  const candidates = validateCandidates([{ id: 'a', name: 'A' }]);

  it('gives a vote without a voteId an event with no voteId key, exactly as its JSON', async () => {
    const feed = new MemoryFeed({ candidates });
    const seen: FeedEntry[] = [];
    feed.subscribe((e) => seen.push(e));
    const entry = await feed.vote({ userId: 'u', candidateId: 'a' });
    expect(Object.keys(entry.event)).not.toContain('voteId');
    expect(entry.event).toStrictEqual(JSON.parse(entry.json));
    expect(seen).toEqual([entry]);
  });

  it('stamps votes and snapshots with wall-clock ms, close to Date.now() and moving forward', async () => {
    const feed = new MemoryFeed({ candidates });
    const before = Date.now();
    const first = await feed.vote({ userId: 'u', candidateId: 'a' });
    const snapshot = feed.snapshot();
    const after = Date.now();
    // The feed's clock is the monotonic one, anchored at the epoch: within a second of the wall clock.
    for (const at of [first.event.votedAt, snapshot.at]) {
      expect(at).toBeGreaterThan(before - 1000);
      expect(at).toBeLessThan(after + 1000);
    }
    await waitFor('the wall clock to move on', () => Date.now() > after + 2);
    const second = await feed.vote({ userId: 'u', candidateId: 'a' });
    expect(second.event.votedAt).toBeGreaterThan(first.event.votedAt);
    expect(feed.snapshot().at).toBeGreaterThan(snapshot.at);
  });

  it('reports a listener that throws on the console when no onListenerError is given', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(ignore);
    try {
      const feed = new MemoryFeed({ candidates });
      const failure = new Error('broken transport');
      feed.subscribe(() => {
        throw failure;
      });
      await feed.vote({ userId: 'u', candidateId: 'a' });
      expect(printed).toHaveBeenCalledWith('votewire: a feed listener failed', failure);
    } finally {
      printed.mockRestore();
    }
  });
});

describe('FeedMirror reset listeners', () => {
  const candidates = validateCandidates([
    { id: 'a', name: 'A' },
    { id: 'b', name: 'B' },
  ]);
  const state = { counts: { a: '2', b: 1 }, entries: [makeEntry(3, 'a', 2, 0, undefined)], head: 3 };

  it('tells every reset listener the new snapshot on load, reporting one that throws without skipping the others', () => {
    const errors: [unknown, FeedEntry | Snapshot][] = [];
    const mirror = new FeedMirror(candidates, 10, (error, delivery) => errors.push([error, delivery]));
    const failure = new Error('broken transport');
    const told: Snapshot[] = [];
    mirror.onReset(() => {
      throw failure;
    });
    mirror.onReset((snapshot) => told.push(snapshot));
    mirror.load(state);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({
      seq: 3,
      candidates: [
        { id: 'a', count: 2 },
        { id: 'b', count: 1 },
      ],
    });
    expect(errors).toEqual([[failure, told[0]]]);
  });

  it('stops telling a reset listener once it unsubscribed, and still tells the others', () => {
    const mirror = new FeedMirror(candidates, 10, ignore);
    const toldGone: Snapshot[] = [];
    const toldStaying: Snapshot[] = [];
    const unsubscribe = mirror.onReset((snapshot) => toldGone.push(snapshot));
    mirror.onReset((snapshot) => toldStaying.push(snapshot));
    unsubscribe();
    mirror.load(state);
    expect(toldGone).toEqual([]);
    expect(toldStaying.map((snapshot) => snapshot.seq)).toEqual([3]);
  });

  it('tells no reset listener any more once its listeners were cleared (the feed closed)', () => {
    const mirror = new FeedMirror(candidates, 10, ignore);
    const told: Snapshot[] = [];
    mirror.onReset((snapshot) => told.push(snapshot));
    mirror.clearListeners();
    mirror.load(state);
    expect(told).toEqual([]);
    expect(mirror.head).toBe(3);
  });
});

describe('RecentVotes', () => {
  afterEach(() => vi.restoreAllMocks());

  /** A 100 ms window on a clock the test moves, with voteId va remembered at 1,000 and vb at 1,001. */
  function windowWithTwoVotes() {
    const clock = { now: 1000 };
    vi.spyOn(performance, 'now').mockImplementation(() => clock.now);
    const recent = new RecentVotes(100, 10);
    const again = makeEntry(3, 'a', 3, 0, 'va');
    recent.remember('u', 'va', makeEntry(1, 'a', 1, 0, 'va'));
    clock.now += 1;
    recent.remember('u', 'vb', makeEntry(2, 'a', 2, 0, 'vb'));
    return { clock, recent, again };
  }

  it('forgets every expired voteId when one is remembered anew after its window', () => {
    const { clock, recent, again } = windowWithTwoVotes();
    clock.now += 150; // both windows are over
    recent.remember('u', 'va', again);
    clock.now += 10;
    expect(recent.find('u', 'vb')).toBeUndefined();
    expect(recent.find('u', 'va')).toBe(again);
  });

  it('keeps forgetting in expiry order when a voteId still remembered is remembered again', () => {
    const { clock, recent, again } = windowWithTwoVotes();
    clock.now += 1;
    recent.remember('u', 'va', again); // its window starts over, after vb's
    clock.now += 99; // vb's window is over (at 1,101), va's new one is not (until 1,102)
    expect(recent.find('u', 'vb')).toBeUndefined();
    expect(recent.find('u', 'va')).toBe(again);
  });
});
