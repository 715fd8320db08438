/**
 * A voteId is an idempotency key: the same user and voteId again counts once and gets the original
 * event back, over HTTP and WebSocket frames alike. Real server, real sockets, the in-memory feed
 * (test/redis/vote-idempotency.test.ts does the same across processes on the Redis feed).
 */
import { describe, expect, it } from 'vitest';
import type { Snapshot, VoteEvent } from '../../src/feed/types.ts';
import { ballot, castVote, createSession, startServerForTest } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { openSocketForTest, voteFrames } from '../helpers/ws-client.ts';

function countOf(snapshot: Snapshot, candidateId: string): number | undefined {
  return snapshot.candidates.find((c) => c.id === candidateId)?.count;
}

describe('a repeated voteId', () => {
  it('counts once and answers the repeat with 201 and the original event, byte for byte', async () => {
    const server = await startServerForTest();
    const session = await createSession(server.url);
    const watcher = await openSocketForTest(server.url);

    const first = await castVote(server.url, session, { candidateId: 'push', voteId: 'retry-me' });
    const again = await castVote(server.url, session, { candidateId: 'push', voteId: 'retry-me' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ event: { seq: 1, candidateId: 'push', count: 1, voteId: 'retry-me' } });
    expect(again).toEqual(first);

    // A fresh vote after the repeat takes the next seq: the repeat took none.
    const next = await castVote(server.url, session, { candidateId: 'push', voteId: 'next' });
    expect(next.body).toMatchObject({ event: { seq: 2, count: 2 } });
    expect(countOf(await ballot(server.url), 'push')).toBe(2);
    await waitFor('the watcher to see both votes', () => voteFrames(watcher.frames).length >= 2);
    expect(voteFrames(watcher.frames).map((e) => [e.seq, e.voteId])).toEqual([
      [1, 'retry-me'],
      [2, 'next'],
    ]);
  });

  it('of another user is another vote', async () => {
    const server = await startServerForTest();
    const ann = await createSession(server.url, 'Ann');
    const bob = await createSession(server.url, 'Bob');
    const fromAnn = await castVote(server.url, ann, { candidateId: 'polling', voteId: 'same-id' });
    const fromBob = await castVote(server.url, bob, { candidateId: 'polling', voteId: 'same-id' });
    expect([fromAnn.status, fromBob.status]).toEqual([201, 201]);
    expect(fromAnn.body).toMatchObject({ event: { seq: 1, count: 1 } });
    expect(fromBob.body).toMatchObject({ event: { seq: 2, count: 2 } });
    expect(countOf(await ballot(server.url), 'polling')).toBe(2);
  });

  it('naming another candidate is refused with 422 vote_id_reused and counts nothing', async () => {
    const server = await startServerForTest();
    const session = await createSession(server.url);
    await castVote(server.url, session, { candidateId: 'polling', voteId: 'v1' });
    const reused = await castVote(server.url, session, { candidateId: 'push', voteId: 'v1' });
    expect(reused.status).toBe(422);
    expect(reused.body).toEqual({ error: 'vote_id_reused', message: expect.stringMatching(/already used for a vote for "polling"/) as unknown });
    const snapshot = await ballot(server.url);
    expect(snapshot.seq).toBe(1);
    expect(countOf(snapshot, 'push')).toBe(0);
  });

  it('over WebSocket frames counts once, gets no reply of its own, and is the same key as over HTTP', async () => {
    const server = await startServerForTest();
    const session = await createSession(server.url);
    const voter = await openSocketForTest(server.url, '/api/ws', { headers: { cookie: session.cookie } });
    const watcher = await openSocketForTest(server.url);
    await waitFor('both snapshots', () => voter.frames.length === 1 && watcher.frames.length === 1);

    voter.socket.send(JSON.stringify({ type: 'vote', candidateId: 'push', voteId: 'ws-1' }));
    voter.socket.send(JSON.stringify({ type: 'vote', candidateId: 'push', voteId: 'ws-1' }));
    // Sent over HTTP first, then repeated as a frame: one user, one voteId, one vote.
    const overHttp = await castVote(server.url, session, { candidateId: 'polling', voteId: 'both-ways' });
    voter.socket.send(JSON.stringify({ type: 'vote', candidateId: 'polling', voteId: 'both-ways' }));
    voter.socket.send(JSON.stringify({ type: 'vote', candidateId: 'long-polling', voteId: 'ws-1' }));
    voter.socket.send(JSON.stringify({ type: 'vote', candidateId: 'push', voteId: 'ws-2' }));

    await waitFor(
      'the watcher to see three votes and the voter an error frame',
      () => voteFrames(watcher.frames).length >= 3 && voter.frames.some((f) => f.type === 'error'),
    );
    await waitFor('the voter to see three votes', () => voteFrames(voter.frames).length >= 3);
    // Frames of one socket are handled in order, so ws-2 coming through means every repeat before it was handled.
    expect(overHttp.body).toMatchObject({ event: { seq: 2, voteId: 'both-ways' } });
    expect(voteFrames(watcher.frames).map((e) => [e.seq, e.voteId])).toEqual([
      [1, 'ws-1'],
      [2, 'both-ways'],
      [3, 'ws-2'],
    ]);
    expect(voteFrames(voter.frames).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(voter.frames.filter((f) => f.type === 'error')).toEqual([
      { type: 'error', error: 'vote_id_reused', message: expect.stringMatching(/already used for a vote for "push"/) as unknown },
    ]);
    expect((await ballot(server.url)).seq).toBe(3);
  });

  it('counts as a new vote once VOTE_ID_WINDOW_MS has passed', async () => {
    const server = await startServerForTest({ voteIdWindowMs: 1500, votesPerSecond: 0 });
    const session = await createSession(server.url);
    const first = await castVote(server.url, session, { candidateId: 'push', voteId: 'old' });
    expect(first.body).toMatchObject({ event: { seq: 1 } });
    expect(await castVote(server.url, session, { candidateId: 'push', voteId: 'old' })).toEqual(first);
    // Repeat until the answer is a new event: the first repeat after the window is counted, and only it.
    const later = await waitFor(
      'the voteId to be forgotten',
      async () => {
        const { body } = await castVote(server.url, session, { candidateId: 'push', voteId: 'old' });
        const { event } = body as { event: VoteEvent };
        return event.seq === 1 ? undefined : event;
      },
      { timeoutMs: 10_000 },
    );
    expect(later).toMatchObject({ seq: 2, count: 2, voteId: 'old' });
    expect(countOf(await ballot(server.url), 'push')).toBe(2);
  });
});
