/**
 * Redis restarted empty under a running server: the feed started over, and every live subscriber of every
 * transport must be put on the new history with a snapshot, never see seq go backwards silently. The test
 * runs its own redis-server without persistence, so that a restart really loses everything.
 */
import { EventSource } from 'eventsource';
import { fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, TRANSPORTS } from '../../src/client/registry.ts';
import { FeedSubscription } from '../../src/client/subscription.ts';
import type { ClientEnvironment } from '../../src/client/types.ts';
import { DEFAULT_CANDIDATES } from '../../src/feed/ballot.ts';
import { RedisFeed } from '../../src/feed/redis-feed.ts';
import type { Snapshot, VoteEvent } from '../../src/feed/types.ts';
import { castVote, createSession, startServer, type RunningServer, type Session } from '../helpers/server.ts';
import { quietLogger } from '../helpers/quiet.ts';
import { PUSH_TRANSPORTS, subscribe, type TestSubscriber } from '../helpers/subscribers.ts';
import { PrivateRedis, REDIS_URL, deleteKeys, uniquePrefix } from './helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** What a delivery list looks like in short: "v3" for the vote of seq 3, "s0" for a snapshot at seq 0. */
function shape(deliveries: readonly (VoteEvent | Snapshot)[]): string[] {
  return deliveries.map((d) => `${d.type === 'vote' ? 'v' : 's'}${d.seq}`);
}

/** GET /api/ballot the way an interval poller does, with If-None-Match of the seq it holds. */
async function pollBallot(url: string, heldSeq: number): Promise<{ status: number; snapshot?: Snapshot }> {
  const response = await fetch(`${url}/api/ballot`, { headers: { 'if-none-match': `"${heldSeq}"` } });
  if (response.status === 304) return { status: 304 };
  return { status: response.status, snapshot: (await response.json()) as Snapshot };
}

describe('a server whose Redis restarts empty', { timeout: 60_000 }, () => {
  let redis: PrivateRedis;
  let feed: RedisFeed | undefined;
  let server: RunningServer | undefined;
  const subscribers: TestSubscriber[] = [];
  const subscriptions: FeedSubscription[] = [];

  beforeAll(async () => {
    redis = await PrivateRedis.start({ persistence: false });
    // Runs after afterAll, once the feed is closed.
    return () => redis.dispose();
  });

  afterAll(async () => {
    for (const subscription of subscriptions) subscription.stop();
    await Promise.all(subscribers.map((s) => s.close()));
    await server?.close();
    await feed?.close();
  });

  it('gives every live subscriber of every transport a fresh snapshot, then the new history in order', async () => {
    const feedErrors: string[] = [];
    feed = await RedisFeed.connect({
      url: redis.url,
      candidates: DEFAULT_CANDIDATES,
      logger: { ...quietLogger, error: (message: string) => feedErrors.push(message) },
      pingIntervalMs: 200,
    });
    const theServer = (server = await startServer({ votesPerSecond: 0 }, feed));
    const session = await createSession(theServer.url);

    // Contract-level subscribers (independent of the product's client layer), connected from seq 0 on.
    subscribers.push(...PUSH_TRANSPORTS.map((t) => subscribe(t, theServer.url, session, { since: 0, timeoutMs: 500 })));
    // The product's client layer on every transport, each judged by its own cursor tracker.
    for (const transport of TRANSPORTS) {
      const subscription = new FeedSubscription(
        (name, handlers, options) => createClient(name, nodeEnvironment(theServer.url, session), handlers, options),
        {},
        { now: Date.now },
      );
      subscription.switchTo(transport, { intervalMs: 50, longPollTimeoutMs: 500, clientId: `reset-${transport}` });
      subscriptions.push(subscription);
    }
    const everyoneAt = (seq: number) => (): boolean =>
      subscribers.every((s) => s.deliveries.at(-1)?.seq === seq) && subscriptions.every((s) => s.tracker.seq === seq);
    const state = (): string =>
      [
        ...subscribers.map((s) => `${s.transport}: ${shape(s.deliveries).join(' ')}`),
        ...subscriptions.map((s) => `client ${s.transport}: ${s.tracker.seq}`),
      ].join('; ');

    // The old history: 12 votes for "push".
    for (let i = 1; i <= 12; i++) expect((await castVote(theServer.url, session, { candidateId: 'push', voteId: `old-${i}` })).status).toBe(201);
    await waitFor(() => `everyone at seq 12 (${state()})`, everyoneAt(12), { timeoutMs: 10_000 });
    const pushDeliveries = (): number[] => {
      const counters = theServer.app.metrics.collect();
      return [counters.websocket.deliveries, counters.sse.deliveries];
    };
    const deliveredBeforeReset = pushDeliveries();
    // A long poll parked at the head when Redis loses its data: answered with the new snapshot when the feed starts over.
    const parkedPoll = fetch(`${theServer.url}/api/long-poll?client=parked-at-reset&since=12&timeout=20000`, { headers: { cookie: session.cookie } });

    await redis.kill();
    await redis.restart();
    // Nobody votes until every subscriber was told, so the new history starts at seq 0 for all of them.
    await waitFor(() => `everyone put on the new history at seq 0 (${state()})`, everyoneAt(0), { timeoutMs: 15_000 });
    expect(feedErrors.join('\n')).toMatch(/lost its data/);
    // The snapshot that put the push subscribers on the new history is no vote delivered.
    expect(pushDeliveries()).toEqual(deliveredBeforeReset);
    const parkedAnswer = await parkedPoll;
    expect(parkedAnswer.status).toBe(200);
    expect(((await parkedAnswer.json()) as { snapshot?: Snapshot }).snapshot?.seq).toBe(0);
    // An interval poller that still holds the old seq (ahead of the feed now) gets the new snapshot, not a 304.
    const afterReset = await pollBallot(theServer.url, 12);
    expect(afterReset.status).toBe(200);
    expect(afterReset.snapshot?.seq).toBe(0);
    // So does a client that resumes with the old seq on any push transport.
    const latecomers = PUSH_TRANSPORTS.map((t) => subscribe(t, theServer.url, session, { since: 12, timeoutMs: 500 }));
    subscribers.push(...latecomers);
    for (const latecomer of latecomers) {
      const first = await waitFor(`${latecomer.transport} resuming from the old seq 12`, () => latecomer.deliveries[0]);
      expect(shape([first]), latecomer.transport).toEqual(['s0']);
    }

    // The new history: 15 votes for "polling", so seqs 1..12 come again, now naming other votes.
    for (let i = 1; i <= 15; i++) {
      // The server's command connection may still be reconnecting: a 503 is retried, as a client would.
      await waitFor(
        `new vote ${i} accepted`,
        async () => (await castVote(theServer.url, session, { candidateId: 'polling', voteId: `new-${i}` })).status === 201,
        { timeoutMs: 10_000, retryOnError: true },
      );
    }
    await waitFor(() => `everyone at seq 15 of the new history (${state()})`, everyoneAt(15), { timeoutMs: 10_000 });

    const newHistory = ['s0', ...range(1, 15).map((seq) => `v${seq}`)];
    for (const subscriber of subscribers) {
      const expected = latecomers.includes(subscriber) ? newHistory : [...range(1, 12).map((seq) => `v${seq}`), ...newHistory];
      expect(subscriber.errors, subscriber.transport).toEqual([]);
      expect(shape(subscriber.deliveries), subscriber.transport).toEqual(expected);
      expect(
        subscriber.snapshots[0]?.candidates.every((c) => c.count === 0),
        subscriber.transport,
      ).toBe(true);
      expect(
        subscriber.events.slice(-15).every((e) => e.candidateId === 'polling' && e.voteId === `new-${e.seq}`),
        subscriber.transport,
      ).toBe(true);
    }
    const counts = { polling: 15, 'long-polling': 0, push: 0 };
    for (const subscription of subscriptions) {
      // One resync (the snapshot below the seq held), nothing dropped as a duplicate, no gap.
      expect(subscription.tracker.counters, subscription.transport).toEqual({ gaps: 0, missedEvents: 0, duplicates: 0, resyncs: 1 });
      expect(Object.fromEntries(subscription.tracker.candidates.map((c) => [c.id, c.count])), subscription.transport).toEqual(counts);
    }
  });

  it('answers the next poll of a long-poll queue with a snapshot after the feed started over, even when its since is inside the new history', async () => {
    const prefix = uniquePrefix('reset-queue');
    const served = await RedisFeed.connect({ url: REDIS_URL, candidates: DEFAULT_CANDIDATES, keyPrefix: prefix, logger: quietLogger, followBlockMs: 100 });
    const voter = await RedisFeed.connect({ url: REDIS_URL, candidates: DEFAULT_CANDIDATES, keyPrefix: prefix, logger: quietLogger });
    const local = await startServer({ votesPerSecond: 0 }, served);
    try {
      const session = await createSession(local.url);
      const poll = async (client: string, since: number) => {
        const response = await fetch(`${local.url}/api/long-poll?client=${client}&since=${since}&timeout=0`, { headers: { cookie: session.cookie } });
        return (await response.json()) as { events?: VoteEvent[]; snapshot?: Snapshot };
      };
      for (let i = 0; i < 3; i++) await voter.vote({ userId: 'tester', candidateId: 'push' });
      await served.catchUp(3);
      expect((await poll('tab', 0)).events?.map((e) => e.seq)).toEqual([1, 2, 3]);

      const resets: Snapshot[] = [];
      served.onReset((snapshot) => resets.push(snapshot));
      await deleteKeys(REDIS_URL, prefix); // as a Redis restarted without persistence would be
      for (let i = 0; i < 5; i++) await voter.vote({ userId: 'tester', candidateId: 'polling' });
      await waitFor('the served feed to start over and reach seq 5', () => resets.length > 0 && served.head() === 5);

      // The tab holds seq 3 of the old history; seqs 4 and 5 of the new one would not continue it.
      const answer = await poll('tab', 3);
      expect(answer.events).toBeUndefined();
      expect(answer.snapshot?.seq).toBe(5);
      expect(answer.snapshot?.candidates.find((c) => c.id === 'polling')?.count).toBe(5);
      // From the snapshot on, the queue follows the new history as usual.
      await voter.vote({ userId: 'tester', candidateId: 'polling' });
      await served.catchUp(6);
      expect((await poll('tab', 5)).events?.map((e) => [e.seq, e.candidateId])).toEqual([[6, 'polling']]);
    } finally {
      await local.close();
      await served.close();
      await voter.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });
});

/** The client layer's environment in Node; the session cookie rides along as a browser's cookie jar would add it. */
function nodeEnvironment(baseUrl: string, session: Session): ClientEnvironment {
  return {
    baseUrl,
    fetch: ((input: string, init?: RequestInit) =>
      undiciFetch(input, {
        ...(init as object),
        headers: { ...(init?.headers as Record<string, string> | undefined), cookie: session.cookie },
      })) as unknown as typeof fetch,
    // Both packages follow the WHATWG shapes the layer uses; their TypeScript types differ in details.
    WebSocket: WebSocket as unknown as ClientEnvironment['WebSocket'],
    EventSource: EventSource,
    now: () => performance.timeOrigin + performance.now(),
  };
}
