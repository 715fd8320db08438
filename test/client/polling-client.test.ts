import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/client/decode.ts';
import { PollingClient } from '../../src/client/polling-client.ts';
import type { FeedClientHandlers, SnapshotReason, WireRecord, ConnectionStatus } from '../../src/client/types.ts';
import { fakeEnvironment, ManualTimers, ScriptedFetch, settle } from './fake-env.ts';
import { snapshot } from './fixtures.ts';

function setup(options: { conditional?: boolean; intervalMs?: number } = {}) {
  const timers = new ManualTimers();
  const http = new ScriptedFetch();
  const snapshots: { seq: number; reason: SnapshotReason | undefined }[] = [];
  const wire: WireRecord[] = [];
  const statuses: ConnectionStatus[] = [];
  const details: (string | undefined)[] = [];
  const protocolErrors: ProtocolError[] = [];
  const handlers: FeedClientHandlers = {
    onSnapshot: (s, _t, reason) => snapshots.push({ seq: s.seq, reason }),
    onEvent: () => undefined,
    onWire: (r) => wire.push(r),
    onStatus: (s, detail) => {
      statuses.push(s);
      details.push(detail);
    },
    onProtocolError: (error) => protocolErrors.push(error),
  };
  const client = new PollingClient(fakeEnvironment(timers, { fetch: http.fetch }), handlers, {
    intervalMs: 1000,
    backoff: { random: () => 0 },
    ...options,
  });
  return { timers, http, snapshots, wire, statuses, details, protocolErrors, client };
}

describe('PollingClient', () => {
  it('starts without a cursor: first 200 is the baseline, later 200s are polls', async () => {
    const { http, timers, snapshots, client } = setup();
    client.start(undefined);
    expect(http.requests[0]?.url).toBe('http://votewire.test/api/ballot');
    expect(http.requests[0]?.headers['If-None-Match']).toBeUndefined();
    http.reply({ status: 200, body: snapshot(4) });
    await settle();
    timers.advance(1000);
    expect(http.requests[1]?.headers['If-None-Match']).toBe('"4"');
    http.reply({ status: 200, body: snapshot(6) });
    await settle();
    expect(snapshots).toEqual([
      { seq: 4, reason: 'initial' },
      { seq: 6, reason: 'poll' },
    ]);
    client.stop();
  });

  it('hands over a cursor: the first request is conditional on it, and a 304 is an empty exchange', async () => {
    const { http, snapshots, wire, client } = setup();
    client.start(9);
    expect(http.requests[0]?.headers['If-None-Match']).toBe('"9"');
    http.reply({ status: 304 });
    await settle();
    expect(snapshots).toEqual([]);
    expect(wire[0]).toMatchObject({ transport: 'polling', what: 'GET /api/ballot', status: 304, empty: true, bytesIn: 0, events: 0 });
    client.stop();
  });

  it('with conditional requests off, downloads the whole ballot every time', async () => {
    const { http, timers, wire, client } = setup({ conditional: false });
    client.start(2);
    expect(http.requests[0]?.headers['If-None-Match']).toBeUndefined();
    http.reply({ status: 200, body: snapshot(2) });
    await settle();
    expect(wire[0]).toMatchObject({ status: 200, empty: true, events: 0 });
    expect(wire[0]?.bytesIn).toBeGreaterThan(20);
    timers.advance(1000);
    expect(http.requests).toHaveLength(2);
    client.stop();
  });

  it('polls at the configured rate, and not at all after stop()', async () => {
    const { http, timers, client } = setup({ intervalMs: 250 });
    client.start(0);
    http.reply({ status: 304 });
    await settle();
    timers.advance(249);
    expect(http.requests).toHaveLength(1);
    timers.advance(1);
    expect(http.requests).toHaveLength(2);
    client.stop();
    expect(http.requests[1]?.signal?.aborted).toBe(true);
    timers.advance(10_000);
    expect(http.requests).toHaveLength(2);
  });

  it('backs off when the server is gone and recovers when it answers again', async () => {
    const { http, timers, statuses, client } = setup();
    client.start(0);
    http.reply(new TypeError('fetch failed'));
    await settle();
    expect(statuses).toEqual(['connecting', 'reconnecting']);
    timers.advance(124); // backoff with random 0: first delay 125 ms
    expect(http.requests).toHaveLength(1);
    timers.advance(1);
    expect(http.requests).toHaveLength(2);
    http.reply({ status: 503, body: { error: 'shutting_down', message: 'bye' } });
    await settle();
    timers.advance(250); // second delay 250 ms
    expect(http.requests).toHaveLength(3);
    http.reply({ status: 304 });
    await settle();
    expect(statuses.at(-1)).toBe('open');
    client.stop();
    expect(statuses.at(-1)).toBe('closed');
  });

  it('reports a 200 that is not a Snapshot as a ProtocolError, delivers nothing of it, and polls again after a backoff', async () => {
    const { http, timers, snapshots, wire, statuses, details, protocolErrors, client } = setup();
    client.start(undefined);
    http.reply({ status: 200, body: { type: 'snapshot', seq: '4', candidates: [], at: 1 } });
    await settle();
    expect(snapshots).toEqual([]);
    expect(protocolErrors).toHaveLength(1);
    expect(protocolErrors[0]).toBeInstanceOf(ProtocolError);
    expect(protocolErrors[0]).toMatchObject({ source: 'GET /api/ballot', expected: 'Snapshot' });
    expect(protocolErrors[0]?.problem).toContain('"seq":"4"');
    expect(client.protocolErrors).toBe(1);
    expect(statuses).toEqual(['connecting', 'reconnecting']);
    expect(details.at(-1)).toBe(protocolErrors[0]?.message);
    expect(wire[0]).toMatchObject({ what: 'GET /api/ballot', status: 200, empty: true, note: protocolErrors[0]?.problem });

    timers.advance(125);
    expect(http.requests).toHaveLength(2);
    http.reply({ status: 200, body: 'Service temporarily unavailable' });
    await settle();
    expect(protocolErrors[1]?.problem).toMatch(/^not JSON/);
    expect(client.protocolErrors).toBe(2);

    timers.advance(250);
    expect(http.requests).toHaveLength(3);
    http.reply({ status: 200, body: snapshot(4) });
    await settle();
    expect(snapshots).toEqual([{ seq: 4, reason: 'initial' }]);
    expect(statuses.at(-1)).toBe('open');
    client.stop();
  });

  it("names the error body's code in the status detail of a failed poll", async () => {
    const { http, details, protocolErrors, client } = setup();
    client.start(0);
    http.reply({ status: 503, body: { error: 'shutting_down', message: 'The server is shutting down' } });
    await settle();
    expect(details.at(-1)).toBe('GET /api/ballot answered 503 (shutting_down: The server is shutting down)');
    // An error status is a failure, not a broken contract.
    expect(protocolErrors).toEqual([]);
    client.stop();
  });
});

describe('PollingClient timing and wire log', () => {
  it('keeps a fixed rate: a slow answer does not push the next poll back, and one slower than the interval is followed at once', async () => {
    const { http, timers, client } = setup({ intervalMs: 1000 });
    timers.advance(1_700_000_000_000); // a wall clock, as in a browser: the rate must not depend on where it stands
    client.start(0);
    timers.advance(300);
    http.reply({ status: 304 });
    await settle();
    timers.advance(699);
    expect(http.requests).toHaveLength(1);
    timers.advance(1); // 1000 ms after the first poll began
    expect(http.requests).toHaveLength(2);
    timers.advance(1500);
    http.reply({ status: 304 });
    await settle();
    timers.advance(0);
    expect(http.requests).toHaveLength(3);
    client.stop();
  });

  it('polls once a second, conditionally, unless told otherwise', async () => {
    const timers = new ManualTimers();
    const http = new ScriptedFetch();
    const client = new PollingClient(fakeEnvironment(timers, { fetch: http.fetch }), { onSnapshot: () => undefined, onEvent: () => undefined }, {});
    expect([client.intervalMs, client.conditional]).toEqual([1000, true]);
    client.start(3);
    expect(http.requests[0]?.headers['If-None-Match']).toBe('"3"');
    http.reply({ status: 304 });
    await settle();
    timers.advance(999);
    expect(http.requests).toHaveLength(1);
    timers.advance(1);
    expect(http.requests).toHaveLength(2);
    client.stop();
  });

  it('logs how many votes each new ballot covers: none for the first, the seqs advanced after, none when it went backwards', async () => {
    const { http, timers, wire, client } = setup({ conditional: false });
    client.start(undefined);
    for (const seq of [4, 9, 9, 2]) {
      const body = JSON.stringify(snapshot(seq));
      http.reply({ status: 200, body });
      await settle();
      expect(wire.at(-1)?.bytesIn).toBe(body.length);
      timers.advance(1000);
    }
    expect(wire.map(({ what, events, empty }) => ({ what, events, empty }))).toEqual([
      { what: 'GET /api/ballot', events: 0, empty: false },
      { what: 'GET /api/ballot', events: 5, empty: false },
      { what: 'GET /api/ballot', events: 0, empty: true },
      { what: 'GET /api/ballot', events: 0, empty: false },
    ]);
    client.stop();
  });

  it('logs an error answer with its size and says what the server said', async () => {
    const { http, wire, details, client } = setup();
    client.start(1);
    const body = JSON.stringify({ error: 'shutting_down', message: 'bye' });
    http.reply({ status: 503, body });
    await settle();
    expect(wire.at(-1)).toMatchObject({ what: 'GET /api/ballot', status: 503, bytesIn: body.length, bytesOut: 0, empty: true });
    expect(details.at(-1)).toBe('GET /api/ballot answered 503 (shutting_down: bye)');
    client.stop();
  });
});
