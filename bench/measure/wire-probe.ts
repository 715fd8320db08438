import { connect, createConnection, type NetConnectOpts, type Socket } from 'node:net';
import { once } from 'node:events';
import { request } from 'undici';
import WebSocket from 'ws';
import { browserHeaders } from '../load/browser-headers.ts';
import { frameText } from '../../src/transports/ws-frames.ts';
import type { WireProbe } from '../results/types.ts';

/**
 * Single exchanges captured byte for byte on raw sockets: the inputs of the report's header and
 * framing arithmetic ("model vs measured"). The run's own figures come from the socket counters;
 * these only say what one request, response, event or frame weighs.
 */
export async function probeWire(baseUrl: string, cookie: string, candidateId: string): Promise<WireProbe[]> {
  const { port } = new URL(baseUrl);
  const vote = (): Promise<{ seq: number; json: string }> => castVote(baseUrl, cookie, candidateId);
  const first = await vote();
  const base = requestHead(baseUrl, cookie);

  const ballot200 = await exchange(Number(port), `GET /api/ballot HTTP/1.1\r\n${base}\r\n`);
  const ballot304 = await exchange(Number(port), `GET /api/ballot HTTP/1.1\r\n${base}if-none-match: "${first.seq}"\r\n\r\n`);
  const latest = await vote();
  const longPoll = await exchange(Number(port), `GET /api/long-poll?client=bench-probe&since=${latest.seq - 1} HTTP/1.1\r\n${base}\r\n`);
  const eventJsonBytes = Buffer.byteLength(latest.json);
  return [
    { name: 'ballot-200', ...ballot200, eventJsonBytes, chunked: false },
    { name: 'ballot-304', ...ballot304, eventJsonBytes, chunked: false },
    { name: 'long-poll-200', ...longPoll, eventJsonBytes, chunked: false },
    await probeSse(Number(port), base, vote),
    await probeWebSocket(baseUrl, cookie, vote),
  ];
}

/** Host, browser-like headers and the cookie, as the subscribers send them (without the blank line). */
function requestHead(baseUrl: string, cookie: string): string {
  const { host } = new URL(baseUrl);
  const lines = [`host: ${host}`, ...Object.entries(browserHeaders(baseUrl)).map(([k, v]) => `${k}: ${v}`), `cookie: ${cookie}`];
  return lines.map((line) => `${line}\r\n`).join('');
}

async function castVote(baseUrl: string, cookie: string, candidateId: string): Promise<{ seq: number; json: string }> {
  const response = await request(`${baseUrl}/api/votes`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ candidateId, voteId: `probe-${Date.now()}` }),
  });
  const { event } = (await response.body.json()) as { event: { seq: number } };
  return { seq: event.seq, json: JSON.stringify(event) };
}

interface Exchange {
  requestBytes: number;
  responseHeaderBytes: number;
  responseBodyBytes: number;
}

/** Sends one request and reads one complete (content-length) response. */
async function exchange(port: number, text: string): Promise<Exchange> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(text);
  let received = Buffer.alloc(0);
  try {
    for await (const chunk of socket as AsyncIterable<Buffer>) {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) continue;
      const head = received.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (received.length >= end + 4 + length) {
        return { requestBytes: Buffer.byteLength(text), responseHeaderBytes: end + 4, responseBodyBytes: length };
      }
    }
    throw new Error(`connection closed before a full response to ${text.split('\r\n')[0]}`);
  } finally {
    socket.destroy();
  }
}

/** Opens a raw SSE stream, waits for its first event (the snapshot), then weighs one vote event. */
async function probeSse(port: number, base: string, vote: () => Promise<{ seq: number; json: string }>): Promise<WireProbe> {
  const text = `GET /api/sse HTTP/1.1\r\n${base}accept: text/event-stream\r\n\r\n`.replace('accept: */*\r\n', '');
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(text);
  try {
    const head = await readUntil(socket, (buffer) => buffer.includes('\n\n', buffer.indexOf('\r\n\r\n') + 4));
    const headerEnd = head.indexOf('\r\n\r\n') + 4;
    const chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head.subarray(0, headerEnd).toString('latin1'));
    const cast = await vote();
    // An event ends with a blank line (and, chunked, the chunk's CRLF): wait for the end of the one with our seq.
    const event = await readUntil(socket, (buffer) => buffer.includes(`"seq":${cast.seq}`) && buffer.toString('latin1').endsWith('\n'));
    return {
      name: 'sse-event',
      requestBytes: Buffer.byteLength(text),
      responseHeaderBytes: headerEnd,
      responseBodyBytes: event.length,
      eventJsonBytes: Buffer.byteLength(cast.json),
      chunked,
    };
  } finally {
    socket.destroy();
  }
}

/** Reads from the socket until `done` holds for what was read, then waits `settleMs` more for stragglers. */
async function readUntil(socket: Socket, done: (buffer: Buffer) => boolean, settleMs = 100): Promise<Buffer> {
  let received = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    received = Buffer.concat([received, chunk]);
  };
  socket.on('data', onData);
  const deadline = Date.now() + 5000;
  while (!done(received) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, settleMs));
  socket.off('data', onData);
  return received;
}

/** Opens a WebSocket over a counted socket and weighs the frame of one vote event. */
async function probeWebSocket(baseUrl: string, cookie: string, vote: () => Promise<{ seq: number; json: string }>): Promise<WireProbe> {
  let socket: Socket | undefined;
  const client = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/ws`, {
    headers: { cookie },
    perMessageDeflate: false,
    createConnection: ((options: NetConnectOpts) => {
      socket = createConnection(options);
      return socket;
    }) as typeof createConnection,
  });
  const messages: string[] = [];
  client.on('message', (data) => messages.push(frameText(data)));
  try {
    await once(client, 'open');
    while (messages.length === 0) await new Promise((r) => setTimeout(r, 10));
    const before = socket?.bytesRead ?? 0;
    const cast = await vote();
    while (!messages.some((m) => m.includes(`"seq":${cast.seq}`))) await new Promise((r) => setTimeout(r, 10));
    return {
      name: 'ws-frame',
      requestBytes: 0,
      responseHeaderBytes: 0,
      responseBodyBytes: (socket?.bytesRead ?? 0) - before,
      eventJsonBytes: Buffer.byteLength(cast.json),
      chunked: false,
    };
  } finally {
    client.terminate();
  }
}
