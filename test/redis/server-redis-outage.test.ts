/**
 * Redis stopped and started again under two running server processes. The test runs its own
 * redis-server (append-only, fsync always, in a temporary folder) so that it may kill it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { frameText } from '../../src/transports/ws-frames.ts';
import { DEFAULT_CANDIDATES } from '../../src/feed/ballot.ts';
import { ballot, createSession } from '../helpers/server.ts';
import { coherence, subscribe, type TestSubscriber } from '../helpers/subscribers.ts';
import { redisServerAvailable } from './helpers/needs-redis.ts';
import { PrivateRedis } from './helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';
import { ServerProcess, killAllServerProcesses, newSecret } from './helpers/server-process.ts';
import { countsOf, emptyResult, tallyOf, vote } from './helpers/voters.ts';

const candidates = DEFAULT_CANDIDATES.map((c) => c.id);

// Each real server process takes seconds to start on a busy CI machine: more room than the default 30 s.
describe.runIf(redisServerAvailable())('server processes when Redis goes away and comes back', { timeout: 90_000 }, () => {
  let redis: PrivateRedis;
  const subscribers: TestSubscriber[] = [];

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    // Runs after afterAll, once the subscribers and servers are gone.
    return () => redis.dispose();
  });

  afterAll(async () => {
    await Promise.all(subscribers.map((s) => s.close()));
    await killAllServerProcesses();
  });

  it('answers votes with 503 feed_unavailable while Redis is down, keeps subscribers connected, and loses nothing acknowledged', async () => {
    const secret = newSecret();
    const [a, b] = await Promise.all([0, 1].map(() => ServerProcess.start({ feed: redis.url, prefix: 'outage:', secret })));
    const session = await createSession(a!.url, 'steadfast');
    subscribers.push(
      subscribe('websocket', a!.url, session, { since: 0 }),
      subscribe('sse', b!.url, session, { since: 0 }),
      subscribe('long-polling', b!.url, session, { since: 0, timeoutMs: 500 }),
    );

    let running = true;
    const onA = emptyResult();
    const onB = emptyResult();
    const voting = Promise.all([
      vote(
        () => a!.url,
        session,
        'a',
        100_000,
        candidates,
        onA,
        () => running,
      ),
      vote(
        () => b!.url,
        session,
        'b',
        100_000,
        candidates,
        onB,
        () => running,
      ),
    ]);
    const acknowledgedCount = (): number => onA.acknowledged.length + onB.acknowledged.length;
    const refusals = () => [...onA.refused, ...onB.refused];

    const state = (): string => `acknowledged ${acknowledgedCount()}, lost ${onA.lost + onB.lost}, last refusals ${JSON.stringify(refusals().slice(-2))}`;
    await waitFor(
      () => `votes before the outage (${state()})`,
      () => acknowledgedCount() >= 30,
      { timeoutMs: 15_000 },
    );
    await redis.kill();
    await waitFor('votes refused on both processes', () => onA.refused.length >= 3 && onB.refused.length >= 3, { timeoutMs: 10_000 });
    for (const refusal of refusals()) {
      expect(refusal.status).toBe(503);
      expect(refusal.body).toMatchObject({ error: 'feed_unavailable', message: expect.stringMatching(/Redis/) as unknown });
    }
    // A vote sent over a WebSocket gets an error frame with the same code, and the socket stays open.
    const errorFrame = await voteOverWebSocket(a!.url, session.cookie);
    expect(errorFrame).toMatchObject({ type: 'error', error: 'feed_unavailable' });
    // Reads keep working from each process's mirror while Redis is away.
    expect((await ballot(a!.url)).seq).toBeGreaterThan(0);
    // /api/metrics shows the feed kind, and no round-trip time while Redis cannot be reached.
    const feedMetrics = async (): Promise<{ kind: string; rttMs?: number }> =>
      ((await (await fetch(`${b!.url}/api/metrics`)).json()) as { feed: { kind: string; rttMs?: number } }).feed;
    expect((await feedMetrics()).kind).toBe('redis');
    await waitFor('the round-trip time to disappear', async () => (await feedMetrics()).rttMs === undefined, { retryOnError: true });

    const beforeRestart = acknowledgedCount();
    await redis.restart();
    await waitFor(
      () => `votes accepted again (${state()})`,
      () => acknowledgedCount() >= beforeRestart + 30,
      { timeoutMs: 15_000 },
    );
    running = false;
    await voting;
    await waitFor('a round-trip time again', async () => (await feedMetrics()).rttMs, { retryOnError: true });
    expect(onA.lost + onB.lost).toBe(0);

    const acknowledged = [...onA.acknowledged, ...onB.acknowledged];
    const head = await waitFor(
      'both processes to agree on the head',
      async () => {
        const [onAHead, onBHead] = await Promise.all([ballot(a!.url), ballot(b!.url)]);
        return onAHead.seq === onBHead.seq ? onAHead.seq : undefined;
      },
      { retryOnError: true },
    );
    // Votes in flight at the moment Redis died may have been counted without an answer: never more than one per voter.
    expect(head).toBeGreaterThanOrEqual(acknowledged.length);
    expect(head).toBeLessThanOrEqual(acknowledged.length + 2);
    for (const sub of subscribers) {
      await waitFor(`${sub.transport} to reach seq ${head}`, () => sub.events.at(-1)?.seq === head, { timeoutMs: 15_000 });
      // The same connections, never dropped: no errors, no snapshot, every seq once and in order.
      expect(sub.errors, sub.transport).toEqual([]);
      expect(sub.snapshots, sub.transport).toEqual([]);
      expect(coherence(sub.events, 0, head), sub.transport).toEqual({ missing: [], duplicates: [], outOfOrder: 0 });
      const delivered = new Set(sub.events.map((e) => e.voteId));
      for (const event of acknowledged) expect(delivered.has(event.voteId)).toBe(true);
    }
    const counts = tallyOf(subscribers[0]!.events, candidates);
    expect(countsOf(await ballot(a!.url))).toEqual(counts);
    expect(countsOf(await ballot(b!.url))).toEqual(counts);
  });
});

/** Opens a WebSocket, sends one vote frame, and resolves with the first error frame the server sends back. */
async function voteOverWebSocket(url: string, cookie: string): Promise<unknown> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/api/ws`, { headers: { cookie } });
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no error frame within 5 s')), 5000);
      socket.on('open', () => socket.send(JSON.stringify({ type: 'vote', candidateId: candidates[0] })));
      socket.on('message', (data) => {
        const frame = JSON.parse(frameText(data)) as { type: string };
        if (frame.type === 'error') {
          clearTimeout(timer);
          resolve(frame);
        }
      });
      socket.on('close', (code) => reject(new Error(`socket closed with ${code} before an error frame`)));
      socket.on('error', reject);
    });
  } finally {
    socket.terminate();
  }
}
