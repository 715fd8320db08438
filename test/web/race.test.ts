import { describe, expect, it } from 'vitest';
import { CursorTracker } from '../../src/client/cursor.ts';
import type { TransportName } from '../../src/client/types.ts';
import type { Snapshot, VoteEvent } from '../../src/feed/types.ts';
import { snapshot, vote } from '../client/fixtures.ts';
import { RaceModel } from '../../web/src/models/race.ts';

const LANES: TransportName[] = ['polling', 'websocket'];

/** Each lane judged by its own tracker, as in the demo. */
function setup() {
  const race = new RaceModel(LANES);
  const trackers = new Map(LANES.map((lane) => [lane, new CursorTracker()]));
  const tracker = (lane: TransportName) => trackers.get(lane)!;
  return {
    race,
    snap: (lane: TransportName, s: Snapshot, at: number, reason: 'initial' | 'poll' = 'poll') => {
      race.onSnapshot(lane, s, tracker(lane).applySnapshot(s, reason), at);
    },
    event: (lane: TransportName, e: VoteEvent, at: number) => {
      race.onEvent(lane, e, tracker(lane).applyEvent(e), at);
    },
  };
}

describe('RaceModel', () => {
  it('times nothing until every lane has its starting snapshot', () => {
    const { race, snap, event } = setup();
    snap('websocket', snapshot(0), 0, 'initial');
    event('websocket', vote(1, 'a', 1, { votedAt: 10 }), 12);
    expect(race.ready).toBe(false);
    snap('polling', snapshot(1, { a: 1, b: 0 }), 20, 'initial');
    expect(race.ready).toBe(true);
    expect(race.summary('websocket').received).toBe(0);
  });

  it('times events against votedAt and polling by the snapshot that covered the seq, in either order', () => {
    const { race, snap, event } = setup();
    snap('websocket', snapshot(0), 0, 'initial');
    snap('polling', snapshot(0), 0, 'initial');
    // vote 1: websocket first, polling later
    event('websocket', vote(1, 'a', 1, { votedAt: 100 }), 103);
    // vote 2: polling's snapshot covers it before the websocket delivers it
    snap('polling', snapshot(2, { a: 2, b: 0 }), 600);
    event('websocket', vote(2, 'a', 2, { votedAt: 550 }), 604);
    expect(race.summary('websocket')).toMatchObject({ received: 2, p50: 3, p95: 54 });
    expect(race.summary('polling')).toMatchObject({ received: 2, p50: 50, p95: 500 });
    const [first, second] = race.recentVotes();
    expect(race.delay(first!, 'polling')).toBe(500);
    expect(race.delay(second!, 'websocket')).toBe(54);
  });

  it('reports batch sizes from the wire', () => {
    const { race } = setup();
    race.onWire({ transport: 'polling', what: 'GET /api/ballot', bytesIn: 1, bytesOut: 0, empty: false, at: 0, events: 7 });
    race.onWire({ transport: 'polling', what: 'GET /api/ballot', bytesIn: 0, bytesOut: 0, empty: true, at: 0, events: 0 });
    race.onWire({ transport: 'polling', what: 'GET /api/ballot', bytesIn: 1, bytesOut: 0, empty: false, at: 0, events: 2 });
    expect(race.summary('polling')).toMatchObject({ lastBatch: 2, largestBatch: 7 });
  });

  it('does not time a duplicate twice', () => {
    const { race, snap, event } = setup();
    snap('websocket', snapshot(0), 0, 'initial');
    snap('polling', snapshot(0), 0, 'initial');
    event('websocket', vote(1, 'a', 1, { votedAt: 100 }), 103);
    event('websocket', vote(1, 'a', 1, { votedAt: 100 }), 900);
    expect(race.summary('websocket').received).toBe(1);
  });
});
