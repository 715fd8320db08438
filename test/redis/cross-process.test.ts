/**
 * Several real server processes (`node src/server.ts`) on one Redis, exercised over real
 * sockets with the independent test clients of test/helpers. Each test has its own key prefix.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CANDIDATES } from '../../src/feed/ballot.ts';
import type { Snapshot, VoteEvent } from '../../src/feed/types.ts';
import { ballot, createSession, type Session } from '../helpers/server.ts';
import { PUSH_TRANSPORTS, coherence, subscribe, type TestSubscriber } from '../helpers/subscribers.ts';
import { REDIS_URL, deleteKeys, uniquePrefix } from './helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';
import { sharedRedisAvailable } from './helpers/needs-redis.ts';
import { ServerProcess, killAllServerProcesses, newSecret } from './helpers/server-process.ts';
import { countsOf, emptyResult, tallyOf, vote, type VoterResult } from './helpers/voters.ts';

const candidates = DEFAULT_CANDIDATES.map((c) => c.id);
const subscribers: TestSubscriber[] = [];
const prefixes: string[] = [];

function track(subscriber: TestSubscriber): TestSubscriber {
  subscribers.push(subscriber);
  return subscriber;
}

/** n processes on the shared Redis with a fresh prefix and one session secret. */
async function startProcesses(n: number, label: string): Promise<{ processes: ServerProcess[]; prefix: string; secret: string }> {
  const prefix = uniquePrefix(label);
  prefixes.push(prefix);
  const secret = newSecret();
  const processes = await Promise.all(Array.from({ length: n }, () => ServerProcess.start({ feed: REDIS_URL, prefix, secret })));
  return { processes, prefix, secret };
}

function voteIds(events: readonly VoteEvent[]): Set<string | undefined> {
  return new Set(events.map((e) => e.voteId));
}

/** Waits until `sub` holds `head` events' worth, then checks it got 1..head exactly once, in order, without snapshots. */
async function expectComplete(sub: TestSubscriber, head: number, where: string): Promise<void> {
  await waitFor(`${sub.transport} on ${where} to reach seq ${head}`, () => sub.events.at(-1)?.seq === head, { timeoutMs: 15_000 });
  expect(sub.errors, `${sub.transport} on ${where}`).toEqual([]);
  expect(sub.snapshots, `${sub.transport} on ${where}`).toEqual([]);
  expect(coherence(sub.events, 0, head), `${sub.transport} on ${where}`).toEqual({ missing: [], duplicates: [], outOfOrder: 0 });
}

/** Polls GET /api/ballot with If-None-Match until stopped; keeps the latest snapshot. */
function poll(url: string): { latest(): Snapshot | undefined; stop(): Promise<void>; statuses: number[] } {
  let latest: Snapshot | undefined;
  let etag: string | undefined;
  let running = true;
  const statuses: number[] = [];
  const loop = (async () => {
    while (running) {
      const response = await fetch(`${url}/api/ballot`, { headers: etag === undefined ? {} : { 'if-none-match': etag } });
      statuses.push(response.status);
      if (response.status === 200) {
        latest = (await response.json()) as Snapshot;
        etag = response.headers.get('etag') ?? undefined;
      } else {
        await response.arrayBuffer();
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    latest: () => latest,
    statuses,
    async stop() {
      running = false;
      await loop;
    },
  };
}

afterEach(async () => {
  await Promise.all(subscribers.splice(0).map((s) => s.close()));
  await killAllServerProcesses();
});

afterAll(async () => {
  await killAllServerProcesses();
  for (const prefix of prefixes) await deleteKeys(REDIS_URL, prefix);
});

// Each real server process takes seconds to start on a busy CI machine: more room than the default 30 s.
describe.runIf(sharedRedisAvailable())('several server processes on one Redis', { timeout: 90_000 }, () => {
  it('delivers votes cast concurrently on both processes to every transport on both, exactly once and in order', async () => {
    const { processes } = await startProcesses(2, 'fan-out');
    const [a, b] = processes as [ServerProcess, ServerProcess];
    // Sessions made on one process and used on the other: one SESSION_SECRET makes them valid everywhere.
    const alice = await createSession(a.url, 'alice');
    const bob = await createSession(b.url, 'bob');
    const subs = [a, b].flatMap((server) =>
      PUSH_TRANSPORTS.map((transport) => track(subscribe(transport, server.url, server === a ? bob : alice, { since: 0, timeoutMs: 1000 }))),
    );
    const pollers = [poll(a.url), poll(b.url)];

    const voters: Promise<VoterResult>[] = [];
    for (const [server, session] of [
      [a, alice],
      [a, bob],
      [b, alice],
      [b, bob],
    ] as [ServerProcess, Session][]) {
      voters.push(vote(() => server.url, session, `${server.port}-${session.name}`, 30, candidates));
    }
    const results = await Promise.all(voters);
    const acknowledged = results.flatMap((r) => r.acknowledged);
    expect(results.flatMap((r) => r.refused)).toEqual([]);
    const total = 120;
    expect(acknowledged).toHaveLength(total);
    expect(new Set(acknowledged.map((e) => e.seq))).toEqual(new Set(Array.from({ length: total }, (_, i) => i + 1)));

    for (const sub of subs) {
      const where = subs.indexOf(sub) < PUSH_TRANSPORTS.length ? 'A' : 'B';
      await expectComplete(sub, total, where);
      expect(voteIds(sub.events)).toEqual(voteIds(acknowledged));
    }
    // Polling sees the end state on both processes, with counts that match the votes.
    const expectedCounts = tallyOf(acknowledged, candidates);
    for (const poller of pollers) {
      const final = await waitFor('the poller to see the last seq', () => (poller.latest()?.seq === total ? poller.latest() : undefined), {
        timeoutMs: 10_000,
      });
      expect(countsOf(final)).toEqual(expectedCounts);
      await poller.stop();
      expect(poller.statuses.every((s) => s === 200 || s === 304)).toBe(true);
    }
  });

  it('answers long polls that alternate between processes without losing or repeating an event', async () => {
    const { processes } = await startProcesses(2, 'alternate');
    const [a, b] = processes as [ServerProcess, ServerProcess];
    const session = await createSession(a.url, 'switcher');
    const voter = await createSession(b.url, 'voter');

    const voting = Promise.all([vote(() => a.url, voter, 'a', 40, candidates), vote(() => b.url, voter, 'b', 40, candidates)]);

    const received: VoteEvent[] = [];
    const snapshots: unknown[] = [];
    let since = 0;
    let polls = 0;
    const deadline = Date.now() + 30_000;
    // All 80 votes seen: the voters' last answers are awaited below.
    while (since !== 80) {
      if (Date.now() > deadline) throw new Error(`alternating long polls stuck at seq ${since}`);
      const server = polls++ % 2 === 0 ? a : b;
      const response = await fetch(`${server.url}/api/long-poll?client=tab-1&since=${since}&timeout=300`, {
        headers: { cookie: session.cookie },
      });
      if (response.status === 204) continue;
      expect(response.status).toBe(200);
      const body = (await response.json()) as { events?: VoteEvent[]; snapshot?: unknown };
      if (body.snapshot !== undefined) snapshots.push(body.snapshot);
      for (const event of body.events ?? []) received.push(event);
      since = received.at(-1)?.seq ?? since;
    }
    const results = await voting;
    expect(results.flatMap((r) => r.acknowledged)).toHaveLength(80);
    expect(snapshots).toEqual([]);
    expect(coherence(received, 0, 80)).toEqual({ missing: [], duplicates: [], outOfOrder: 0 });
    expect(polls).toBeGreaterThan(2);
  });

  it('keeps serving and keeps the counts when one process is killed mid-run', async () => {
    const { processes } = await startProcesses(3, 'kill');
    const [a, b, c] = processes as [ServerProcess, ServerProcess, ServerProcess];
    const session = await createSession(b.url, 'survivor');
    const subs = [
      track(subscribe('websocket', b.url, session, { since: 0 })),
      track(subscribe('sse', c.url, session, { since: 0 })),
      track(subscribe('long-polling', c.url, session, { since: 0, timeoutMs: 1000 })),
    ];
    const onA = emptyResult();
    const voting = Promise.all([
      vote(() => a.url, session, 'a', 60, candidates, onA),
      vote(() => b.url, session, 'b', 60, candidates),
      vote(() => c.url, session, 'c', 60, candidates),
    ]);
    await waitFor('some votes on the doomed process', () => onA.acknowledged.length >= 15, { timeoutMs: 15_000 });
    await a.kill();
    const results = await voting;
    const acknowledged = results.flatMap((r) => r.acknowledged);
    expect(results[1].acknowledged).toHaveLength(60);
    expect(results[2].acknowledged).toHaveLength(60);
    expect(onA.acknowledged.length).toBeLessThan(60);

    // A vote in flight on A when it died may or may not have been counted: the survivors agree on which.
    const head = await waitFor(
      'the survivors to agree on the head',
      async () => {
        const [onB, onC] = await Promise.all([ballot(b.url), ballot(c.url)]);
        return onB.seq === onC.seq && onB.seq >= acknowledged.length ? onB.seq : undefined;
      },
      { retryOnError: true },
    );
    expect(head).toBeLessThanOrEqual(acknowledged.length + 1);
    for (const sub of subs) {
      await expectComplete(sub, head, 'a survivor');
      for (const id of voteIds(acknowledged)) expect(voteIds(sub.events).has(id)).toBe(true);
    }
    const delivered = subs[0]!.events;
    for (const server of [b, c]) expect(countsOf(await ballot(server.url))).toEqual(tallyOf(delivered, candidates));

    // Still serving: the next vote continues the sequence.
    const next = await vote(() => c.url, session, 'after', 1, candidates);
    expect(next.acknowledged[0]?.seq).toBe(head + 1);
  });

  it('keeps the counts and the log when every process is restarted', async () => {
    const { processes, prefix, secret } = await startProcesses(2, 'restart');
    const session = await createSession(processes[0]!.url, 'patient');
    const results = await Promise.all(processes.map((server, i) => vote(() => server.url, session, `p${i}`, 20, candidates)));
    const acknowledged = results.flatMap((r) => r.acknowledged).sort((x, y) => x.seq - y.seq);
    const before = await ballot(processes[0]!.url);
    expect(before.seq).toBe(40);

    for (const server of processes) expect(await server.stop()).toBe(0);
    const restarted = await Promise.all(processes.map((old) => ServerProcess.start({ feed: REDIS_URL, prefix, secret, port: old.port })));

    for (const server of restarted) {
      const after = await ballot(server.url);
      expect(after.seq).toBe(40);
      expect(countsOf(after)).toEqual(countsOf(before));
    }
    // A client resuming on a restarted process gets what it missed, from the log in Redis: the same events.
    const resumed = track(subscribe('websocket', restarted[1]!.url, session, { since: 35 }));
    await waitFor('the resumed events', () => resumed.events.length === 5);
    expect(resumed.snapshots).toEqual([]);
    expect(resumed.events).toEqual(acknowledged.slice(35));

    const next = await vote(() => restarted[0]!.url, session, 'next', 1, [candidates[0]!]);
    expect(next.acknowledged[0]).toMatchObject({ seq: 41, count: countsOf(before)[candidates[0]!]! + 1 });
  });
});
