import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { silentWebSocketPeer } from '../helpers/raw-http.ts';
import { castVote, createSession, startServerForTest } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { floodVotes, openSocket, openSocketForTest, upgradeStatus, voteFrames } from '../helpers/ws-client.ts';

describe('the WebSocket transport', () => {
  it('fans out in slices with every vote reaching every socket once and in order, sockets opened mid-broadcast included', async () => {
    // Three connections per slice: every broadcast to 24 sockets takes eight turns of the event loop, so
    // votes cast together overlap in the queue and sockets open while earlier votes are still going out.
    const server = await startServerForTest({ pushFanOutSlice: 3 });
    const session = await createSession(server.url);
    const early = await Promise.all(Array.from({ length: 16 }, () => openSocketForTest(server.url)));
    await waitFor('the early snapshots', () => early.every((peer) => peer.frames.length === 1));
    const voting = Array.from({ length: 12 }, (_, i) => castVote(server.url, session, { candidateId: 'push', voteId: `slice-${i}` }));
    const late = await Promise.all(Array.from({ length: 8 }, () => openSocketForTest(server.url)));
    await Promise.all(voting);
    const peers = [...early, ...late];
    await waitFor('every vote on every socket', () => peers.every((peer) => (peer.frames.at(-1) as { seq?: number } | undefined)?.seq === 12));
    for (const peer of peers) {
      const start = peer.frames[0] as { type: string; seq: number };
      expect(start.type).toBe('snapshot');
      const seqs = voteFrames(peer.frames).map((f) => f.seq);
      expect(seqs).toEqual(Array.from({ length: 12 - start.seq }, (_, i) => start.seq + 1 + i));
    }
    const delivered = peers.reduce((sum, peer) => sum + voteFrames(peer.frames).length, 0);
    const metrics = (await (await fetch(`${server.url}/api/metrics`)).json()) as { transports: { websocket: { deliveries: number } } };
    expect(metrics.transports.websocket.deliveries).toBe(delivered);
  });

  it('sends a snapshot first, accepts votes as frames, and pushes each vote to every peer', async () => {
    const server = await startServerForTest();
    const session = await createSession(server.url);
    const voter = await openSocketForTest(server.url, '/api/ws', { headers: { cookie: session.cookie } });
    const watcher = await openSocketForTest(server.url);
    await waitFor('both snapshots', () => watcher.frames.length === 1 && voter.frames.length === 1);
    expect(watcher.frames[0]).toMatchObject({ type: 'snapshot', seq: 0 });
    voter.socket.send(JSON.stringify({ type: 'vote', candidateId: 'push', voteId: 'ws-1' }));
    await waitFor('the vote on both sockets', () => voteFrames(watcher.frames).length === 1 && voteFrames(voter.frames).length === 1);
    expect(voteFrames(watcher.frames)[0]).toMatchObject({ type: 'vote', seq: 1, candidateId: 'push', count: 1, voteId: 'ws-1' });
  });

  it('answers a non-JSON frame with an error frame and keeps the socket open and fed', async () => {
    const server = await startServerForTest();
    const session = await createSession(server.url);
    const peer = await openSocketForTest(server.url, '/api/ws', { headers: { cookie: session.cookie } });
    peer.socket.send('this is not json');
    peer.socket.send('{"type":"vote","candidateId":"nobody"}');
    peer.socket.send('{"type":"vote","candidateId":"push","__proto__":{"x":1}}');
    peer.socket.send('{"type":"shout","candidateId":"push"}');
    peer.socket.send('{"type":"vote","candidateId":42}');
    await waitFor('five error frames', () => peer.frames.filter((f) => f.type === 'error').length === 5);
    expect(peer.frames.filter((f) => f.type === 'error').map((f) => f.error)).toEqual([
      'invalid_json',
      'unknown_candidate',
      'invalid_json',
      'invalid_frame',
      'invalid_frame',
    ]);
    expect(server.feed.head()).toBe(0);
    // Still open, still voting, still receiving.
    peer.socket.send(JSON.stringify({ type: 'vote', candidateId: 'polling' }));
    await waitFor('the vote after the bad frames', () => voteFrames(peer.frames).length === 1);
  });

  it('refuses a vote frame without a session with an error frame', async () => {
    const server = await startServerForTest();
    const peer = await openSocketForTest(server.url);
    peer.socket.send(JSON.stringify({ type: 'vote', candidateId: 'push' }));
    const error = await waitFor('an error frame', () => peer.frames.find((f) => f.type === 'error'));
    // The socket keeps its upgrade request's session: the message says to make one before connecting.
    expect(error).toMatchObject({ error: 'no_session', message: 'Voting needs a session: POST /api/session before connecting' });
    expect(server.feed.head()).toBe(0);
  });

  it('closes with 1009 if a message is over 4 KiB, without disturbing other peers', async () => {
    const server = await startServerForTest();
    const session = await createSession(server.url);
    const big = await openSocketForTest(server.url, '/api/ws', { headers: { cookie: session.cookie } });
    const other = await openSocketForTest(server.url, '/api/ws', { headers: { cookie: session.cookie } });
    big.socket.send(JSON.stringify({ type: 'vote', candidateId: 'push', voteId: 'x'.repeat(5000) }));
    expect((await big.closed).code).toBe(1009);
    other.socket.send(JSON.stringify({ type: 'vote', candidateId: 'push' }));
    await waitFor('the other socket to see the vote', () => voteFrames(other.frames).length === 1);
    expect(server.feed.head()).toBe(1);
  });

  it('closes with 1003 on a binary frame', async () => {
    const server = await startServerForTest();
    const peer = await openSocketForTest(server.url);
    peer.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await peer.closed).toEqual({ code: 1003, reason: 'binary frames are not accepted' });
  });

  it('refuses an upgrade from a foreign Origin with 403 and accepts its own and allowed origins', async () => {
    const server = await startServerForTest({ allowedOrigins: ['https://friend.example'] });
    const host = new URL(server.url).host;
    expect(await upgradeStatus(server.url, '/api/ws', { headers: { origin: 'https://evil.example' } })).toBe(403);
    expect(await upgradeStatus(server.url, '/api/ws', { headers: { origin: `http://${host}` } })).toBe(101);
    expect(await upgradeStatus(server.url, '/api/ws', { headers: { origin: 'https://friend.example' } })).toBe(101);
    expect(await upgradeStatus(server.url, '/api/ws?since=nope')).toBe(400);
  });

  it('refuses an SSE stream from a foreign Origin with 403', async () => {
    const server = await startServerForTest();
    const response = await fetch(`${server.url}/api/sse`, { headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'forbidden_origin' });
  });

  it('drops a peer that misses its pong', async () => {
    const server = await startServerForTest({ wsPingIntervalMs: 100 });
    const healthy = await openSocketForTest(server.url);
    const dead = await openSocketForTest(server.url, '/api/ws', { autoPong: false });
    const { code } = await dead.closed;
    expect(code).toBe(1006); // terminated: no close handshake with a dead peer
    expect(server.app.metrics.collect().websocket.drops).toBe(1);
    expect(healthy.socket.readyState).toBe(healthy.socket.OPEN);
  });

  it('closes a slow consumer with 4008 while a fast one gets every event', async () => {
    const server = await startServerForTest({ votesPerSecond: 0, pushMaxBufferedBytes: 64 * 1024 });
    const session = await createSession(server.url);
    const fast = await openSocketForTest(server.url);
    const slow = await openSocketForTest(server.url);
    const voter = await openSocketForTest(server.url, '/api/ws', { headers: { cookie: session.cookie } });
    // Stop reading on the slow peer: the kernel buffers fill, then the server's own buffer grows.
    // ws keeps its net.Socket private; pausing it is the honest way to be a client that stops reading.
    (slow.socket as unknown as { _socket: Socket })._socket.pause();

    const metrics = server.app.metrics;
    const sent = await floodVotes(voter.socket, {
      batch: 2000,
      done: () => metrics.collect().websocket.drops > 0,
      delivered: () => voteFrames(fast.frames).length,
      what: 'the fast peer to keep up',
    });
    expect(metrics.collect().websocket.drops).toBe(1);
    const fastVotes = voteFrames(fast.frames);
    expect(fastVotes.length).toBe(sent);
    expect(fastVotes.every((f, i) => f.seq === i + 1)).toBe(true);

    (slow.socket as unknown as { _socket: Socket })._socket.resume();
    expect(await slow.closed).toEqual({ code: 4008, reason: 'too slow: unsent data passed the limit' });
    expect(fast.socket.readyState).toBe(fast.socket.OPEN);
  }, 120_000);

  it('drops a peer that floods bad frames while never reading its error frames', async () => {
    const server = await startServerForTest({ pushMaxBufferedBytes: 64 * 1024 });
    const flooder = await openSocketForTest(server.url);
    const bystander = await openSocketForTest(server.url);
    (flooder.socket as unknown as { _socket: Socket })._socket.pause();
    const metrics = server.app.metrics;
    let sent = 0;
    while (metrics.collect().websocket.drops === 0 && sent < 400_000) {
      for (let i = 0; i < 2000; i++) flooder.socket.send('not json at all');
      sent += 2000;
      // Let the server read what was sent before checking again.
      await new Promise((resolve) => setImmediate(resolve));
      await waitFor('the server to read the flood', () => metrics.collect().websocket.bytesIn >= sent * 20, { timeoutMs: 20_000 });
    }
    expect(metrics.collect().websocket.drops).toBe(1);
    expect(bystander.socket.readyState).toBe(bystander.socket.OPEN);
    expect(server.feed.head()).toBe(0);
  }, 120_000);

  it('keeps nothing of an upgrade request once its socket is open, and the socket still votes with its session', async () => {
    // A full collection on demand, so that "nothing holds it" is a fact to check, not a guess.
    setFlagsFromString('--expose-gc');
    const collectGarbage = runInNewContext('gc') as () => void;
    const server = await startServerForTest();
    const upgrades: WeakRef<IncomingMessage>[] = [];
    server.app.server.on('upgrade', (request: IncomingMessage) => upgrades.push(new WeakRef(request)));
    const session = await createSession(server.url);
    const peers = await Promise.all(Array.from({ length: 8 }, () => openSocketForTest(server.url, '/api/ws', { headers: { cookie: session.cookie } })));
    await waitFor('every snapshot', () => peers.every((peer) => peer.frames.length === 1));
    expect(upgrades).toHaveLength(8);

    // A WeakRef's target lives at least to the end of the task that made or read it: collect between tasks.
    await waitFor('every upgrade request collected', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      collectGarbage();
      await new Promise((resolve) => setImmediate(resolve));
      return upgrades.every((upgrade) => upgrade.deref() === undefined);
    });

    peers[3]!.socket.send(JSON.stringify({ type: 'vote', candidateId: 'push', voteId: 'after-release' }));
    await waitFor('the vote on every socket', () => peers.every((peer) => voteFrames(peer.frames).length === 1));
    // Accepted, so cast with the session of the upgrade request (without one it is refused with an error frame).
    expect(voteFrames(peers[0]!.frames)[0]).toMatchObject({ seq: 1, candidateId: 'push', voteId: 'after-release' });
    expect(peers[3]!.frames.filter((frame) => frame.type === 'error')).toEqual([]);
  });

  it('answers a plain GET with 426 and says how to connect', async () => {
    const server = await startServerForTest();
    const response = await fetch(`${server.url}/api/ws`);
    expect(response.status).toBe(426);
    expect(response.headers.get('upgrade')).toBe('websocket');
    expect(await response.json()).toEqual({ error: 'upgrade_required', message: 'This is a WebSocket endpoint: connect with Upgrade: websocket' });
  });

  it('forgets a peer that closed: it no longer counts as open, and later votes are delivered to nobody', async () => {
    const server = await startServerForTest();
    const session = await createSession(server.url);
    const peer = await openSocketForTest(server.url);
    expect(server.app.metrics.collect().websocket.open).toBe(1);
    peer.socket.close();
    await peer.closed;
    await waitFor('the server to see the close', () => server.app.metrics.collect().websocket.open === 0);
    expect((await castVote(server.url, session, { candidateId: 'push' })).status).toBe(201);
    expect(server.app.metrics.collect().websocket.deliveries).toBe(0);
  });

  it('counts the missed events a peer opens with as delivered', async () => {
    const server = await startServerForTest({ votesPerSecond: 0 });
    const session = await createSession(server.url);
    for (let i = 0; i < 2; i++) await castVote(server.url, session, { candidateId: 'push' });
    const peer = await openSocketForTest(server.url, '/api/ws?since=0');
    await waitFor('the missed votes', () => voteFrames(peer.frames).length === 2);
    expect(server.app.metrics.collect().websocket.deliveries).toBe(2);
  });

  it('writes to PUSH_FANOUT_SLICE peers per turn of the event loop, going on with the next vote in the same turn', async () => {
    const server = await startServerForTest({ votesPerSecond: 0, pushFanOutSlice: 2 });
    const peers = [await openSocketForTest(server.url), await openSocketForTest(server.url), await openSocketForTest(server.url)];
    await waitFor('every snapshot', () => peers.every((peer) => peer.frames.length === 1));
    const delivered = (): number => server.app.metrics.collect().websocket.deliveries;
    // Two votes in one turn: the memory feed hands each to the fan-out as it is cast.
    const votes = [server.feed.vote({ userId: 'u', candidateId: 'push' }), server.feed.vote({ userId: 'u', candidateId: 'polling' })];
    expect(delivered()).toBe(2); // the first vote to two peers
    await new Promise((resolve) => setImmediate(resolve)); // the fan-out's next turn came first
    expect(delivered()).toBe(4); // the first vote to the third peer, the second to the first peer
    await Promise.all(votes);
    await waitFor('every vote on every peer', () => peers.every((peer) => voteFrames(peer.frames).length === 2));
    for (const peer of peers) expect(voteFrames(peer.frames).map((f) => f.seq)).toEqual([1, 2]);
    expect(delivered()).toBe(6);
  });

  it('sends nothing more of a broadcast to a peer that went away while it was under way', async () => {
    const server = await startServerForTest({ votesPerSecond: 0, pushFanOutSlice: 1, maxConnectionsPerIp: 0 });
    const peers = await Promise.all(Array.from({ length: 60 }, () => openSocketForTest(server.url)));
    await waitFor('every snapshot', () => peers.every((peer) => peer.frames.length === 1));
    const metrics = server.app.metrics;
    // One peer a turn: the last one's turn comes long after the server saw it go.
    void server.feed.vote({ userId: 'u', candidateId: 'push' });
    peers.at(-1)!.socket.terminate();
    await waitFor('the others to get the vote', () => peers.slice(0, -1).every((peer) => voteFrames(peer.frames).length === 1));
    await waitFor('the server to see the peer go', () => metrics.collect().websocket.open === 59);
    expect(metrics.collect().websocket.deliveries).toBe(59);
  });

  it('closes every peer with 1001 at shutdown, and cuts one that never returns the close frame once the grace period is over', async () => {
    const server = await startServerForTest({ shutdownGraceMs: 300 });
    const peer = await openSocket(server.url);
    const silent = await silentWebSocketPeer(server.url);
    await server.close();
    expect(await peer.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    await silent.closed;
    expect(silent.received.toString('latin1')).toContain('server shutting down');
  });
});
