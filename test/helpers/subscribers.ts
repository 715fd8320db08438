/**
 * Minimal, independent clients of the wire contract, one per push transport, for the server tests.
 * They are deliberately not the product's client layer (src/client): the server is tested against the
 * contract as written, by code that shares nothing with it.
 */
import { request } from 'undici';
import WebSocket from 'ws';
import { frameText } from '../../src/transports/ws-frames.ts';
import type { Snapshot, VoteEvent } from '../../src/feed/types.ts';
import type { Session } from './server.ts';

export type PushTransport = 'long-polling' | 'websocket' | 'sse';
export const PUSH_TRANSPORTS: readonly PushTransport[] = ['long-polling', 'websocket', 'sse'];

export interface TestSubscriber {
  readonly transport: PushTransport;
  readonly events: VoteEvent[];
  readonly snapshots: Snapshot[];
  /** Events and snapshots together, in the order they arrived. */
  readonly deliveries: (VoteEvent | Snapshot)[];
  readonly errors: unknown[];
  close(): Promise<void>;
}

export interface SubscribeOptions {
  since?: number;
  /** Long polling only. @default 2000 */
  timeoutMs?: number;
  clientId?: string;
  /** SSE only: a Last-Event-ID header as a browser would send it on reconnect (overrides `since`). */
  lastEventId?: string;
}

export function subscribe(transport: PushTransport, url: string, session: Session, options: SubscribeOptions = {}): TestSubscriber {
  switch (transport) {
    case 'long-polling':
      return longPollSubscriber(url, session, options);
    case 'websocket':
      return wsSubscriber(url, session, options);
    case 'sse':
      return sseSubscriber(url, session, options);
  }
}

/** What a subscriber received so far: the lists a TestSubscriber shows. */
class Inbox {
  readonly events: VoteEvent[] = [];
  readonly snapshots: Snapshot[] = [];
  readonly deliveries: (VoteEvent | Snapshot)[] = [];
  readonly errors: unknown[] = [];

  deliver(item: VoteEvent | Snapshot): void {
    if (item.type === 'vote') this.events.push(item);
    else this.snapshots.push(item);
    this.deliveries.push(item);
  }

  subscriber(transport: PushTransport, close: () => Promise<void>): TestSubscriber {
    return { transport, events: this.events, snapshots: this.snapshots, deliveries: this.deliveries, errors: this.errors, close };
  }
}

function longPollSubscriber(url: string, session: Session, options: SubscribeOptions): TestSubscriber {
  const inbox = new Inbox();
  const controller = new AbortController();
  const clientId = options.clientId ?? `t${Math.random().toString(36).slice(2, 10)}`;
  let since = options.since;
  const loop = (async () => {
    while (!controller.signal.aborted) {
      const query = new URLSearchParams({ client: clientId, timeout: String(options.timeoutMs ?? 2000) });
      if (since !== undefined) query.set('since', String(since));
      try {
        const response = await fetch(`${url}/api/long-poll?${query}`, { headers: { cookie: session.cookie }, signal: controller.signal });
        if (response.status === 204) continue;
        const body = (await response.json()) as { events?: VoteEvent[]; snapshot?: Snapshot };
        if (response.status !== 200) {
          inbox.errors.push(body);
          return;
        }
        if (body.snapshot !== undefined) {
          inbox.deliver(body.snapshot);
          since = body.snapshot.seq;
        }
        for (const event of body.events ?? []) {
          inbox.deliver(event);
          since = event.seq;
        }
      } catch (error) {
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- close() aborts while fetch is awaited; TypeScript keeps the loop condition's narrowing across the await.
        if (!controller.signal.aborted) inbox.errors.push(error);
        return;
      }
    }
  })();
  return inbox.subscriber('long-polling', async () => {
    controller.abort();
    await loop;
  });
}

function wsSubscriber(url: string, session: Session, options: SubscribeOptions): TestSubscriber {
  const inbox = new Inbox();
  const query = options.since === undefined ? '' : `?since=${options.since}`;
  const socket = new WebSocket(`${url.replace('http', 'ws')}/api/ws${query}`, { headers: { cookie: session.cookie } });
  socket.on('message', (data) => {
    const frame = JSON.parse(frameText(data)) as VoteEvent | Snapshot | { type: 'error' };
    if (frame.type === 'vote' || frame.type === 'snapshot') inbox.deliver(frame);
    else inbox.errors.push(frame);
  });
  socket.on('error', (error) => inbox.errors.push(error));
  return inbox.subscriber('websocket', async () => {
    if (socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.terminate();
    });
  });
}

export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/** Splits an event stream into messages (the parts of the format this server uses). */
export function parseSseChunk(buffer: string): { messages: SseMessage[]; rest: string } {
  const messages: SseMessage[] = [];
  const blocks = buffer.split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    const message: SseMessage = { data: '' };
    let hasData = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') message.id = value;
      else if (field === 'event') message.event = value;
      else if (field === 'data') {
        message.data += (hasData ? '\n' : '') + value;
        hasData = true;
      }
    }
    if (hasData) messages.push(message);
  }
  return { messages, rest };
}

function sseSubscriber(url: string, session: Session, options: SubscribeOptions = {}): TestSubscriber {
  const inbox = new Inbox();
  const controller = new AbortController();
  const headers: Record<string, string> = { cookie: session.cookie, accept: 'text/event-stream' };
  if (options.since !== undefined) headers['last-event-id'] = String(options.since);
  if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
  const done = (async () => {
    try {
      const response = await request(`${url}/api/sse`, { headers, signal: controller.signal, bodyTimeout: 0, headersTimeout: 0 });
      if (response.statusCode !== 200) {
        inbox.errors.push({ status: response.statusCode, body: await response.body.text() });
        return;
      }
      let buffer = '';
      for await (const chunk of response.body) {
        buffer += (chunk as Buffer).toString('utf8');
        const parsed = parseSseChunk(buffer);
        buffer = parsed.rest;
        for (const message of parsed.messages) {
          const data = JSON.parse(message.data) as VoteEvent | Snapshot;
          if (message.event === 'vote' && data.type === 'vote') {
            if (message.id !== String(data.seq)) inbox.errors.push(`id ${message.id} != seq ${data.seq}`);
            inbox.deliver(data);
          } else if (message.event === 'snapshot' && data.type === 'snapshot') inbox.deliver(data);
          else inbox.errors.push(message);
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) inbox.errors.push(error);
    }
  })();
  return inbox.subscriber('sse', async () => {
    controller.abort();
    await done;
  });
}

/** seqs that are missing, duplicated or out of order in `events`, given the expected range (from, to]. */
export function coherence(events: readonly VoteEvent[], from: number, to: number): { missing: number[]; duplicates: number[]; outOfOrder: number } {
  const seen = new Map<number, number>();
  let outOfOrder = 0;
  let last = from;
  for (const event of events) {
    seen.set(event.seq, (seen.get(event.seq) ?? 0) + 1);
    if (event.seq <= last) outOfOrder++;
    last = Math.max(last, event.seq);
  }
  const missing: number[] = [];
  for (let seq = from + 1; seq <= to; seq++) if (!seen.has(seq)) missing.push(seq);
  const duplicates = [...seen].filter(([, n]) => n > 1).map(([seq]) => seq);
  return { missing, duplicates, outOfOrder };
}
