import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/client/decode.ts';
import { FeedSubscription, type ClientFactory, type SubscriptionListener } from '../../src/client/subscription.ts';
import type { FeedClient, FeedClientHandlers, FeedClientOptions, TransportName } from '../../src/client/types.ts';
import { snapshot, vote } from './fixtures.ts';

/** A transport client the test drives by hand. */
class HandClient implements FeedClient {
  startedWith: number | undefined | 'never' = 'never';
  stopped = false;
  readonly transport: TransportName;
  readonly handlers: FeedClientHandlers;
  constructor(transport: TransportName, handlers: FeedClientHandlers) {
    this.transport = transport;
    this.handlers = handlers;
  }
  start(since: number | undefined): void {
    this.startedWith = since;
  }
  stop(): void {
    this.stopped = true;
  }
}

function setup(listener: SubscriptionListener = {}) {
  const clients: HandClient[] = [];
  const factory: ClientFactory = (name, handlers) => {
    const client = new HandClient(name, handlers);
    clients.push(client);
    return client;
  };
  const subscription = new FeedSubscription(factory, listener, { now: () => 0 });
  const current = () => {
    const client = clients.at(-1);
    if (client === undefined) throw new Error('no client yet');
    return client;
  };
  return { subscription, clients, current };
}

describe('FeedSubscription', () => {
  it('hands the cursor over on a switch and stops the old transport', () => {
    const { subscription, clients, current } = setup();
    subscription.switchTo('websocket');
    expect(current().startedWith).toBeUndefined();
    current().handlers.onSnapshot(snapshot(0), 'websocket', 'initial');
    current().handlers.onEvent(vote(1, 'a', 1), 'websocket');
    current().handlers.onEvent(vote(2, 'a', 2), 'websocket');
    subscription.switchTo('sse');
    expect(clients[0]?.stopped).toBe(true);
    expect(current().transport).toBe('sse');
    expect(current().startedWith).toBe(2);
    current().handlers.onEvent(vote(3, 'b', 1), 'sse');
    expect(subscription.tracker.seq).toBe(3);
    expect(subscription.tracker.counters).toEqual({ gaps: 0, missedEvents: 0, duplicates: 0, resyncs: 0 });
  });

  it('ignores anything a replaced client still delivers, so a switch cannot duplicate', () => {
    const { subscription, clients } = setup();
    subscription.switchTo('long-polling');
    clients[0]?.handlers.onSnapshot(snapshot(0), 'long-polling', 'initial');
    subscription.switchTo('polling');
    clients[0]?.handlers.onEvent(vote(1, 'a', 1), 'long-polling'); // a late answer of the aborted poll
    clients[1]?.handlers.onSnapshot(snapshot(1, { a: 1, b: 0 }), 'polling', 'poll');
    expect(subscription.tracker.counters.duplicates).toBe(0);
    expect(subscription.tracker.seq).toBe(1);
  });

  it('after a gap restarts the same transport from a fresh snapshot, and counts both', () => {
    const { subscription, clients, current } = setup();
    subscription.switchTo('sse');
    current().handlers.onSnapshot(snapshot(0), 'sse', 'initial');
    current().handlers.onEvent(vote(3, 'a', 3), 'sse');
    expect(clients).toHaveLength(2);
    expect(clients[0]?.stopped).toBe(true);
    expect(current().transport).toBe('sse');
    expect(current().startedWith).toBeUndefined();
    current().handlers.onSnapshot(snapshot(3, { a: 3, b: 0 }), 'sse', 'initial');
    expect(subscription.tracker.counters).toMatchObject({ gaps: 1, missedEvents: 2, resyncs: 1 });
  });

  it('takes a snapshot below the seq it holds (the feed started over) as one resync, then applies the new history, none of it a duplicate', () => {
    const { subscription, clients, current } = setup();
    subscription.switchTo('websocket');
    current().handlers.onSnapshot(snapshot(1270, { a: 700, b: 570 }), 'websocket', 'initial');
    for (let seq = 1271; seq <= 1277; seq++) current().handlers.onEvent(vote(seq, 'a', seq - 570), 'websocket');
    current().handlers.onSnapshot(snapshot(39, { a: 20, b: 19 }), 'websocket', 'resync');
    current().handlers.onEvent(vote(40, 'b', 20), 'websocket');
    current().handlers.onEvent(vote(41, 'a', 21), 'websocket');
    expect(subscription.tracker.counters).toEqual({ gaps: 0, missedEvents: 0, duplicates: 0, resyncs: 1 });
    expect(subscription.tracker.seq).toBe(41);
    expect(subscription.tracker.count('a')).toBe(21);
    expect(subscription.tracker.count('b')).toBe(20);
    expect(clients).toHaveLength(1); // no restart: the same transport goes on
  });

  it('reconfigure keeps the transport and the cursor', () => {
    const { subscription, current } = setup();
    subscription.switchTo('polling', { intervalMs: 1000 });
    current().handlers.onSnapshot(snapshot(7), 'polling', 'initial');
    subscription.reconfigure({ intervalMs: 250 });
    expect(current().transport).toBe('polling');
    expect(current().startedWith).toBe(7);
    expect(subscription.options.intervalMs).toBe(250);
  });

  it("passes on the current client's protocol errors, and none of a replaced client's", () => {
    const reported: string[] = [];
    const { subscription, clients } = setup({ onProtocolError: (error, transport) => reported.push(`${transport} ${error.source}`) });
    subscription.switchTo('websocket');
    clients[0]?.handlers.onProtocolError?.(new ProtocolError('ws frame', 'ServerFrame', 'got {}'), 'websocket');
    subscription.switchTo('sse');
    clients[0]?.handlers.onProtocolError?.(new ProtocolError('ws frame', 'ServerFrame', 'got []'), 'websocket');
    clients[1]?.handlers.onProtocolError?.(new ProtocolError('sse event (vote)', 'VoteEvent', 'got {}'), 'sse');
    expect(reported).toEqual(['websocket ws frame', 'sse sse event (vote)']);
  });
});

describe('FeedSubscription options and reports', () => {
  it('with resyncOnGap off, counts a gap and goes on with the same client', () => {
    const clients: HandClient[] = [];
    const subscription = new FeedSubscription(
      (name, handlers) => {
        const client = new HandClient(name, handlers);
        clients.push(client);
        return client;
      },
      {},
      { now: () => 0, resyncOnGap: false },
    );
    subscription.switchTo('websocket');
    clients[0]?.handlers.onSnapshot(snapshot(0), 'websocket', 'initial');
    clients[0]?.handlers.onEvent(vote(3, 'a', 3), 'websocket');
    expect(clients).toHaveLength(1);
    expect(subscription.tracker.counters).toMatchObject({ gaps: 1, missedEvents: 2 });
    expect(subscription.tracker.seq).toBe(3);
  });

  it('reports each delivery with the tracker’s judgement and the time it was applied, then the change', () => {
    const seen: string[] = [];
    let clock = 100;
    const clients: HandClient[] = [];
    const subscription = new FeedSubscription(
      (name, handlers) => {
        const client = new HandClient(name, handlers);
        clients.push(client);
        return client;
      },
      {
        onSnapshot: (s, transport, applied, at) => seen.push(`snapshot ${s.seq} ${transport} ${applied.kind} @${at}`),
        onEvent: (e, transport, applied, at) => seen.push(`vote ${e.seq} ${transport} ${applied.kind} @${at}`),
        onChange: (tracker) => seen.push(`change ${tracker.seq}`),
      },
      { now: () => clock++ },
    );
    subscription.switchTo('sse');
    clients[0]?.handlers.onSnapshot(snapshot(4), 'sse', 'initial');
    clients[0]?.handlers.onEvent(vote(5, 'a', 1), 'sse');
    clients[0]?.handlers.onEvent(vote(5, 'a', 1), 'sse');
    expect(seen).toEqual(['snapshot 4 sse baseline @100', 'change 4', 'vote 5 sse advanced @101', 'change 5', 'vote 5 sse duplicate @102', 'change 5']);
  });

  it('passes on the status and wire records of the current client under its name, none of a replaced one, and none after stop()', () => {
    const seen: string[] = [];
    const { subscription, clients } = setup({
      onStatus: (status, transport, detail) => seen.push(`${transport} ${status}${detail === undefined ? '' : ` ${detail}`}`),
      onWire: (record) => seen.push(`${record.transport} ${record.what}`),
    });
    subscription.switchTo('websocket');
    clients[0]?.handlers.onStatus?.('open');
    subscription.switchTo('polling');
    clients[0]?.handlers.onStatus?.('reconnecting', 'late');
    clients[0]?.handlers.onWire?.({ transport: 'websocket', what: 'ws close', bytesIn: 0, bytesOut: 0, empty: true, at: 0 });
    clients[1]?.handlers.onStatus?.('reconnecting', 'GET /api/ballot failed');
    clients[1]?.handlers.onWire?.({ transport: 'polling', what: 'GET /api/ballot', bytesIn: 10, bytesOut: 0, empty: false, at: 0 });
    expect(subscription.transport).toBe('polling');
    subscription.stop();
    expect(clients[1]?.stopped).toBe(true);
    expect(subscription.transport).toBeUndefined();
    expect(subscription.client).toBeUndefined();
    clients[1]?.handlers.onStatus?.('open');
    clients[1]?.handlers.onSnapshot(snapshot(9), 'polling', 'initial');
    expect(seen).toEqual(['websocket open', 'polling reconnecting GET /api/ballot failed', 'polling GET /api/ballot']);
    expect(subscription.tracker.seq).toBeUndefined();
  });

  it('keeps the options given before any transport for the first one', () => {
    const given: FeedClientOptions[] = [];
    const subscription = new FeedSubscription(
      (name, handlers, options) => {
        given.push(options);
        return new HandClient(name, handlers);
      },
      {},
      { now: () => 0 },
    );
    subscription.reconfigure({ intervalMs: 250 });
    expect(given).toEqual([]);
    subscription.switchTo('polling');
    expect(given).toEqual([{ intervalMs: 250 }]);
    expect(subscription.options).toEqual({ intervalMs: 250 });
  });

  it('neither applies nor reports a vote a replaced client delivers late, so the new client’s copy of it is no duplicate', () => {
    const seen: string[] = [];
    const { subscription, clients } = setup({ onEvent: (e, transport, applied) => seen.push(`${transport} ${e.seq} ${applied.kind}`) });
    subscription.switchTo('websocket');
    clients[0]?.handlers.onSnapshot(snapshot(0), 'websocket', 'initial');
    subscription.switchTo('sse');
    clients[0]?.handlers.onEvent(vote(1, 'a', 1), 'websocket');
    expect(subscription.tracker.seq).toBe(0);
    clients[1]?.handlers.onEvent(vote(1, 'a', 1), 'sse');
    expect(seen).toEqual(['sse 1 advanced']);
    expect(subscription.tracker.counters.duplicates).toBe(0);
  });

  it('listens only to a client once it is its own: what a client says while it is being made is dropped', () => {
    const seen: string[] = [];
    const subscription = new FeedSubscription(
      (name, handlers) => {
        handlers.onStatus?.('open', 'too early');
        handlers.onSnapshot(snapshot(5), name, 'initial');
        return new HandClient(name, handlers);
      },
      { onStatus: (status, transport) => seen.push(`${transport} ${status}`), onSnapshot: (s) => seen.push(`snapshot ${s.seq}`) },
      { now: () => 0 },
    );
    subscription.switchTo('websocket');
    expect(seen).toEqual([]);
    expect(subscription.tracker.seq).toBeUndefined();
    subscription.stop();
  });
});
