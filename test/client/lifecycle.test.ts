import { describe, expect, it } from 'vitest';
import { PollingClient } from '../../src/client/polling-client.ts';
import type { FeedClientHandlers, ReconnectInfo } from '../../src/client/types.ts';
import { fakeEnvironment, ManualTimers, ScriptedFetch, settle } from './fake-env.ts';
import { snapshot } from './fixtures.ts';

/**
 * What every transport client shares (src/client/lifecycle.ts), seen through the polling client: statuses, the
 * reconnect backoff, restarts and stops. Backoff without jitter: 125 ms, 250 ms, 500 ms...
 */
function setup(extra: Partial<FeedClientHandlers> = {}) {
  const timers = new ManualTimers();
  const http = new ScriptedFetch();
  const statuses: string[] = [];
  const snapshots: number[] = [];
  const handlers: FeedClientHandlers = {
    onSnapshot: (s) => snapshots.push(s.seq),
    onEvent: () => undefined,
    onStatus: (status, _detail, info?: ReconnectInfo) => statuses.push(info === undefined ? status : `${status} #${info.attempt} in ${info.retryInMs} ms`),
    ...extra,
  };
  const client = new PollingClient(fakeEnvironment(timers, { fetch: http.fetch }), handlers, { intervalMs: 1000, backoff: { random: () => 0 } });
  return { timers, http, statuses, snapshots, client };
}

/** Starts the client and fails its first two polls on the network: it then waits 250 ms to try a third time. */
async function startAndFailTwice({ timers, http, client }: ReturnType<typeof setup>): Promise<void> {
  client.start(0);
  http.reply(new TypeError('fetch failed'));
  await settle();
  timers.advance(125);
  http.reply(new TypeError('fetch failed'));
  await settle();
}

describe('a transport client’s lifecycle', () => {
  it('reports each status once, except reconnecting, which comes with every attempt’s number and delay; a success starts the backoff over', async () => {
    const running = setup();
    const { timers, http, statuses, client } = running;
    await startAndFailTwice(running);
    timers.advance(250);
    http.reply({ status: 304 });
    await settle();
    timers.advance(1000);
    http.reply({ status: 304 });
    await settle();
    timers.advance(1000);
    http.reply(new TypeError('fetch failed'));
    await settle();
    expect(statuses).toEqual(['connecting', 'reconnecting #1 in 125 ms', 'reconnecting #2 in 250 ms', 'open', 'reconnecting #1 in 125 ms']);
    client.stop();
    client.stop();
    expect(statuses.at(-1)).toBe('closed');
    expect(statuses.filter((status) => status === 'closed')).toHaveLength(1);
    expect(client.running).toBe(false);
  });

  it('starts over from a new cursor when started while running: the request it replaced is aborted, its answer never delivered', async () => {
    const { http, snapshots, statuses, client } = setup();
    client.start(3);
    expect(client.running).toBe(true);
    client.start(8);
    expect(http.requests.map((request) => request.headers['If-None-Match'])).toEqual(['"3"', '"8"']);
    expect(http.requests[0]?.signal?.aborted).toBe(true);
    http.reply({ status: 200, body: snapshot(5) }); // the replaced request
    http.reply({ status: 200, body: snapshot(9) });
    await settle();
    expect(snapshots).toEqual([9]);
    expect(statuses).toEqual(['connecting', 'open']);
    client.stop();
  });

  it('stays stopped when a protocol-error handler stops it: no reconnect is scheduled', async () => {
    let stopIt: () => void = () => undefined;
    const { timers, http, statuses, client } = setup({ onProtocolError: () => stopIt() });
    stopIt = () => client.stop();
    client.start(undefined);
    http.reply({ status: 200, body: 'not json' });
    await settle();
    expect(client.protocolErrors).toBe(1);
    timers.advance(60_000);
    expect(http.requests).toHaveLength(1);
    expect(statuses).toEqual(['connecting', 'closed']);
  });

  it('is not running before start(), and a stop() then says nothing and sends nothing', () => {
    const { http, statuses, client } = setup();
    expect(client.running).toBe(false);
    client.stop();
    expect(statuses).toEqual([]);
    expect(http.requests).toHaveLength(0);
  });

  it('ignores a failure of a request it already stopped', async () => {
    const { timers, http, statuses, client } = setup();
    client.start(1);
    client.stop();
    http.reply(new TypeError('fetch failed'));
    await settle();
    timers.advance(60_000);
    expect(http.requests).toHaveLength(1);
    expect(statuses).toEqual(['connecting', 'closed']);
  });

  it('starts the backoff over when restarted: the first failure after a restart waits the first delay again', async () => {
    const running = setup();
    const { http, statuses, client } = running;
    await startAndFailTwice(running);
    expect(statuses.at(-1)).toBe('reconnecting #2 in 250 ms');
    client.start(0);
    http.reply(new TypeError('fetch failed'));
    await settle();
    expect(statuses.at(-1)).toBe('reconnecting #1 in 125 ms');
    client.stop();
  });

  it('does not deliver an answer that was already on its way when the client was restarted', async () => {
    const { http, snapshots, client } = setup();
    client.start(3);
    http.reply({ status: 200, body: snapshot(5) }); // answered, but its body is not read yet
    client.start(8);
    http.reply({ status: 200, body: snapshot(9) });
    await settle();
    expect(snapshots).toEqual([9]);
    client.stop();
  });

  it('says why it is reconnecting when a request fails on the network', async () => {
    const details: (string | undefined)[] = [];
    const { http, client } = setup({ onStatus: (_status, detail) => details.push(detail) });
    client.start(0);
    http.reply(new TypeError('fetch failed'));
    await settle();
    expect(details).toEqual([undefined, 'GET /api/ballot failed: fetch failed']);
    client.stop();
  });

  it('does not report a failure that arrives while it is being stopped, and leaves no timer behind', async () => {
    const { timers, http, statuses, client } = setup();
    client.start(1);
    http.reply(new TypeError('fetch failed')); // the failure is on its way
    client.stop();
    await settle();
    expect(statuses).toEqual(['connecting', 'closed']);
    expect(timers.pending).toEqual([]);
  });

  it('leaves no timer behind when stopped while waiting to reconnect or to poll again', async () => {
    const { timers, http, client } = setup();
    client.start(1);
    http.reply(new TypeError('fetch failed'));
    await settle();
    expect(timers.pending).toEqual([125]);
    client.stop();
    expect(timers.pending).toEqual([]);
    client.start(1);
    http.reply({ status: 304 });
    await settle();
    expect(timers.pending).toEqual([1000]);
    client.stop();
    expect(timers.pending).toEqual([]);
  });

  it('stays stopped when its snapshot handler stops it: no "open" after "closed", no further poll', async () => {
    let stopIt: () => void = () => undefined;
    const { timers, http, statuses, snapshots, client } = setup({
      onSnapshot: (s) => {
        snapshots.push(s.seq);
        stopIt();
      },
    });
    stopIt = () => client.stop();
    client.start(undefined);
    http.reply({ status: 200, body: snapshot(3) });
    await settle();
    timers.advance(60_000);
    expect(snapshots).toEqual([3]);
    expect(statuses).toEqual(['connecting', 'closed']);
    expect(http.requests).toHaveLength(1);
  });

  it('says nothing more about an answer once its wire-log handler stopped it, not even that the answer broke the contract', async () => {
    let stopIt: () => void = () => undefined;
    const protocolErrors: unknown[] = [];
    const { timers, http, statuses, client } = setup({ onWire: () => stopIt(), onProtocolError: (error) => protocolErrors.push(error) });
    stopIt = () => client.stop();
    client.start(undefined);
    http.reply({ status: 200, body: 'not json' });
    await settle();
    timers.advance(60_000);
    expect(protocolErrors).toEqual([]);
    expect(client.protocolErrors).toBe(0);
    expect(statuses).toEqual(['connecting', 'closed']);
    expect(http.requests).toHaveLength(1);
  });

  it('works on from the new cursor when its protocol-error handler restarts it', async () => {
    let restart: () => void = () => undefined;
    const { timers, http, statuses, snapshots, client } = setup({ onProtocolError: () => restart() });
    restart = () => client.start(7);
    client.start(undefined);
    http.reply({ status: 200, body: 'not json' });
    await settle();
    expect(http.requests).toHaveLength(2);
    expect(http.requests[1]?.headers['If-None-Match']).toBe('"7"');
    expect(http.requests[1]?.signal?.aborted).toBe(false);
    http.reply({ status: 200, body: snapshot(8) });
    await settle();
    expect(snapshots).toEqual([8]);
    expect(statuses).toEqual(['connecting', 'open']);
    timers.advance(1000);
    expect(http.requests).toHaveLength(3);
    client.stop();
  });
});
