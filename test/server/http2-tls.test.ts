/**
 * The server over TLS (`--tls`): HTTP/2 and HTTP/1.1 on one port. Every transport works over both, the
 * WebSocket upgrade over HTTP/1.1 with TLS, errors keep the JSON shape, byte metrics count what crossed
 * the TCP socket (TLS included), the connection cap and the shutdown speak HTTP/2 (429, then GOAWAY).
 */
import { describe, expect, it } from 'vitest';
import { startServerForTest, type RunningServer } from '../helpers/server.ts';
import { openH2, openHttps1, tlsTestSettings, type TlsConnection } from '../helpers/tls-client.ts';
import { waitFor } from '../helpers/wait.ts';
import { openSocketForTest } from '../helpers/ws-client.ts';

const tls = tlsTestSettings();

async function startTlsServer(overrides: Parameters<typeof startServerForTest>[0] = {}): Promise<RunningServer> {
  return startServerForTest({ ...tls.overrides, ...overrides });
}

const PROTOCOLS = [
  ['HTTP/2', (url: string) => openH2(url, tls.ca())],
  ['HTTP/1.1 over TLS', async (url: string) => openHttps1(url, tls.ca())],
] as const;

/** POST /api/session on the connection; the cookie to send back. */
async function sessionOn(connection: TlsConnection): Promise<string> {
  const answer = await connection.request('POST', '/api/session', { 'content-type': 'application/json' }, '{}');
  expect(answer.status).toBe(200);
  const setCookie = String(answer.headers['set-cookie']);
  expect(setCookie).toMatch(/; Secure/);
  return setCookie.split(';')[0]!;
}

async function vote(connection: TlsConnection, cookie: string, candidateId = 'push'): Promise<number> {
  const answer = await connection.request('POST', '/api/votes', { 'content-type': 'application/json', cookie }, JSON.stringify({ candidateId }));
  return answer.status;
}

describe.each(PROTOCOLS)('over %s', (_name, open) => {
  it('serves interval polling with ETag and answers 304 when nothing changed', async () => {
    const { url } = await startTlsServer();
    const connection = await open(url);
    const first = await connection.request('GET', '/api/ballot');
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toMatchObject({ seq: 0 });
    const etag = String(first.headers.etag);
    const again = await connection.request('GET', '/api/ballot', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  it('holds a long poll and answers it with the next vote', async () => {
    const { url } = await startTlsServer();
    const connection = await open(url);
    // HTTP/2 multiplexes the vote beside the held poll on one connection; HTTP/1.1 needs a second one.
    const voter = connection.protocol === 'h2' ? connection : await open(url);
    const cookie = await sessionOn(connection);
    const held = connection.request('GET', '/api/long-poll?client=t1&since=0&timeout=10000', { cookie });
    expect(await vote(voter, cookie)).toBe(201);
    const answer = await held;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ events: [{ seq: 1, candidateId: 'push' }] });
  });

  it('streams SSE to a page of the https origin: the snapshot, then each vote', async () => {
    const { url } = await startTlsServer();
    const connection = await open(url);
    const voter = connection.protocol === 'h2' ? connection : await open(url);
    const cookie = await sessionOn(voter);
    const stream = await connection.stream('/api/sse', { origin: url });
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await waitFor('the snapshot', () => stream.text().includes('event: snapshot'));
    expect(await vote(voter, cookie)).toBe(201);
    await waitFor('the vote event', () => stream.text().includes('id: 1\nevent: vote\n'));
  });

  it('answers errors with the JSON Error shape', async () => {
    const { url } = await startTlsServer();
    const connection = await open(url);
    const missing = await connection.request('GET', '/api/nothing-here');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error: 'not_found', message: 'No route GET /api/nothing-here' });
    expect(JSON.parse((await connection.request('POST', '/api/votes', { 'content-type': 'application/json' }, '{"candidateId":"push"}')).body)).toMatchObject({
      error: 'no_session',
    });
    const bad = await connection.request('POST', '/api/session', { 'content-type': 'application/json' }, '{oops');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error: 'invalid_json' });
    // The plain-HTTP origin of the same host and port is another origin.
    const foreign = await connection.request('GET', '/api/sse', { origin: url.replace('https:', 'http:') });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body)).toMatchObject({ error: 'forbidden_origin' });
  });

  it('counts the bytes that crossed the TCP socket, TLS included, under the transport', async () => {
    const { url, app } = await startTlsServer();
    const connection = await open(url);
    for (let i = 0; i < 3; i++) expect((await connection.request('GET', '/api/ballot')).status).toBe(200);
    // Counted as each answer ends, not only when the connection closes.
    await waitFor('the polls to be counted while the connection is open', () => app.metrics.collect().polling.bytesOut > 1000);
    const tcp = connection.tcp;
    await connection.close();
    await waitFor('the connection to close', () => tcp.closed);
    const polling = await waitFor(
      () =>
        `the server's polling bytes to match the client's TCP socket (${tcp.bytesWritten} up, ${tcp.bytesRead} down): ${JSON.stringify(app.metrics.collect().polling)}`,
      () => {
        const counters = app.metrics.collect().polling;
        return counters.bytesIn === tcp.bytesWritten && counters.bytesOut === tcp.bytesRead && counters;
      },
    );
    expect(polling.requests).toBe(3);
    // The handshake alone is several hundred bytes each way: these are not the HTTP bytes.
    expect(polling.bytesOut).toBeGreaterThan(1000);
  });
});

describe('WebSocket over TLS', () => {
  it('upgrades over HTTP/1.1 (wss://) and streams the snapshot, with its bytes counted', async () => {
    const { url, app } = await startTlsServer();
    const ws = await openSocketForTest(url, '/api/ws', { ca: tls.ca(), origin: url });
    await waitFor('the snapshot frame', () => ws.frames.find((frame) => frame.type === 'snapshot'));
    await waitFor('the websocket bytes', () => app.metrics.collect().websocket.bytesOut > 1000);
  });
});

describe('HTTP/2 connections', () => {
  it('answers 429 too_many_connections over the cap, then sends GOAWAY', async () => {
    const { url } = await startTlsServer({ maxConnectionsPerIp: 1 });
    const first = await openH2(url, tls.ca());
    expect((await first.request('GET', '/api/ballot')).status).toBe(200);
    const second = await openH2(url, tls.ca());
    const goaway = new Promise<void>((resolve) => second.session.once('goaway', () => resolve()));
    const refused = await second.request('GET', '/api/ballot');
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'too_many_connections' });
    await goaway;
    // The first connection is not disturbed.
    expect((await first.request('GET', '/api/ballot')).status).toBe(200);
  });

  it('counts what a connection carries as SSE only while its stream is open', async () => {
    const { url, app } = await startTlsServer();
    const connection = await openH2(url, tls.ca());
    const stream = await connection.stream('/api/sse');
    await waitFor('the snapshot', () => stream.text().includes('event: snapshot'));
    stream.cancel();
    await stream.ended;
    await waitFor('the server to see the stream go', () => app.metrics.collect().sse.open === 0);
    const sseBytes = app.metrics.collect().sse.bytesOut;
    expect((await connection.request('GET', '/api/ballot')).status).toBe(200);
    // The poll on the same connection counts as polling again.
    await waitFor('the poll to be counted as polling', () => app.metrics.collect().polling.bytesOut > 0);
    expect(app.metrics.collect().sse.bytesOut).toBe(sseBytes);
  });

  it('at shutdown sends GOAWAY, answers the held poll, ends the SSE stream, and refuses new requests with 503', async () => {
    const { url, app } = await startTlsServer();
    const connection = await openH2(url, tls.ca());
    const cookie = await sessionOn(connection);
    const goaway = new Promise<void>((resolve) => connection.session.once('goaway', () => resolve()));
    const held = connection.request('GET', '/api/long-poll?client=t1&since=0&timeout=20000', { cookie });
    const stream = await connection.stream('/api/sse');
    await waitFor('the poll to be held', () => app.metrics.collect()['long-polling'].open === 1);

    const shutdown = app.lifecycle.shutdown();
    await goaway;
    expect((await held).status).toBe(204);
    await stream.ended;
    expect(stream.text()).toContain('event: snapshot');
    const late = await openH2(url, tls.ca());
    const refused = await late.request('GET', '/api/ballot');
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'shutting_down' });
    await shutdown;
  });
});
