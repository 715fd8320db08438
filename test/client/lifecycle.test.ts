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

describe('a transport client’s lifecycle', () => {
  it('reports each status once, except reconnecting, which comes with every attempt’s number and delay; a success starts the backoff over', async () => {
    const { timers, http, statuses, client } = setup();
    client.start(0);
    http.reply(new TypeError('fetch failed'));
    await settle();
    timers.advance(125);
    http.reply(new TypeError('fetch failed'));
    await settle();
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
});
