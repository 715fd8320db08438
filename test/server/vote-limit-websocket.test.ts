import { describe, expect, it } from 'vitest';
import { expectErrorBody } from '../helpers/contract.ts';
import { createSession, startServerForTest } from '../helpers/server.ts';
import { openSocketForTest, voteFrames } from '../helpers/ws-client.ts';
import { waitFor } from '../helpers/wait.ts';

describe('the per-user vote limit on WebSocket vote frames', () => {
  it('refuses frames beyond VOTES_PER_SECOND with a rate_limited error frame, while another user’s frame still counts', async () => {
    const server = await startServerForTest({ votesPerSecond: 3 });
    const eager = await createSession(server.url);
    const peer = await openSocketForTest(server.url, '/api/ws', { headers: { cookie: eager.cookie } });
    await waitFor('the snapshot', () => peer.frames.some((frame) => frame.type === 'snapshot'));

    // Ten frames at once: even straddling a one-second window edge, at most 2 x 3 pass.
    for (let i = 0; i < 10; i++) peer.socket.send(JSON.stringify({ type: 'vote', candidateId: 'push' }));
    const refused = () => peer.frames.filter((frame) => frame.type === 'error');
    // Every frame is answered: by its event (sent to every peer, this one too) or by an error frame.
    await waitFor('every frame answered', () => voteFrames(peer.frames).length + refused().length === 10);
    const accepted = server.feed.head();
    expect(accepted).toBeLessThanOrEqual(6);
    expect(refused().length).toBe(10 - accepted);
    for (const frame of refused()) expectErrorBody({ error: frame.error, message: frame.message }, 'rate_limited');

    const calm = await createSession(server.url);
    const other = await openSocketForTest(server.url, '/api/ws', { headers: { cookie: calm.cookie } });
    other.socket.send(JSON.stringify({ type: 'vote', candidateId: 'push' }));
    await waitFor('the other user’s vote', () => server.feed.head() === accepted + 1);
    expect(other.frames.filter((frame) => frame.type === 'error')).toEqual([]);
  });
});
