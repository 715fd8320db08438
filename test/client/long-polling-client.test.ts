import { describe, expect, it } from 'vitest';
import type { ProtocolError } from '../../src/client/decode.ts';
import { LongPollingClient } from '../../src/client/long-polling-client.ts';
import type { ConnectionStatus, FeedClientHandlers, SnapshotReason, WireRecord } from '../../src/client/types.ts';
import { fakeEnvironment, ManualTimers, ScriptedFetch, settle } from './fake-env.ts';
import { snapshot, vote } from './fixtures.ts';

function setup(renewSession?: () => Promise<void>) {
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
});
