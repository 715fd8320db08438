import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/client/decode.ts';
import { FeedSubscription, type ClientFactory, type SubscriptionListener } from '../../src/client/subscription.ts';
import type { FeedClient, FeedClientHandlers, TransportName } from '../../src/client/types.ts';
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
