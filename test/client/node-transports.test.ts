/**
 * The shared client layer in Node, against a real listening server, with Node's own WHATWG fetch and
 * WebSocket (the same interfaces a browser gives it) and the `eventsource` package (Node has no
 * EventSource without a flag). Each transport must deliver the baseline snapshot and then a vote cast
 * after it, and hand its cursor over to the next transport. The bench runs the same layer over `ws`
 * and undici (bench/load/node-client-environment.ts), which its own tests cover.
 */
import { EventSource } from 'eventsource';
import { beforeAll, describe, expect, it } from 'vitest';
import { CursorTracker } from '../../src/client/cursor.ts';
import { createClient, TRANSPORTS } from '../../src/client/registry.ts';
import type { ClientEnvironment, FeedClient, TransportName } from '../../src/client/types.ts';
import { castVote, createSession, startServer, type RunningServer, type Session } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

describe('client layer in Node against the real server', () => {
  let server: RunningServer;
  let session: Session;
  let env: ClientEnvironment;

  beforeAll(async () => {
    server = await startServer();
    session = await createSession(server.url, 'node client');
    env = {
      baseUrl: server.url,
      // The session cookie rides along, as the browser's cookie jar would add it.
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set('cookie', session.cookie);
        return fetch(input, { ...init, headers });
      },
      WebSocket: CookieWebSocket,
      EventSource,
      now: () => performance.timeOrigin + performance.now(),
    };
    // Registered only once the server runs: a failed start leaves nothing to close.
    return () => server.close();
  });

  /** Node's WebSocket takes headers as an extension of its init argument: the cookie goes there. */
  class CookieWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, { headers: { cookie: session.cookie } });
    }
  }

  it.each(TRANSPORTS)('%s: baseline snapshot, then a vote cast afterwards', async (transport: TransportName) => {
    const tracker = new CursorTracker();
    const protocolErrors: string[] = [];
    const client = createClient(
      transport,
      env,
      {
        onSnapshot: (snapshot, _t, reason) => tracker.applySnapshot(snapshot, reason),
        onEvent: (event) => tracker.applyEvent(event),
        onProtocolError: (error) => protocolErrors.push(error.message),
      },
      { intervalMs: 100, clientId: `node-${transport}` },
    );
    client.start(undefined);
    try {
      await waitFor('baseline', () => tracker.seq);
      const { body } = await castVote(server.url, session, { candidateId: 'push', voteId: `n-${transport}` });
      const seq = (body as { event: { seq: number } }).event.seq;
      await waitFor(`seq ${seq}`, () => (tracker.seq ?? -1) >= seq);
      expect(tracker.count('push')).toBe(server.feed.snapshot().candidates.find((c) => c.id === 'push')?.count);
      expect(tracker.counters).toEqual({ gaps: 0, missedEvents: 0, duplicates: 0, resyncs: 0 });
      // Every answer of the real server passed the client's check against the contract.
      expect(protocolErrors).toEqual([]);
    } finally {
      client.stop();
    }
  });

  it('hands one cursor through all four transports with votes in between: no gap, no duplicate', async () => {
    const tracker = new CursorTracker();
    let client: FeedClient | undefined;
    const use = (transport: TransportName) => {
      client?.stop();
      client = createClient(
        transport,
        env,
        {
          onSnapshot: (snapshot, _t, reason) => tracker.applySnapshot(snapshot, reason),
          onEvent: (event) => tracker.applyEvent(event),
        },
        { intervalMs: 100, clientId: 'node-handover' },
      );
      client.start(tracker.seq);
    };
    use('websocket');
    await waitFor('baseline', () => tracker.seq);
    for (const transport of ['sse', 'long-polling', 'polling', 'websocket'] as const) {
      // Votes while nobody listens: the next transport must pick them up from the cursor.
      client?.stop();
      await castVote(server.url, session, { candidateId: 'polling' });
      await castVote(server.url, session, { candidateId: 'long-polling' });
      use(transport);
      const head = server.feed.head();
      await waitFor(`${transport} to reach ${head}`, () => (tracker.seq ?? -1) >= head);
    }
    client?.stop();
    expect(tracker.counters).toEqual({ gaps: 0, missedEvents: 0, duplicates: 0, resyncs: 0 });
    expect(tracker.candidates).toEqual(server.feed.snapshot().candidates);
  });
});
