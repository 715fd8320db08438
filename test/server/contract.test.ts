import { afterEach, describe, expect, it } from 'vitest';
import type { Snapshot, VoteEvent } from '../../src/feed/types.ts';
import { ballot, castVote, createSession, startServerForTest } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { PUSH_TRANSPORTS, coherence, subscribe, type TestSubscriber } from '../helpers/subscribers.ts';

const subscribers: TestSubscriber[] = [];

afterEach(async () => {
  await Promise.all(subscribers.splice(0).map((s) => s.close()));
});

function track(subscriber: TestSubscriber): TestSubscriber {
  subscribers.push(subscriber);
  return subscriber;
}

async function voteMany(url: string, voters: number, votesEach: number, candidates: readonly string[]): Promise<void> {
  const sessions = await Promise.all(Array.from({ length: voters }, (_, i) => createSession(url, `voter ${i}`)));
  await Promise.all(
    sessions.map(async (session, voter) => {
      for (let i = 0; i < votesEach; i++) {
        const candidateId = candidates[(voter + i) % candidates.length]!;
        const { status } = await castVote(url, session, { candidateId, voteId: `v${voter}-${i}` });
        expect(status).toBe(201);
      }
    }),
  );
}

function finalCounts(events: readonly VoteEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) counts[event.candidateId] = event.count;
  return counts;
}

describe.each(PUSH_TRANSPORTS)('the %s transport', (transport) => {
  it('delivers every vote to every subscriber exactly once and in seq order while voters vote concurrently', async () => {
    const server = await startServerForTest({ votesPerSecond: 0 });
    const { url } = server;
    const alice = await createSession(url, 'alice');
    const bob = await createSession(url, 'bob');
    // Two tabs of one user, plus another user: each must get every event.
    const subs = [
      track(subscribe(transport, url, alice, { since: 0, clientId: 'tab-1' })),
      track(subscribe(transport, url, alice, { since: 0, clientId: 'tab-2' })),
      track(subscribe(transport, url, bob, { since: 0 })),
    ];
    const candidateIds = server.config.candidates.map((c) => c.id);
    await voteMany(url, 6, 25, candidateIds);
    const head = server.feed.head();
    expect(head).toBe(150);

    for (const sub of subs) {
      await waitFor(`${transport} to reach seq ${head}`, () => sub.events.at(-1)?.seq === head, { timeoutMs: 10_000 });
      expect(sub.errors).toEqual([]);
      expect(sub.snapshots).toEqual([]);
      expect(coherence(sub.events, 0, head)).toEqual({ missing: [], duplicates: [], outOfOrder: 0 });
    }
    const snapshot = server.feed.snapshot();
    const expected = Object.fromEntries(snapshot.candidates.map((c) => [c.id, c.count]));
    expect(finalCounts(subs[0]!.events)).toEqual(expected);
    // voteIds are echoed in the events.
    expect(new Set(subs[0]!.events.map((e) => e.voteId)).size).toBe(150);
  });

  it('resumes from a cursor with exactly the events that were missed, then continues live', async () => {
    const server = await startServerForTest({ votesPerSecond: 0 });
    const { url } = server;
    const session = await createSession(url);
    await voteMany(url, 1, 10, ['polling']);
    const sub = track(subscribe(transport, url, session, { since: 4 }));
    await waitFor('missed events', () => sub.events.at(-1)?.seq === 10);
    await voteMany(url, 1, 3, ['push']);
    await waitFor('live events', () => sub.events.at(-1)?.seq === 13);
    expect(sub.snapshots).toEqual([]);
    expect(sub.events.map((e) => e.seq)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it('sends a snapshot, never a silent gap, when the cursor is behind the oldest retained event', async () => {
    const server = await startServerForTest({ votesPerSecond: 0, logSize: 10 });
    const { url } = server;
    const session = await createSession(url);
    await voteMany(url, 1, 30, ['polling', 'push']);
    const sub = track(subscribe(transport, url, session, { since: 5 }));
    const snapshot = await waitFor('a snapshot', () => sub.snapshots[0]);
    expect(snapshot.seq).toBe(30);
    expect(snapshot.candidates.find((c) => c.id === 'polling')?.count).toBe(15);
    expect(sub.events).toEqual([]);
    await voteMany(url, 1, 1, ['polling']);
    await waitFor('the next event', () => sub.events[0]?.seq === 31);
    expect(sub.events).toHaveLength(1);
  });

  it('sends a snapshot to a cursor from before a restart (ahead of the feed)', async () => {
    const server = await startServerForTest({ votesPerSecond: 0 });
    const session = await createSession(server.url);
    await voteMany(server.url, 1, 2, ['push']);
    const sub = track(subscribe(transport, server.url, session, { since: 99 }));
    const snapshot: Snapshot = await waitFor('a snapshot', () => sub.snapshots[0]);
    expect(snapshot.seq).toBe(2);
  });
});

describe('the polling transport', () => {
  it('answers 304 while the ballot is unchanged and 200 with the new ETag after a vote', async () => {
    const server = await startServerForTest({ votesPerSecond: 0 });
    const { url } = server;
    const first = await fetch(`${url}/api/ballot`);
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"0"');
    expect(first.headers.get('cache-control')).toBe('no-store');
    const body = (await first.json()) as Snapshot;
    expect(body).toMatchObject({ type: 'snapshot', seq: 0 });
    expect(body.candidates.map((c) => c.count)).toEqual([0, 0, 0]);

    const unchanged = await fetch(`${url}/api/ballot`, { headers: { 'if-none-match': '"0"' } });
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe('');

    const session = await createSession(url);
    await castVote(url, session, { candidateId: 'push' });
    const changed = await fetch(`${url}/api/ballot`, { headers: { 'if-none-match': '"0"' } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe('"1"');
    const after = (await changed.json()) as Snapshot;
    expect(after.candidates.find((c) => c.id === 'push')?.count).toBe(1);

    const weak = await fetch(`${url}/api/ballot`, { headers: { 'if-none-match': 'W/"1"' } });
    expect(weak.status).toBe(304);
  });

  it('never shows a count going backwards while votes arrive', async () => {
    const server = await startServerForTest({ votesPerSecond: 0 });
    const { url } = server;
    const voting = voteMany(url, 3, 20, ['polling', 'push']);
    let last: Snapshot | undefined;
    let etag = '';
    let done = false;
    void voting.then(() => (done = true));
    while (!done) {
      const response = await fetch(`${url}/api/ballot`, { headers: etag ? { 'if-none-match': etag } : {} });
      if (response.status === 200) {
        const snapshot = (await response.json()) as Snapshot;
        if (last !== undefined) {
          expect(snapshot.seq).toBeGreaterThan(last.seq);
          for (const c of snapshot.candidates) {
            expect(c.count).toBeGreaterThanOrEqual(last.candidates.find((p) => p.id === c.id)!.count);
          }
        }
        last = snapshot;
        etag = response.headers.get('etag') ?? '';
      } else {
        expect(response.status).toBe(304);
      }
    }
    await voting;
    const final = await ballot(url);
    expect(final.seq).toBe(60);
    expect(final.candidates.reduce((sum, c) => sum + c.count, 0)).toBe(60);
  });
});
