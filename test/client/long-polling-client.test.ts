import { describe, expect, it } from 'vitest';
import type { ProtocolError } from '../../src/client/decode.ts';
import { LongPollingClient } from '../../src/client/long-polling-client.ts';
import type { ConnectionStatus, FeedClientHandlers, SnapshotReason, WireRecord } from '../../src/client/types.ts';
import { fakeEnvironment, ManualTimers, ScriptedFetch, settle } from './fake-env.ts';
import { snapshot, vote } from './fixtures.ts';

function setup(renewSession?: () => Promise<void>, extra: Partial<FeedClientHandlers> = {}) {
  const timers = new ManualTimers();
  const http = new ScriptedFetch();
  const got: string[] = [];
  const statuses: ConnectionStatus[] = [];
  const protocolErrors: ProtocolError[] = [];
  const details: (string | undefined)[] = [];
  const wire: WireRecord[] = [];
  const handlers: FeedClientHandlers = {
    onSnapshot: (s, _t, reason?: SnapshotReason) => got.push(`snapshot ${s.seq} ${reason}`),
    onEvent: (e) => got.push(`vote ${e.seq}`),
    onStatus: (status, detail) => {
      statuses.push(status);
      details.push(detail);
    },
    onWire: (record) => wire.push(record),
    onProtocolError: (error) => protocolErrors.push(error),
    ...extra,
  };
  const env = fakeEnvironment(timers, { fetch: http.fetch, ...(renewSession ? { renewSession } : {}) });
  const client = new LongPollingClient(env, handlers, { clientId: 'tab-1', longPollTimeoutMs: 5000, backoff: { random: () => 0 } });
  const query = (i: number) => new URL(http.requests[i]?.url ?? 'http://x/').searchParams;
  return { timers, http, got, statuses, details, wire, protocolErrors, client, query };
}

describe('LongPollingClient', () => {
  it('sends client and since, advances since with every answer, and polls again at once', async () => {
    const { http, got, client, query } = setup();
    client.start(10);
    expect(Object.fromEntries(query(0))).toEqual({ client: 'tab-1', since: '10', timeout: '5000' });
    http.reply({ status: 200, body: { events: [vote(11, 'a', 1), vote(12, 'b', 1)] } });
    await settle();
    expect(query(1).get('since')).toBe('12');
    http.reply({ status: 204 });
    await settle();
    expect(query(2).get('since')).toBe('12');
    expect(got).toEqual(['vote 11', 'vote 12']);
    client.stop();
  });

  it('without a cursor omits since; a snapshot answer is the baseline, a later one is a resync', async () => {
    const { http, got, client, query } = setup();
    client.start(undefined);
    expect(query(0).has('since')).toBe(false);
    http.reply({ status: 200, body: { snapshot: snapshot(3) } });
    await settle();
    expect(query(1).get('since')).toBe('3');
    http.reply({ status: 200, body: { snapshot: snapshot(700) } });
    await settle();
    expect(got).toEqual(['snapshot 3 initial', 'snapshot 700 resync']);
    client.stop();
  });

  it('renews the session once on 401 and resumes from the same cursor', async () => {
    let renewals = 0;
    const { http, timers, client, query } = setup(() => {
      renewals += 1;
      return Promise.resolve();
    });
    client.start(5);
    http.reply({ status: 401, body: { error: 'no_session', message: 'join first' } });
    await settle();
    expect(renewals).toBe(1);
    expect(query(1).get('since')).toBe('5');
    // A second 401 right after renewing is a failure: back off instead of renewing in a loop.
    http.reply({ status: 401, body: { error: 'no_session', message: 'join first' } });
    await settle();
    expect(renewals).toBe(1);
    expect(http.requests).toHaveLength(2);
    timers.advance(125);
    expect(http.requests).toHaveLength(3);
    client.stop();
  });

  it('drops a late answer after stop()', async () => {
    const { http, got, client } = setup();
    client.start(1);
    const request = http.requests[0];
    client.stop();
    expect(request?.signal?.aborted).toBe(true);
    await settle();
    expect(got).toEqual([]);
  });

  it('reports an answer that breaks the contract, delivers none of its events, and polls again from the same since', async () => {
    const { http, timers, got, statuses, protocolErrors, client, query } = setup();
    client.start(10);
    // The second event has no count: the whole answer is refused, the first event with it.
    http.reply({ status: 200, body: { events: [vote(11, 'a', 1), { type: 'vote', seq: 12, candidateId: 'b', votedAt: 1 }] } });
    await settle();
    expect(got).toEqual([]);
    expect(protocolErrors).toHaveLength(1);
    expect(protocolErrors[0]).toMatchObject({ source: 'GET /api/long-poll', expected: 'LongPollAnswer' });
    expect(client.protocolErrors).toBe(1);
    expect(statuses).toEqual(['connecting', 'reconnecting']);
    expect(http.requests).toHaveLength(1);
    timers.advance(125);
    expect(query(1).get('since')).toBe('10');
    // An envelope with both keys is no answer either.
    http.reply({ status: 200, body: { events: [], snapshot: snapshot(12) } });
    await settle();
    expect(client.protocolErrors).toBe(2);
    timers.advance(250);
    expect(query(2).get('since')).toBe('10');
    http.reply({ status: 200, body: { events: [vote(11, 'a', 1), vote(12, 'b', 1)] } });
    await settle();
    expect(got).toEqual(['vote 11', 'vote 12']);
    expect(statuses.at(-1)).toBe('open');
    expect(query(3).get('since')).toBe('12');
    client.stop();
  });
});

describe('LongPollingClient status and wire log', () => {
  it('calls the connection open once a poll has stayed parked for a moment, and logs each answer with its size and events', async () => {
    const { http, timers, statuses, wire, client } = setup();
    client.start(1);
    timers.advance(249);
    expect(statuses).toEqual(['connecting']);
    timers.advance(1);
    expect(statuses).toEqual(['connecting', 'open']);
    const body = JSON.stringify({ events: [vote(2, 'a', 1)] });
    http.reply({ status: 200, body });
    await settle();
    http.reply({ status: 204 });
    await settle();
    expect(wire).toMatchObject([
      { transport: 'long-polling', what: 'GET /api/long-poll', status: 200, bytesIn: body.length, bytesOut: 0, empty: false, events: 1 },
      { transport: 'long-polling', what: 'GET /api/long-poll', status: 204, bytesIn: 0, bytesOut: 0, empty: true, events: 0 },
    ]);
    client.stop();
  });

  it('backs off on an error answer and says what the server said, then polls again from the same cursor', async () => {
    const { http, timers, statuses, details, wire, client, query } = setup();
    client.start(7);
    const body = JSON.stringify({ error: 'shutting_down', message: 'the server is restarting' });
    http.reply({ status: 503, body });
    await settle();
    expect(statuses.at(-1)).toBe('reconnecting');
    expect(details.at(-1)).toBe('GET /api/long-poll answered 503 (shutting_down: the server is restarting)');
    expect(wire.at(-1)).toMatchObject({ transport: 'long-polling', what: 'GET /api/long-poll', status: 503, bytesIn: body.length, bytesOut: 0, empty: true });
    expect(http.requests).toHaveLength(1);
    timers.advance(125);
    expect(query(1).get('since')).toBe('7');
    http.reply({ status: 502, body: '<html>bad gateway</html>' });
    await settle();
    expect(details.at(-1)).toBe('GET /api/long-poll answered 502');
    client.stop();
  });

  it('backs off when renewing the session fails, and renews again after a later 401 once a poll went through', async () => {
    let renewals = 0;
    let failNext = true;
    const { http, timers, details, client } = setup(() => {
      renewals += 1;
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error('network down'));
      }
      return Promise.resolve();
    });
    client.start(5);
    http.reply({ status: 401, body: { error: 'no_session', message: 'join first' } });
    await settle();
    expect(details.at(-1)).toBe('could not renew the session: network down');
    expect(http.requests).toHaveLength(1);
    timers.advance(125);
    http.reply({ status: 401, body: { error: 'no_session', message: 'join first' } });
    await settle();
    expect(renewals).toBe(2);
    http.reply({ status: 204 });
    await settle();
    http.reply({ status: 401, body: { error: 'no_session', message: 'join first' } });
    await settle();
    expect(renewals).toBe(3);
    client.stop();
  });

  it('is not called open when its polls fail quickly, however long it keeps trying', async () => {
    const { http, timers, statuses, details, client } = setup();
    client.start(1);
    http.reply(new TypeError('fetch failed'));
    await settle();
    expect(details.at(-1)).toBe('GET /api/long-poll failed: fetch failed');
    timers.advance(125);
    http.reply(new TypeError('fetch failed'));
    await settle();
    timers.advance(200); // past the moment the first poll would have counted as parked
    expect(statuses).toEqual(['connecting', 'reconnecting', 'reconnecting']);
    client.stop();
  });

  it('logs an answer that breaks the contract as an empty long-poll exchange with what is wrong', async () => {
    const { http, wire, protocolErrors, client } = setup();
    client.start(1);
    http.reply({ status: 200, body: { events: 'none' } });
    await settle();
    expect(protocolErrors).toHaveLength(1);
    expect(wire).toEqual([
      {
        transport: 'long-polling',
        what: 'GET /api/long-poll',
        status: 200,
        bytesIn: '{"events":"none"}'.length,
        bytesOut: 0,
        empty: true,
        note: protocolErrors[0]?.problem,
        at: 0,
      },
    ]);
    client.stop();
  });

  it('logs a 401 it renews the session for as an empty long-poll exchange noted "session expired"', async () => {
    const { http, wire, client } = setup(() => Promise.resolve());
    client.start(1);
    const body = JSON.stringify({ error: 'no_session', message: 'join first' });
    http.reply({ status: 401, body });
    await settle();
    expect(wire).toEqual([
      { transport: 'long-polling', what: 'GET /api/long-poll', status: 401, bytesIn: body.length, bytesOut: 0, empty: true, note: 'session expired', at: 0 },
    ]);
    client.stop();
  });

  it('renews the session only on a 401: any other error answer backs off', async () => {
    let renewals = 0;
    const { http, timers, details, client } = setup(() => {
      renewals += 1;
      return Promise.resolve();
    });
    client.start(3);
    http.reply({ status: 503, body: { error: 'shutting_down', message: 'bye' } });
    await settle();
    expect(renewals).toBe(0);
    expect(details.at(-1)).toBe('GET /api/long-poll answered 503 (shutting_down: bye)');
    expect(http.requests).toHaveLength(1);
    timers.advance(125);
    expect(http.requests).toHaveLength(2);
    client.stop();
  });

  it('without a way to renew the session, takes a 401 as a failure and backs off', async () => {
    const { http, timers, statuses, details, client } = setup();
    client.start(3);
    http.reply({ status: 401, body: { error: 'no_session', message: 'join first' } });
    await settle();
    expect(statuses.at(-1)).toBe('reconnecting');
    expect(details.at(-1)).toBe('GET /api/long-poll answered 401 (no_session: join first)');
    expect(http.requests).toHaveLength(1);
    timers.advance(125);
    expect(http.requests).toHaveLength(2);
    client.stop();
  });

  it('does not poll again when stopped while the session was being renewed', async () => {
    let renewed: () => void = () => undefined;
    const { http, timers, statuses, client } = setup(() => new Promise<void>((resolve) => (renewed = resolve)));
    client.start(3);
    http.reply({ status: 401, body: { error: 'no_session', message: 'join first' } });
    await settle();
    client.stop();
    renewed();
    await settle();
    timers.advance(60_000);
    expect(http.requests).toHaveLength(1);
    expect(statuses).toEqual(['connecting', 'closed']);
  });
});

describe('LongPollingClient stopped from its own handlers', () => {
  it('delivers none of the rest of an answer once its event handler stopped it, and polls no more', async () => {
    let stopIt: () => void = () => undefined;
    const { http, timers, got, statuses, client } = setup(undefined, {
      onEvent: (e) => {
        got.push(`vote ${e.seq}`);
        stopIt();
      },
    });
    stopIt = () => client.stop();
    client.start(1);
    http.reply({ status: 200, body: { events: [vote(2, 'a', 1), vote(3, 'a', 2), vote(4, 'b', 1)] } });
    await settle();
    timers.advance(60_000);
    expect(got).toEqual(['vote 2']);
    expect(statuses).toEqual(['connecting', 'closed']);
    expect(http.requests).toHaveLength(1);
  });

  it('polls no more and is not called open once its snapshot or wire-log handler stopped it', async () => {
    for (const answer of [{ status: 200, body: { snapshot: snapshot(5) } }, { status: 204 }]) {
      let stopIt: () => void = () => undefined;
      const stopping: Partial<FeedClientHandlers> = answer.status === 200 ? { onSnapshot: () => stopIt() } : { onWire: () => stopIt() };
      const { http, timers, statuses, client } = setup(undefined, stopping);
      stopIt = () => client.stop();
      client.start(1);
      http.reply(answer);
      await settle();
      timers.advance(60_000);
      expect(statuses).toEqual(['connecting', 'closed']);
      expect(http.requests).toHaveLength(1);
    }
  });
});
