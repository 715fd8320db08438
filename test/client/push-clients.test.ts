import { describe, expect, it } from 'vitest';
import type { ProtocolError } from '../../src/client/decode.ts';
import { SseClient } from '../../src/client/sse-client.ts';
import type { ClientEnvironment, ConnectionStatus, FeedClientHandlers, FeedClientOptions, WireRecord } from '../../src/client/types.ts';
import { WebSocketClient } from '../../src/client/websocket-client.ts';
import { fakeEnvironment, ManualTimers } from './fake-env.ts';
import { snapshot, vote } from './fixtures.ts';

/** Just enough of a WebSocket for the client: the test opens, sends frames and closes by hand. */
class FakeSocket {
  static made: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  closedWith: number | undefined;
  closedReason: string | undefined;
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  readonly url: string;
  constructor(url: string) {
    this.url = url;
    FakeSocket.made.push(this);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(code: number, reason?: string): void {
    this.closedWith = code;
    this.closedReason = reason;
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }
  frame(value: unknown): void {
    this.onmessage?.({ data: JSON.stringify(value) });
  }
  raw(data: unknown): void {
    this.onmessage?.({ data });
  }
  drop(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

/** Just enough of an EventSource: named events, errors, and readyState. */
class FakeEventSource {
  static made: FakeEventSource[] = [];
  readyState = 0;
  closed = false;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  readonly #listeners = new Map<string, ((event: { data: string }) => void)[]>();
  readonly url: string;
  readonly withCredentials: boolean;
  constructor(url: string, init?: { withCredentials?: boolean }) {
    this.url = url;
    this.withCredentials = init?.withCredentials ?? false;
    FakeEventSource.made.push(this);
  }
  addEventListener(type: string, listener: (event: { data: string }) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  emit(type: string, value: unknown): void {
    for (const listener of this.#listeners.get(type) ?? []) listener({ data: JSON.stringify(value) });
  }
  fail(readyState: 0 | 2): void {
    this.readyState = readyState;
    this.onerror?.();
  }
}

function recorder() {
  const got: string[] = [];
  const statuses: ConnectionStatus[] = [];
  const details: (string | undefined)[] = [];
  const notes: string[] = [];
  const protocolErrors: ProtocolError[] = [];
  const wire: WireRecord[] = [];
  const handlers: FeedClientHandlers = {
    onSnapshot: (s, _t, reason) => got.push(`snapshot ${s.seq} ${reason}`),
    onEvent: (e) => got.push(`vote ${e.seq}`),
    onStatus: (s, detail) => {
      statuses.push(s);
      details.push(detail);
    },
    onWire: (record) => {
      wire.push(record);
      if (record.note !== undefined) notes.push(record.note);
    },
    onProtocolError: (error) => protocolErrors.push(error),
  };
  return { got, statuses, details, notes, protocolErrors, wire, handlers };
}

/** A client over the fakes above, with manual timers and a backoff without jitter (125 ms, 250 ms, ...). */
function setup<C>(parts: Partial<ClientEnvironment>, make: (env: ClientEnvironment, handlers: FeedClientHandlers, options: FeedClientOptions) => C) {
  FakeSocket.made = [];
  FakeEventSource.made = [];
  const timers = new ManualTimers();
  const recorded = recorder();
  const client = make(fakeEnvironment(timers, parts), recorded.handlers, { backoff: { random: () => 0 } });
  return { timers, client, ...recorded };
}

const webSocketClient = () =>
  setup({ WebSocket: FakeSocket as unknown as ClientEnvironment['WebSocket'] }, (env, handlers, options) => new WebSocketClient(env, handlers, options));
const sseClient = () =>
  setup({ EventSource: FakeEventSource as unknown as ClientEnvironment['EventSource'] }, (env, handlers, options) => new SseClient(env, handlers, options));

describe('WebSocketClient', () => {
  it('connects with ?since= when it holds a cursor, and reconnects from its latest seq after a drop', () => {
    const { timers, client, got, statuses } = webSocketClient();
    client.start(4);
    expect(FakeSocket.made[0]?.url).toBe('ws://votewire.test/api/ws?since=4');
    FakeSocket.made[0]?.open();
    FakeSocket.made[0]?.frame(vote(5, 'a', 1));
    FakeSocket.made[0]?.frame(vote(6, 'a', 2));
    FakeSocket.made[0]?.drop(1001, 'server shutting down');
    expect(statuses).toEqual(['connecting', 'open', 'reconnecting']);
    timers.advance(125);
    expect(FakeSocket.made[1]?.url).toBe('ws://votewire.test/api/ws?since=6');
    FakeSocket.made[1]?.open();
    FakeSocket.made[1]?.frame(snapshot(0)); // the restarted server forgot seq 6
    expect(got).toEqual(['vote 5', 'vote 6', 'snapshot 0 resync']);
    client.stop();
    expect(FakeSocket.made[1]?.closedWith).toBe(1000);
  });

  it('takes a snapshot below its seq on the open socket (the feed started over) as a resync, and follows the new history from it', () => {
    const { timers, client, got } = webSocketClient();
    client.start(1276);
    FakeSocket.made[0]?.open();
    FakeSocket.made[0]?.frame(vote(1277, 'a', 700));
    FakeSocket.made[0]?.frame(snapshot(39, { a: 20, b: 19 }));
    FakeSocket.made[0]?.frame(vote(40, 'b', 20));
    expect(got).toEqual(['vote 1277', 'snapshot 39 resync', 'vote 40']);
    // Its own reconnect resumes from the new history, not from the seq it held before.
    FakeSocket.made[0]?.drop(1006);
    timers.advance(125);
    expect(FakeSocket.made[1]?.url).toBe('ws://votewire.test/api/ws?since=40');
    client.stop();
  });

  it('without a cursor, the first frame is the baseline snapshot; votes can go out on the socket', () => {
    const { client, got } = webSocketClient();
    client.start(undefined);
    expect(FakeSocket.made[0]?.url).toBe('ws://votewire.test/api/ws');
    expect(client.sendVote('a', 'v1')).toBe(false); // not open yet
    FakeSocket.made[0]?.open();
    FakeSocket.made[0]?.frame(snapshot(2));
    expect(client.sendVote('a', 'v1')).toBe(true);
    expect(JSON.parse(FakeSocket.made[0]?.sent[0] ?? '')).toEqual({ type: 'vote', candidateId: 'a', voteId: 'v1' });
    expect(got).toEqual(['snapshot 2 initial']);
    client.stop();
  });

  it('reports a frame that breaks the contract, drops the socket and reconnects from the last seq delivered', () => {
    const { timers, client, got, statuses, protocolErrors } = webSocketClient();
    client.start(4);
    const first = FakeSocket.made[0];
    first?.open();
    first?.frame(vote(5, 'a', 1));
    first?.frame({ ...vote(6, 'a', 2), count: '2' });
    expect(protocolErrors).toHaveLength(1);
    expect(protocolErrors[0]).toMatchObject({ source: 'ws frame', expected: 'ServerFrame' });
    expect(client.protocolErrors).toBe(1);
    expect(first?.closedWith).toBe(1000);
    expect(statuses).toEqual(['connecting', 'open', 'reconnecting']);
    // Whatever the old socket still says is not listened to.
    first?.frame(vote(6, 'a', 2));
    timers.advance(125);
    const second = FakeSocket.made[1];
    expect(second?.url).toBe('ws://votewire.test/api/ws?since=5');
    second?.open();
    second?.raw(new ArrayBuffer(4)); // a binary frame is not in the contract either
    expect(protocolErrors[1]?.problem).toBe('not text');
    timers.advance(250);
    const third = FakeSocket.made[2];
    expect(third?.url).toBe('ws://votewire.test/api/ws?since=5');
    third?.open();
    third?.frame(vote(6, 'a', 2));
    expect(got).toEqual(['vote 5', 'vote 6']);
    expect(statuses.at(-1)).toBe('open');
    client.stop();
  });

  it('notes an error frame and keeps the socket: the server refused a vote, the feed is fine', () => {
    const { client, got, notes, protocolErrors } = webSocketClient();
    client.start(1);
    FakeSocket.made[0]?.open();
    FakeSocket.made[0]?.frame({ type: 'error', error: 'unknown_candidate', message: 'No candidate "z"' });
    FakeSocket.made[0]?.frame(vote(2, 'a', 1));
    expect(notes).toContain('unknown_candidate: No candidate "z"');
    expect(protocolErrors).toEqual([]);
    expect(FakeSocket.made).toHaveLength(1);
    expect(FakeSocket.made[0]?.closedWith).toBeUndefined();
    expect(got).toEqual(['vote 2']);
    // An error frame with a code outside the contract is a broken contract.
    FakeSocket.made[0]?.frame({ type: 'error', error: 'teapot', message: 'short and stout' });
    expect(protocolErrors).toHaveLength(1);
    client.stop();
  });
});

describe('WebSocketClient cursor and wire log', () => {
  it('never moves its cursor backwards on a repeated vote: a reconnect resumes after the newest seq it delivered', () => {
    const { timers, client, got } = webSocketClient();
    client.start(4);
    const socket = FakeSocket.made[0];
    socket?.open();
    socket?.frame(vote(5, 'a', 1));
    socket?.frame(vote(6, 'a', 2));
    socket?.frame(vote(5, 'a', 1)); // a repeat is handed on (the tracker above counts it) ...
    expect(got).toEqual(['vote 5', 'vote 6', 'vote 5']);
    socket?.drop(1006);
    timers.advance(125);
    expect(FakeSocket.made[1]?.url).toBe('ws://votewire.test/api/ws?since=6'); // ... but does not set the cursor back
    client.stop();
  });

  it('logs a frame that breaks the contract as an empty "ws frame" with what is wrong', () => {
    const { client, wire, protocolErrors } = webSocketClient();
    client.start(4);
    FakeSocket.made[0]?.open();
    FakeSocket.made[0]?.raw('{"type":"vote"}');
    expect(protocolErrors).toHaveLength(1);
    expect(wire.at(-1)).toEqual({
      transport: 'websocket',
      what: 'ws frame',
      bytesIn: '{"type":"vote"}'.length,
      bytesOut: 0,
      empty: true,
      note: protocolErrors[0]?.problem,
      at: 0,
    });
    client.stop();
  });
});

describe('SseClient status', () => {
  it('is open once the stream opens, says why it is reconnecting, and starts the backoff over after the stream opened again', () => {
    const { timers, client, statuses, details } = sseClient();
    client.start(1);
    expect(statuses).toEqual(['connecting']);
    FakeEventSource.made[0]?.onopen?.();
    expect(statuses).toEqual(['connecting', 'open']);
    FakeEventSource.made[0]?.fail(0);
    expect(details.at(-1)).toBe('event stream lost; the browser is reconnecting with Last-Event-ID');
    FakeEventSource.made[0]?.fail(2);
    expect(details.at(-1)).toBe('the event stream failed');
    timers.advance(125);
    FakeEventSource.made[1]?.fail(2); // never opened: the next wait is longer
    timers.advance(250);
    FakeEventSource.made[2]?.onopen?.();
    FakeEventSource.made[2]?.fail(2); // it had opened: the first delay again
    timers.advance(125);
    expect(FakeEventSource.made).toHaveLength(4);
    expect(statuses).toEqual(['connecting', 'open', 'reconnecting', 'reconnecting', 'reconnecting', 'open', 'reconnecting']);
    client.stop();
  });

  it('once stopped, ignores whatever its closed stream still fires: no status, no vote, no reconnect', () => {
    const { timers, client, got, statuses } = sseClient();
    client.start(1);
    const source = FakeEventSource.made[0];
    source?.onopen?.();
    client.stop();
    expect(source?.closed).toBe(true);
    source?.onopen?.();
    source?.emit('vote', vote(2, 'a', 1));
    source?.fail(0);
    source?.fail(2);
    timers.advance(60_000);
    expect(got).toEqual([]);
    expect(statuses).toEqual(['connecting', 'open', 'closed']);
    expect(FakeEventSource.made).toHaveLength(1);
  });
});

describe('SseClient', () => {
  it('hands the cursor over in ?since=, leaves transient errors to the browser, and reconnects itself only when it gave up', () => {
    const { timers, client, got, statuses } = sseClient();
    client.start(9);
    const first = FakeEventSource.made[0];
    expect(first?.url).toBe('http://votewire.test/api/sse?since=9');
    // The session cookie goes along even when the page is served from another origin than the feed.
    expect(first?.withCredentials).toBe(true);
    first?.onopen?.();
    first?.emit('vote', vote(10, 'b', 1));
    first?.fail(0); // CONNECTING: the browser retries with Last-Event-ID itself
    expect(FakeEventSource.made).toHaveLength(1);
    expect(statuses.at(-1)).toBe('reconnecting');
    first?.onopen?.();
    first?.emit('vote', vote(11, 'b', 2));
    first?.fail(2); // CLOSED: the browser gave up
    expect(first?.closed).toBe(true);
    timers.advance(125);
    expect(FakeEventSource.made[1]?.url).toBe('http://votewire.test/api/sse?since=11');
    expect(got).toEqual(['vote 10', 'vote 11']);
    client.stop();
    expect(FakeEventSource.made[1]?.closed).toBe(true);
  });

  it('reports an event that breaks the contract and reconnects itself from the last seq delivered, not from its Last-Event-ID', () => {
    const { timers, client, got, protocolErrors } = sseClient();
    client.start(9);
    const first = FakeEventSource.made[0];
    first?.onopen?.();
    first?.emit('vote', vote(10, 'b', 1));
    first?.emit('vote', { type: 'vote', seq: 11 });
    expect(protocolErrors).toHaveLength(1);
    expect(protocolErrors[0]).toMatchObject({ source: 'sse event (vote)', expected: 'VoteEvent' });
    expect(first?.closed).toBe(true);
    first?.emit('snapshot', { ...snapshot(12), candidates: 'none' }); // closed: not listened to any more
    expect(protocolErrors).toHaveLength(1);
    timers.advance(125);
    const second = FakeEventSource.made[1];
    expect(second?.url).toBe('http://votewire.test/api/sse?since=10');
    second?.emit('snapshot', { ...snapshot(12), candidates: 'none' });
    expect(protocolErrors[1]).toMatchObject({ source: 'sse event (snapshot)', expected: 'Snapshot' });
    timers.advance(250);
    FakeEventSource.made[2]?.emit('vote', vote(11, 'b', 2));
    expect(got).toEqual(['vote 10', 'vote 11']);
    expect(client.protocolErrors).toBe(2);
    client.stop();
  });
});

/** The wire log the demo shows: one line per exchange, with what went each way. */
describe('the wire log of the push clients', () => {
  it('shows a WebSocket’s upgrade, each frame with its kind and size, a vote sent, a refusal and the close', () => {
    const { client, wire } = webSocketClient();
    client.start(4);
    const socket = FakeSocket.made[0];
    socket?.open();
    const event = JSON.stringify(vote(5, 'a', 1));
    socket?.raw(event);
    const snap = JSON.stringify(snapshot(0));
    socket?.raw(snap);
    client.sendVote('a');
    const refusal = JSON.stringify({ type: 'error', error: 'rate_limited', message: 'slow down' });
    socket?.raw(refusal);
    socket?.drop(4008, 'too slow');
    expect(wire).toMatchObject([
      { transport: 'websocket', what: 'GET /api/ws?since=4 (upgrade)', bytesIn: 0, bytesOut: 0, empty: true, events: 0 },
      { transport: 'websocket', what: 'ws frame (vote)', bytesIn: event.length, bytesOut: 0, empty: false, events: 1 },
      { transport: 'websocket', what: 'ws frame (snapshot)', bytesIn: snap.length, bytesOut: 0, empty: false, events: 0 },
      { transport: 'websocket', what: 'ws frame out (vote)', bytesIn: 0, bytesOut: '{"type":"vote","candidateId":"a"}'.length, empty: false },
      { transport: 'websocket', what: 'ws frame (error)', bytesIn: refusal.length, bytesOut: 0, empty: true, note: 'rate_limited: slow down' },
      { transport: 'websocket', what: 'ws close', bytesIn: 0, bytesOut: 0, empty: true, note: '4008 too slow' },
    ]);
    client.stop();
  });

  it('shows a WebSocket close without a reason by its code alone, and says why in the reconnect status', () => {
    const { client, wire, details } = webSocketClient();
    client.start(undefined);
    FakeSocket.made[0]?.drop(1006);
    expect(wire.at(-1)).toMatchObject({ what: 'ws close', note: '1006' });
    expect(details.at(-1)).toBe('WebSocket closed (1006)');
    client.stop();
  });

  it('shows an SSE stream’s request and each event with its kind and size, and a bad event with what is wrong', () => {
    const { client, wire } = sseClient();
    client.start(undefined);
    const source = FakeEventSource.made[0];
    source?.onopen?.();
    source?.emit('snapshot', snapshot(3));
    source?.emit('vote', vote(4, 'a', 1));
    source?.emit('vote', { type: 'vote', seq: 5 });
    expect(wire).toMatchObject([
      { transport: 'sse', what: 'GET /api/sse', bytesIn: 0, bytesOut: 0, empty: true, events: 0 },
      { transport: 'sse', what: 'sse event (snapshot)', bytesIn: JSON.stringify(snapshot(3)).length, bytesOut: 0, empty: false, events: 0 },
      { transport: 'sse', what: 'sse event (vote)', bytesIn: JSON.stringify(vote(4, 'a', 1)).length, bytesOut: 0, empty: false, events: 1 },
      { transport: 'sse', what: 'sse event (vote)', bytesIn: '{"type":"vote","seq":5}'.length, bytesOut: 0, empty: true, note: expect.any(String) as string },
    ]);
    client.stop();
  });
});

describe('stopping a WebSocket client', () => {
  it('lets a socket that is still connecting open before closing it (closing it earlier makes browsers log an error), and closes an open one at once', () => {
    const { client } = webSocketClient();
    client.start(undefined);
    const connecting = FakeSocket.made[0];
    client.stop();
    expect(connecting?.closedWith).toBeUndefined();
    connecting?.open();
    expect([connecting?.closedWith, connecting?.closedReason]).toEqual([1000, 'client switched']);

    client.start(undefined);
    const open = FakeSocket.made[1];
    open?.open();
    client.stop();
    expect([open?.closedWith, open?.closedReason]).toEqual([1000, 'client stopped']);
  });
});

describe('a push client whose connection cannot even be made', () => {
  it('retries with backoff when the WebSocket or EventSource constructor throws, and says why', () => {
    let throwsLeft = 1;
    class RefusingSocket extends FakeSocket {
      constructor(url: string) {
        if (throwsLeft-- > 0) throw new SyntaxError('blocked by the page');
        super(url);
      }
    }
    const ws = setup(
      { WebSocket: RefusingSocket as unknown as ClientEnvironment['WebSocket'] },
      (env, handlers, options) => new WebSocketClient(env, handlers, options),
    );
    ws.client.start(3);
    expect(ws.statuses).toEqual(['connecting', 'reconnecting']);
    expect(ws.details.at(-1)).toBe('could not open a WebSocket: SyntaxError: blocked by the page');
    ws.timers.advance(125);
    expect(FakeSocket.made[0]?.url).toBe('ws://votewire.test/api/ws?since=3');
    ws.client.stop();

    throwsLeft = 1;
    class RefusingSource extends FakeEventSource {
      constructor(url: string, init?: { withCredentials?: boolean }) {
        if (throwsLeft-- > 0) throw new SyntaxError('blocked by the page');
        super(url, init);
      }
    }
    const sse = setup(
      { EventSource: RefusingSource as unknown as ClientEnvironment['EventSource'] },
      (env, handlers, options) => new SseClient(env, handlers, options),
    );
    sse.client.start(3);
    expect(sse.details.at(-1)).toBe('could not open an EventSource: SyntaxError: blocked by the page');
    sse.timers.advance(125);
    expect(FakeEventSource.made[0]?.url).toBe('http://votewire.test/api/sse?since=3');
    sse.client.stop();
  });
});
