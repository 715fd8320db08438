import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { DEFAULT_CANDIDATES } from '../../src/feed/ballot.ts';
import { MemoryFeed } from '../../src/feed/memory-feed.ts';
import type { Snapshot, VoteEvent } from '../../src/feed/types.ts';
import { WAKE_SLICE } from '../../src/transports/long-polling.ts';
import { captureLog, WARN } from '../helpers/log-capture.ts';
import { castVote, createSession, startServerForTest, type RunningServer, type Session } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

interface PollResult {
  status: number;
  body: { events?: VoteEvent[]; snapshot?: Snapshot } | undefined;
}

async function poll(url: string, session: Session, query: Record<string, string>, signal?: AbortSignal): Promise<PollResult> {
  const response = await fetch(`${url}/api/long-poll?${new URLSearchParams(query)}`, { headers: { cookie: session.cookie }, ...(signal ? { signal } : {}) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as PollResult['body']) };
}

function longPollMetrics(s: RunningServer) {
  return s.app.metrics.collect()['long-polling'];
}

describe('long polling', () => {
  it('answers 204 with no body when nothing happens before the timeout', async () => {
    const server = await startServerForTest();
    const session = await createSession(server.url);
    const result = await poll(server.url, session, { client: 'a', since: '0', timeout: '150' });
    expect(result).toEqual({ status: 204, body: undefined });
    expect(longPollMetrics(server).emptyResponses).toBe(1);
  });

  it('wakes a parked poll as soon as a vote arrives', async () => {
    const server = await startServerForTest();
    const { url } = server;
    const session = await createSession(url);
    const pending = poll(url, session, { client: 'a', since: '0', timeout: '20000' });
    await waitFor('the poll to park', () => longPollMetrics(server).open === 1);
    await castVote(url, session, { candidateId: 'push', voteId: 'x1' });
    const result = await pending;
    // A 200 with the event (the 20 s timer would have answered 204, after this test's own timeout).
    expect(result.status).toBe(200);
    expect(result.body?.events?.map((e) => [e.seq, e.voteId])).toEqual([[1, 'x1']]);
  });

  it('returns events that arrived between polls together, in order', async () => {
    const server = await startServerForTest({ votesPerSecond: 0 });
    const { url } = server;
    const session = await createSession(url);
    const first = await poll(url, session, { client: 'a' });
    expect(first.body?.snapshot?.seq).toBe(0);
    for (let i = 1; i <= 5; i++) await castVote(url, session, { candidateId: 'polling', voteId: `b${i}` });
    const second = await poll(url, session, { client: 'a', since: '0' });
    expect(second.body?.events?.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(second.body?.events?.map((e) => e.count)).toEqual([1, 2, 3, 4, 5]);
  });

  it('answers the older poll at once when a second poll arrives on the same queue', async () => {
    const server = await startServerForTest();
    const { url } = server;
    const session = await createSession(url);
    const older = poll(url, session, { client: 'tab', since: '0', timeout: '20000' });
    await waitFor('the first poll to park', () => longPollMetrics(server).open === 1);
    const newer = poll(url, session, { client: 'tab', since: '0', timeout: '20000' });
    expect((await older).status).toBe(204);
    await castVote(url, session, { candidateId: 'push' });
    expect((await newer).body?.events?.map((e) => e.seq)).toEqual([1]);
  });

  it('answers the older parked poll with 204 when a second poll on the same queue is answered at once', async () => {
    const server = await startServerForTest();
    const { url } = server;
    const session = await createSession(url);
    await castVote(url, session, { candidateId: 'push', voteId: 'p1' });
    const older = poll(url, session, { client: 'tab', since: '1', timeout: '20000' });
    await waitFor('the first poll to park', () => longPollMetrics(server).open === 1);
    // The tab came back with an older cursor (it never read seq 1): answered at once, from its `since`.
    const newer = await poll(url, session, { client: 'tab', since: '0', timeout: '20000' });
    expect(newer.body?.events?.map((e) => e.seq)).toEqual([1]);
    // The parked poll is released, not left waiting for its 20 s timeout (which would fail this test).
    expect((await older).status).toBe(204);
  });

  it('keeps separate queues for two tabs of one user', async () => {
    const server = await startServerForTest();
    const { url } = server;
    const session = await createSession(url);
    const tab1 = poll(url, session, { client: 'tab-1', since: '0', timeout: '20000' });
    const tab2 = poll(url, session, { client: 'tab-2', since: '0', timeout: '20000' });
    await waitFor('both polls to park', () => longPollMetrics(server).open === 2);
    await castVote(url, session, { candidateId: 'push' });
    expect((await tab1).body?.events?.[0]?.seq).toBe(1);
    expect((await tab2).body?.events?.[0]?.seq).toBe(1);
  });

  it('leaves nothing parked when the client goes away mid-poll', async () => {
    const server = await startServerForTest();
    const { url } = server;
    const session = await createSession(url);
    const controller = new AbortController();
    const pending = request(`${url}/api/long-poll?client=gone&since=0&timeout=20000`, {
      headers: { cookie: session.cookie },
      signal: controller.signal,
    }).catch((error: unknown) => error);
    await waitFor('the poll to park', () => longPollMetrics(server).open === 1);
    controller.abort();
    await pending;
    await waitFor('the parked poll to go', () => longPollMetrics(server).open === 0);
    // The vote after the client left must not be "delivered" to a dead request.
    await castVote(url, session, { candidateId: 'push' });
    expect(longPollMetrics(server).deliveries).toBe(0);
  });

  it('answers a poll whose since is inside the log with exactly the events after it, however far its queue fell behind', async () => {
    const server = await startServerForTest({ votesPerSecond: 0 });
    const { url } = server;
    const session = await createSession(url);
    expect((await poll(url, session, { client: 'tab1' })).body?.snapshot?.seq).toBe(0);
    // Far more than LONG_POLL_QUEUE_MAX (500) behind the queue's own cursor, but within LOG_SIZE (1000).
    for (let i = 1; i <= 600; i++) await castVote(url, session, { candidateId: 'push', voteId: `v${i}` });
    const result = await poll(url, session, { client: 'tab1', since: '599' });
    expect(result.body?.snapshot).toBeUndefined();
    expect(result.body?.events?.map((e) => [e.seq, e.voteId])).toEqual([[600, 'v600']]);
    expect(longPollMetrics(server).resets).toBe(0);
  });

  it('answers a client far behind in pages of LONG_POLL_QUEUE_MAX events, each once and in order', async () => {
    const server = await startServerForTest({ votesPerSecond: 0, longPollQueueMax: 5 });
    const { url } = server;
    const session = await createSession(url);
    await poll(url, session, { client: 'slow' });
    for (let i = 0; i < 8; i++) await castVote(url, session, { candidateId: 'push' });
    expect(longPollMetrics(server).queueDepth).toBe(5);
    const first = await poll(url, session, { client: 'slow', since: '0' });
    expect(first.body?.events?.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    const second = await poll(url, session, { client: 'slow', since: '5' });
    expect(second.body?.events?.map((e) => [e.seq, e.count])).toEqual([
      [6, 6],
      [7, 7],
      [8, 8],
    ]);
    expect(longPollMetrics(server).resets).toBe(0);
  });

  it('answers a client that fell out of the log with a snapshot and counts the reset', async () => {
    const server = await startServerForTest({ votesPerSecond: 0, logSize: 5 });
    const { url } = server;
    const session = await createSession(url);
    await poll(url, session, { client: 'slow' });
    for (let i = 0; i < 8; i++) await castVote(url, session, { candidateId: 'push' });
    const result = await poll(url, session, { client: 'slow', since: '1' });
    expect(result.body?.events).toBeUndefined();
    expect(result.body?.snapshot?.seq).toBe(8);
    expect(result.body?.snapshot?.candidates.find((c) => c.id === 'push')?.count).toBe(8);
    expect(longPollMetrics(server).resets).toBe(1);
    // A first poll without since is a snapshot too, but not a reset: nobody fell behind.
    await poll(url, session, { client: 'new' });
    expect(longPollMetrics(server).resets).toBe(1);
    // After the snapshot the queue follows as usual.
    await castVote(url, session, { candidateId: 'push' });
    expect((await poll(url, session, { client: 'slow', since: '8' })).body?.events?.map((e) => e.seq)).toEqual([9]);
  });

  it('removes a queue nobody polls for the idle time', async () => {
    const server = await startServerForTest({ longPollQueueIdleMs: 200 });
    const session = await createSession(server.url);
    await poll(server.url, session, { client: 'idle', timeout: '0' });
    expect(longPollMetrics(server).queues).toBe(1);
    await waitFor('the idle queue to be removed', () => longPollMetrics(server).queues === 0);
  });

  it('caps the requested timeout at LONG_POLL_TIMEOUT_MS', async () => {
    const server = await startServerForTest({ longPollTimeoutMs: 200 });
    const session = await createSession(server.url);
    // Held for the asked 600 s, the poll would outlast this test's own timeout; the cap answers it at 200 ms.
    const result = await poll(server.url, session, { client: 'a', since: '0', timeout: '600000' });
    expect(result.status).toBe(204);
  });

  it('keeps at most LONG_POLL_QUEUES_PER_USER queues for a user who invents client ids, without touching anyone else', async () => {
    const server = await startServerForTest({ longPollQueuesPerUser: 3 });
    const { url } = server;
    const flooder = await createSession(url);
    const bystander = await createSession(url);
    const parkedBystander = poll(url, bystander, { client: 'tab', since: '0', timeout: '20000' });
    const firstTab = poll(url, flooder, { client: 'c0', since: '0', timeout: '20000' });
    await waitFor('two parked polls', () => longPollMetrics(server).open === 2);
    // The flooder's oldest queue, still parked, is replaced: its poll is answered with 204 at once.
    for (let i = 1; i <= 5; i++) await poll(url, flooder, { client: `c${i}`, since: '0', timeout: '0' });
    expect((await firstTab).status).toBe(204);
    expect(longPollMetrics(server).queues).toBe(4); // 3 of the flooder's + the bystander's
    await castVote(url, bystander, { candidateId: 'push' });
    expect((await parkedBystander).body?.events?.map((e) => e.seq)).toEqual([1]);
  });

  it('keeps at most LONG_POLL_QUEUES_MAX queues across users: the one idle the longest goes, and its client still gets its events from its own since', async () => {
    const server = await startServerForTest({ longPollQueuesMax: 2 });
    const { url } = server;
    const [first, second, third] = [await createSession(url), await createSession(url), await createSession(url)];
    expect((await poll(url, first, { client: 'tab' })).body?.snapshot?.seq).toBe(0);
    expect((await poll(url, second, { client: 'tab' })).body?.snapshot?.seq).toBe(0);
    expect((await poll(url, third, { client: 'tab' })).body?.snapshot?.seq).toBe(0);
    expect(longPollMetrics(server).queues).toBe(2);
    await castVote(url, third, { candidateId: 'push', voteId: 'after-eviction' });
    // The first client's queue is gone; its next poll from its own `since` still gets exactly the missed event.
    const resumed = await poll(url, first, { client: 'tab', since: '0' });
    expect(resumed.body?.events?.map((e) => [e.seq, e.voteId])).toEqual([[1, 'after-eviction']]);
    expect(longPollMetrics(server).queues).toBe(2);
  });

  it('spares a parked poll when the queue cap is reached while an idle queue can go', async () => {
    const server = await startServerForTest({ longPollQueuesMax: 2 });
    const { url } = server;
    const [waiting, idle, newcomer] = [await createSession(url), await createSession(url), await createSession(url)];
    // The oldest queue has a poll parked; the younger one is idle.
    const parked = poll(url, waiting, { client: 'tab', since: '0', timeout: '20000' });
    await waitFor('the poll to park', () => longPollMetrics(server).open === 1);
    await poll(url, idle, { client: 'tab' });
    await poll(url, newcomer, { client: 'tab' });
    expect(longPollMetrics(server).queues).toBe(2);
    expect(longPollMetrics(server).open).toBe(1);
    await castVote(url, newcomer, { candidateId: 'push' });
    expect((await parked).body?.events?.map((e) => e.seq)).toEqual([1]);
  });

  it('answers the longest parked poll 204 to make room when every queue under the cap has a poll parked', async () => {
    const server = await startServerForTest({ longPollQueuesMax: 1 });
    const { url } = server;
    const [early, late] = [await createSession(url), await createSession(url)];
    const earlyPoll = poll(url, early, { client: 'tab', since: '0', timeout: '20000' });
    await waitFor('the first poll to park', () => longPollMetrics(server).open === 1);
    let earlyAnswer: PollResult | undefined;
    void earlyPoll.then((result) => (earlyAnswer = result));
    const latePoll = poll(url, late, { client: 'tab', since: '0', timeout: '20000' });
    // Answered to make room, long before its own 20 s timeout.
    expect((await waitFor('the first poll to be answered', () => earlyAnswer)).status).toBe(204);
    await waitFor('the second poll to park', () => longPollMetrics(server).open === 1);
    await castVote(url, late, { candidateId: 'push' });
    expect((await latePoll).body?.events?.map((e) => e.seq)).toEqual([1]);
    // The client answered 204 polls again from its own since and misses nothing.
    expect((await poll(url, early, { client: 'tab', since: '0' })).body?.events?.map((e) => e.seq)).toEqual([1]);
  });
  it('wakes more parked polls than one slice answers, and every one gets every event once and in order while more votes arrive', async () => {
    const clients = 2 * WAKE_SLICE + 50;
    const server = await startServerForTest({ votesPerSecond: 0, longPollQueuesPerUser: clients, maxConnectionsPerIp: 0 });
    const { url } = server;
    const session = await createSession(url);
    const received: number[][] = Array.from({ length: clients }, () => []);
    // Each client polls until it holds seq 3, from `since` 0, as the client layer would.
    const followers = received.map(async (seqs, i) => {
      let since = 0;
      while (since < 3) {
        const result = await poll(url, session, { client: `c${i}`, since: String(since), timeout: '20000' });
        for (const event of result.body?.events ?? []) seqs.push(event.seq);
        since = seqs.at(-1) ?? since;
      }
    });
    await waitFor(`${clients} polls to park`, () => longPollMetrics(server).open === clients, { timeoutMs: 20_000 });
    // Three votes back to back: the second and third arrive while the first one's wake is still answering.
    await Promise.all([1, 2, 3].map((i) => castVote(url, session, { candidateId: 'push', voteId: `w${i}` })));
    await Promise.all(followers);
    for (const seqs of received) expect(seqs).toEqual([1, 2, 3]);
    expect(longPollMetrics(server).deliveries).toBe(3 * clients);
  });
});

describe('long polling: answers, queues and their upkeep', () => {
  it('answers with JSON that no cache may keep, its length given', async () => {
    const server = await startServerForTest();
    const session = await createSession(server.url);
    const response = await fetch(`${server.url}/api/long-poll?client=a`, { headers: { cookie: session.cookie } });
    const body = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
    expect((JSON.parse(body) as PollResult['body'])?.snapshot?.seq).toBe(0);
  });

  it('parks a poll at the head even right after a first poll got the snapshot of that head', async () => {
    const server = await startServerForTest({ votesPerSecond: 0 });
    const { url } = server;
    const session = await createSession(url);
    await castVote(url, session, { candidateId: 'push' });
    expect((await poll(url, session, { client: 'new' })).body?.snapshot?.seq).toBe(1);
    // Holds seq 1, the head: nothing to send, so it waits (and times out), rather than getting the snapshot again.
    expect(await poll(url, session, { client: 'current', since: '1', timeout: '50' })).toEqual({ status: 204, body: undefined });
  });

  it('answers a since ahead of the feed (from before it started over) with the snapshot, without counting a reset', async () => {
    const server = await startServerForTest({ votesPerSecond: 0 });
    const session = await createSession(server.url);
    const result = await poll(server.url, session, { client: 'a', since: '999' });
    expect(result.body?.snapshot?.seq).toBe(0);
    expect(longPollMetrics(server).resets).toBe(0);
  });

  it('removes every queue once idle, however its last poll ended: answered at once, timed out, woken by a vote, or left by its client', async () => {
    const server = await startServerForTest({ votesPerSecond: 0, longPollQueueIdleMs: 200 });
    const { url } = server;
    const session = await createSession(url);
    await poll(url, session, { client: 'twice' });
    await poll(url, session, { client: 'twice' });
    const woken = poll(url, session, { client: 'woken', since: '0', timeout: '20000' });
    await waitFor('the poll to park', () => longPollMetrics(server).open === 1);
    await castVote(url, session, { candidateId: 'push' });
    expect((await woken).status).toBe(200);
    expect((await poll(url, session, { client: 'timed-out', since: '1', timeout: '50' })).status).toBe(204);
    const controller = new AbortController();
    const left = request(`${url}/api/long-poll?client=left&since=1&timeout=20000`, { headers: { cookie: session.cookie }, signal: controller.signal }).catch(
      (error: unknown) => error,
    );
    await waitFor('the poll to park', () => longPollMetrics(server).open === 1);
    controller.abort();
    await left;
    expect(longPollMetrics(server).queues).toBe(4);
    await waitFor(
      () => `every idle queue to be removed (${longPollMetrics(server).queues} left)`,
      () => longPollMetrics(server).queues === 0,
    );
  });

  it('counts the queue depth as the events each idle queue has not been handed yet', async () => {
    const server = await startServerForTest({ votesPerSecond: 0 });
    const { url } = server;
    const session = await createSession(url);
    for (let i = 0; i < 2; i++) await castVote(url, session, { candidateId: 'push' });
    expect((await poll(url, session, { client: 'a', since: '0' })).body?.events?.map((e) => e.seq)).toEqual([1, 2]);
    await castVote(url, session, { candidateId: 'push' });
    expect(longPollMetrics(server).queueDepth).toBe(1);
  });

  it('answers every kind of poll, and wakes a parked one, without a warning or an error in the logs', async () => {
    const { lines, logger } = captureLog();
    const listenerErrors: unknown[] = [];
    const feed = new MemoryFeed({ candidates: DEFAULT_CANDIDATES, onListenerError: (error) => listenerErrors.push(error) });
    const server = await startServerForTest({ votesPerSecond: 0 }, feed, logger);
    const { url } = server;
    const session = await createSession(url);
    expect((await poll(url, session, { client: 'a' })).body?.snapshot?.seq).toBe(0);
    const parked = poll(url, session, { client: 'a', since: '0', timeout: '20000' });
    await waitFor('the poll to park', () => longPollMetrics(server).open === 1);
    await castVote(url, session, { candidateId: 'push' });
    expect((await parked).body?.events?.map((e) => e.seq)).toEqual([1]);
    expect((await poll(url, session, { client: 'b', since: '0' })).body?.events?.map((e) => e.seq)).toEqual([1]);
    expect((await poll(url, session, { client: 'a', since: '1', timeout: '50' })).status).toBe(204);
    expect(listenerErrors).toEqual([]);
    expect(lines.filter((line) => line.level >= WARN)).toEqual([]);
  });

  it('holds a poll that names no timeout until the next vote, for up to LONG_POLL_TIMEOUT_MS', async () => {
    const server = await startServerForTest({ votesPerSecond: 0 });
    const session = await createSession(server.url);
    const pending = poll(server.url, session, { client: 'a', since: '0' });
    await waitFor('the poll to park', () => longPollMetrics(server).open === 1);
    await castVote(server.url, session, { candidateId: 'push' });
    expect((await pending).body?.events?.map((e) => e.seq)).toEqual([1]);
  });

  it('counts a HEAD on the long-poll endpoint, refused with 405, as a long-polling request', async () => {
    const server = await startServerForTest();
    const response = await fetch(`${server.url}/api/long-poll?client=head`, { method: 'HEAD' });
    expect(response.status).toBe(405);
    expect(longPollMetrics(server).requests).toBe(1);
  });
});
