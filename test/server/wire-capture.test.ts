import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { CaptureReply, ErrorBody, type CapturedBytes } from '../../src/contract.ts';
import { decodeFrames } from '../../web/src/models/ws-frame.ts';
import { castVote, createSession, startServerForTest, type Session } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { openSocketForTest } from '../helpers/ws-client.ts';

type Capture = CaptureReply;

async function captureCall(url: string, session: Session | undefined, method: 'GET' | 'POST' | 'DELETE', init: RequestInit = {}, query = '') {
  const headers = new Headers(init.headers);
  if (session !== undefined) headers.set('cookie', session.cookie);
  const response = await fetch(`${url}/api/capture${query}`, { ...init, method, headers });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

async function readCapture(url: string, session: Session): Promise<Capture> {
  const { status, body } = await captureCall(url, session, 'GET');
  expect(status).toBe(200);
  expect(Value.Check(CaptureReply, body)).toBe(true);
  return body as Capture;
}

async function startCapture(url: string, session: Session): Promise<Capture> {
  const { status, body } = await captureCall(url, session, 'POST');
  expect(status).toBe(200);
  return body as Capture;
}

const bytes = (piece: CapturedBytes): Buffer => Buffer.from(piece.base64, 'base64');
const text = (piece: CapturedBytes): string => bytes(piece).toString('latin1');
/** Every byte a session's capture keeps, all exchanges together. */
const keptBytes = (capture: Capture): number =>
  capture.exchanges.reduce((sum, e) => sum + [e.request, e.response, ...e.fromServer, ...e.fromClient].reduce((s, p) => s + bytes(p).length, 0), 0);

async function poll(url: string, session: Session, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const response = await fetch(`${url}/api/ballot`, { headers: { cookie: session.cookie, ...headers } });
  return { status: response.status, body: await response.text() };
}

describe('wire capture', () => {
  it('keeps a polling exchange for the session that asked, byte for byte, and nothing for another session', async () => {
    const server = await startServerForTest();
    const [alice, bob] = [await createSession(server.url), await createSession(server.url)];
    expect((await startCapture(server.url, alice)).capturing).toBe(true);

    const answer = await poll(server.url, alice);
    await poll(server.url, bob);
    const capture = await waitFor('the poll to complete in the capture', async () => {
      const read = await readCapture(server.url, alice);
      return read.exchanges.some((e) => e.complete) && read;
    });
    expect(capture.exchanges).toHaveLength(1);
    const [exchange] = capture.exchanges;
    expect(exchange!.transport).toBe('polling');
    expect(text(exchange!.request)).toMatch(/^GET \/api\/ballot HTTP\/1\.1\r\n/);
    const response = text(exchange!.response);
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const [head, body] = response.split('\r\n\r\n');
    expect(body).toBe(answer.body);
    expect(exchange!.response.total).toBe(Buffer.byteLength(`${head}\r\n\r\n${body}`));

    const other = await readCapture(server.url, bob);
    expect(other).toMatchObject({ capturing: false, exchanges: [] });
  });

  it('masks the sid cookie in captured headers and never serves its value', async () => {
    const server = await startServerForTest();
    const alice = await createSession(server.url);
    await startCapture(server.url, alice);
    await poll(server.url, alice);
    const capture = await waitFor('a captured poll', async () => {
      const read = await readCapture(server.url, alice);
      return read.exchanges.length > 0 && read;
    });
    const value = alice.cookie.slice('sid='.length);
    const request = text(capture.exchanges[0]!.request);
    expect(request).toContain(`sid=${'*'.repeat(value.length)}`);
    expect(JSON.stringify(capture)).not.toContain(value);
    expect(request).not.toContain(value);
  });

  it('shows a 304 as a head without a body', async () => {
    const server = await startServerForTest();
    const alice = await createSession(server.url);
    await startCapture(server.url, alice);
    const seq = server.feed.snapshot().seq;
    expect((await poll(server.url, alice, { 'if-none-match': `"${seq}"` })).status).toBe(304);
    const capture = await waitFor('a captured 304', async () => {
      const read = await readCapture(server.url, alice);
      return read.exchanges[0]?.complete === true && read;
    });
    const response = text(capture.exchanges[0]!.response);
    expect(response).toMatch(/^HTTP\/1\.1 304 Not Modified\r\n/);
    expect(response.endsWith('\r\n\r\n')).toBe(true);
  });

  it('captures the WebSocket upgrade, the server’s frames and the client’s masked frames as they crossed the socket', async () => {
    const server = await startServerForTest();
    const alice = await createSession(server.url);
    await startCapture(server.url, alice);
    const ws = await openSocketForTest(server.url, '/api/ws', { headers: { cookie: alice.cookie } });
    const vote = JSON.stringify({ type: 'vote', candidateId: server.config.candidates[0]!.id, voteId: 'capture-1' });
    ws.socket.send(vote);
    await waitFor('the vote’s event frame', () => ws.frames.some((f) => f.type === 'vote'));

    const capture = await waitFor('the vote frames in the capture', async () => {
      const read = await readCapture(server.url, alice);
      const exchange = read.exchanges.find((e) => e.transport === 'websocket');
      return exchange !== undefined && exchange.fromClient.length > 0 && exchange.fromServer.length > 0 && exchange;
    });
    const request = text(capture.request);
    const key = /sec-websocket-key: (\S+)/i.exec(request)?.[1];
    expect(key).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    const [head, afterHead] = splitHead(bytes(capture.response));
    expect(head).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(head).toMatch(/sec-websocket-accept: \S+/i);

    const clientFrames = capture.fromClient.flatMap((run) => decodeFrames(new Uint8Array(bytes(run))));
    const voteFrame = clientFrames.find((f) => f.opcodeName === 'text');
    expect(voteFrame).toMatchObject({ masked: true, fin: true, lengthForm: '7-bit', payloadLength: vote.length });
    expect(Buffer.from(voteFrame!.payload).toString()).toBe(vote);

    const serverFrames = [afterHead, ...capture.fromServer.map(bytes)].flatMap((run) => decodeFrames(new Uint8Array(run)));
    const texts = serverFrames.filter((f) => f.opcodeName === 'text').map((f) => JSON.parse(Buffer.from(f.payload).toString()) as { type: string });
    expect(serverFrames.every((f) => !f.masked)).toBe(true);
    expect(texts.at(-1)).toEqual(ws.frames.at(-1));
  });

  it('captures an SSE stream’s headers and its latest event line by line', async () => {
    const server = await startServerForTest();
    const alice = await createSession(server.url);
    await startCapture(server.url, alice);
    const controller = new AbortController();
    const stream = await fetch(`${server.url}/api/sse`, { headers: { cookie: alice.cookie }, signal: controller.signal });
    try {
      expect(stream.status).toBe(200);
      const vote = await castVote(server.url, alice, { candidateId: server.config.candidates[1]!.id });
      expect(vote.status).toBe(201);
      const exchange = await waitFor('the vote event in the capture', async () => {
        const read = await readCapture(server.url, alice);
        const found = read.exchanges.find((e) => e.transport === 'sse');
        return found !== undefined && found.fromServer.some((run) => text(run).includes('event: vote')) && found;
      });
      expect(text(exchange.response)).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*content-type: text\/event-stream[^]*\r\n\r\nretry: 1000\n\n/i);
      const seq = server.feed.snapshot().seq;
      expect(text(exchange.fromServer.at(-1)!)).toMatch(new RegExp(`^id: ${seq}\\nevent: vote\\ndata: \\{.*\\}\\n\\n$`));
    } finally {
      controller.abort();
    }
  });

  it('keeps at most limitBytes per session however much crosses', async () => {
    const server = await startServerForTest({ votesPerSecond: 1000 });
    const alice = await createSession(server.url);
    await startCapture(server.url, alice);
    const ws = await openSocketForTest(server.url, '/api/ws', { headers: { cookie: alice.cookie } });
    const padding = 'x'.repeat(60);
    for (let i = 0; i < 30; i++) {
      ws.socket.send(JSON.stringify({ type: 'vote', candidateId: server.config.candidates[0]!.id, voteId: `${padding}${i}` }));
      await poll(server.url, alice);
    }
    await waitFor('all 30 votes to come back', () => ws.frames.filter((f) => f.type === 'vote').length === 30);
    const capture = await readCapture(server.url, alice);
    expect(capture.exchanges.length).toBeGreaterThan(1);
    expect(keptBytes(capture)).toBeGreaterThan(capture.limitBytes / 2);
    expect(keptBytes(capture)).toBeLessThanOrEqual(capture.limitBytes);
  });

  it('drops a capture nobody read for CAPTURE_IDLE_MS and stops capturing that session', async () => {
    const server = await startServerForTest({ captureIdleMs: 150 });
    const alice = await createSession(server.url);
    await startCapture(server.url, alice);
    await poll(server.url, alice);
    expect(server.app.wireCapture.capturing).toBe(true);
    await waitFor('the idle capture to be dropped', () => !server.app.wireCapture.capturing, { timeoutMs: 3000 });
    await poll(server.url, alice);
    expect(await readCapture(server.url, alice)).toMatchObject({ capturing: false, exchanges: [] });
  });

  it('stops and forgets on DELETE', async () => {
    const server = await startServerForTest();
    const alice = await createSession(server.url);
    await startCapture(server.url, alice);
    await poll(server.url, alice);
    expect((await captureCall(server.url, alice, 'DELETE')).status).toBe(204);
    await poll(server.url, alice);
    expect(await readCapture(server.url, alice)).toMatchObject({ capturing: false, exchanges: [] });
  });

  it.each([
    { what: 'no session', session: false, method: 'GET', init: {}, query: '', status: 401, error: 'no_session' },
    { what: 'an unknown query parameter', session: true, method: 'GET', init: {}, query: '?all=1', status: 400, error: 'invalid_request' },
    {
      what: 'a body with an unknown key',
      session: true,
      method: 'POST',
      init: { body: '{"who":"everyone"}', headers: { 'content-type': 'application/json' } },
      query: '',
      status: 400,
      error: 'invalid_request',
    },
    {
      what: 'a body that is not JSON',
      session: true,
      method: 'POST',
      init: { body: '{', headers: { 'content-type': 'application/json' } },
      query: '',
      status: 400,
      error: 'invalid_json',
    },
    {
      what: 'a text body',
      session: true,
      method: 'POST',
      init: { body: 'start', headers: { 'content-type': 'text/plain' } },
      query: '',
      status: 415,
      error: 'unsupported_media_type',
    },
  ] as const)('answers $status $error with the Error shape to $what', async ({ session, method, init, query, status, error }) => {
    const server = await startServerForTest();
    const alice = await createSession(server.url);
    const answer = await captureCall(server.url, session ? alice : undefined, method, init, query);
    expect(answer.status).toBe(status);
    expect(Value.Check(ErrorBody, answer.body)).toBe(true);
    expect(answer.body).toMatchObject({ error });
    expect(server.app.wireCapture.capturing).toBe(false);
  });
});

/** The HTTP head (up to the blank line) as text, and the bytes after it. */
function splitHead(all: Buffer): [string, Buffer] {
  const end = all.indexOf('\r\n\r\n');
  return [all.subarray(0, end + 4).toString('latin1'), all.subarray(end + 4)];
}
