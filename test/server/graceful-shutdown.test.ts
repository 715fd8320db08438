/**
 * The graceful shutdown (src/http/lifecycle.ts) as clients see it, with the server in this process:
 * what each kind of connection gets when app.close() begins, how new requests are turned away meanwhile,
 * when idle keep-alive connections go, and what is cut once the grace period is over.
 * (test/server/shutdown.test.ts covers the server process: signals and exit codes.)
 */
import { setTimeout as delay } from 'node:timers/promises';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { once } from 'node:events';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { captureLog, type LogLine } from '../helpers/log-capture.ts';
import { RawConnection, rawRequest, silentWebSocketPeer } from '../helpers/raw-http.ts';
import { createSession, startServerForTest } from '../helpers/server.ts';
import { openH2, tlsTestSettings } from '../helpers/tls-client.ts';
import { waitFor } from '../helpers/wait.ts';
import { openSocket, upgradeStatus } from '../helpers/ws-client.ts';

/** The warning the server logs when the grace period ran out with connections still open. */
const GRACE_OVER = /connections still open after \d+ ms; cutting them/;

function graceOverLines(lines: LogLine[]): LogLine[] {
  return lines.filter((line) => GRACE_OVER.test(line.msg));
}

/** A request on a connection of its own that the server holds: the headers went, the body (within the 4 KiB limit) trickles in. */
const TRICKLING_VOTE = (cookie: string): string =>
  `POST /api/votes HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\nContent-Type: application/json\r\n` + 'Content-Length: 4000\r\nExpect: 100-continue\r\n\r\n{';

describe('graceful shutdown', () => {
  it('answers parked polls, closes WebSockets with 1001, ends SSE streams, and refuses new requests with 503', async () => {
    const server = await startServerForTest();
    const { url, app } = server;
    const session = await createSession(url);
    const parked = fetch(`${url}/api/long-poll?client=a&since=0&timeout=20000`, { headers: { cookie: session.cookie } });
    const ws = await openSocket(url);
    const sse = await request(`${url}/api/sse`, { bodyTimeout: 0 });
    const sseText = sse.body.text();
    await waitFor('the poll to park', () => app.metrics.collect()['long-polling'].open === 1);

    await app.lifecycle.shutdown();

    expect((await parked).status).toBe(204);
    expect((await ws.closed).code).toBe(1001);
    expect(await sseText).toContain('event: snapshot'); // the stream ended, so text() resolved
    // (On a new connection: the idle ones are being closed.)
    const refused = await rawRequest(url, 'GET /api/ballot HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(refused.status).toBe(503);
    expect(refused.headers.connection).toBe('close');
    expect(JSON.parse(refused.body)).toEqual({ error: 'shutting_down', message: 'The server is shutting down; try again shortly' });
    // An upgrade is refused too, and its connection closed: it must not hold the server open.
    expect(await upgradeStatus(url, '/api/ws')).toBe(503);
    await server.close();
  });

  it('answers a poll parked on a keep-alive connection with Connection: close, then closes that connection', async () => {
    const server = await startServerForTest();
    const session = await createSession(server.url);
    const connection = await RawConnection.open(server.url);
    connection.write(`GET /api/long-poll?client=a&since=0&timeout=20000 HTTP/1.1\r\nHost: x\r\nCookie: ${session.cookie}\r\n\r\n`);
    await waitFor('the poll to park', () => server.app.metrics.collect()['long-polling'].open === 1);

    const closing = server.close();
    const answer = await connection.response();
    expect(answer.status).toBe(204);
    expect(answer.headers.connection).toBe('close');
    await connection.closed;
    await closing;
  });

  describe.each([
    ['requests', (url: string) => fetch(`${url}/api/ballot`).then((response) => response.status)],
    ['WebSocket upgrades', (url: string) => upgradeStatus(url, '/api/ws')],
  ])('while %s keep arriving', (_what, send) => {
    it('answers each 503 and keeps an idle keep-alive connection open, then closes it once they stop, well within the grace period', async () => {
      const { lines, logger } = captureLog();
      const server = await startServerForTest({}, undefined, logger);
      const idle = await RawConnection.open(server.url);
      idle.write('GET /api/ballot HTTP/1.1\r\nHost: x\r\n\r\n');
      expect((await idle.response()).headers.connection).toBe('keep-alive');

      const closing = server.close();
      await waitFor('the shutdown to begin', () => server.app.lifecycle.closing);
      // Closing the idle connection now could reset a request the client is sending on it: the server waits
      // until requests stop arriving. Several quiet periods' worth of them, back to back:
      const statuses: number[] = [];
      const started = Date.now();
      while (statuses.length < 10 || Date.now() - started < 400) {
        statuses.push(await send(server.url));
        expect(idle.isClosed).toBe(false);
      }
      expect(new Set(statuses)).toEqual(new Set([503]));
      await idle.closed;
      await closing;
      expect(graceOverLines(lines)).toEqual([]);
    });
  });

  it('finishes the shutdown while requests go on arriving past the grace period', async () => {
    const { lines, logger } = captureLog();
    const server = await startServerForTest({ shutdownGraceMs: 300 }, undefined, logger);
    // An open connection keeps the server waiting for requests to stop.
    const idle = await RawConnection.open(server.url);
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await waitFor('the shutdown to begin', () => server.app.lifecycle.closing);
    const statuses: number[] = [];
    // Several clients at once, so that some connection is open whenever the server looks.
    async function client(): Promise<void> {
      while (!closed) {
        try {
          statuses.push((await fetch(`${server.url}/api/ballot`)).status);
        } catch {
          return; // the listener has closed
        }
      }
    }
    await Promise.all(Array.from({ length: 6 }, client));
    await closing;
    await idle.closed;
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set([503]));
    expect(graceOverLines(lines)).toHaveLength(1);
  });

  it('cuts a WebSocket peer that never returns the close frame and a request body that trickles in once the grace period is over, and logs it', async () => {
    const { lines, logger } = captureLog();
    const server = await startServerForTest({ shutdownGraceMs: 1500 }, undefined, logger);
    const session = await createSession(server.url);
    const idle = await RawConnection.open(server.url);
    idle.write('GET /api/ballot HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await idle.response()).headers.connection).toBe('keep-alive');
    const peer = await silentWebSocketPeer(server.url);
    const trickler = await RawConnection.open(server.url);
    trickler.write(TRICKLING_VOTE(session.cookie));
    // "100 Continue" says the server has read the headers: the request is in flight.
    await trickler.until((data) => (data.includes('100 Continue') ? true : undefined), 'the server to take the request');
    const trickle = setInterval(() => trickler.write(' '), 50);
    try {
      const closing = server.close();
      // Those two hold nothing up for the others: an idle connection goes once requests have stopped.
      await idle.closed;
      expect(graceOverLines(lines)).toEqual([]);
      await closing;
      await peer.closed;
      await trickler.closed;
      // Cut, not answered: only the interim "100 Continue" came.
      expect(trickler.received.toString('latin1')).not.toMatch(/HTTP\/1\.1 [2-5]\d\d/);
      expect(graceOverLines(lines).map((line) => line.msg)).toEqual([expect.stringMatching(/after 1500 ms; cutting them/)]);
    } finally {
      clearInterval(trickle);
    }
  });

  it('lets an SSE client that fell behind read its stream to the end before the server closes its connection', async () => {
    const { lines, logger } = captureLog();
    const votes = 40_000;
    const server = await startServerForTest({ logSize: votes, shutdownGraceMs: 10_000 }, undefined, logger);
    for (let i = 0; i < votes; i++) await server.feed.vote({ candidateId: 'push', userId: 'u_backlog' });
    const reader = await RawConnection.open(server.url);
    // The client reads nothing for now: the stream's opening (every vote since 0, megabytes) waits in the buffers.
    reader.socket.pause();
    reader.write('GET /api/sse?since=0 HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor('the stream to open', () => server.app.metrics.collect().sse.open === 1);

    const closing = server.close();
    // The stream is ended as the shutdown begins; its end is behind what the client has not read.
    await waitFor('the shutdown to begin', () => server.app.lifecycle.closing);
    // A reader that stays away longer than the server's quiet period (SETTLE_QUIET_MS) before it reads on.
    await delay(300);
    reader.socket.resume();
    await reader.closed;
    const text = reader.received.toString('latin1');
    // Every vote, the last one whole: the stream ended, it was not cut.
    expect(text).toMatch(new RegExp(`id: ${votes}\\nevent: vote\\ndata: \\{[^\\n]*\\}\\n\\n$`));
    await closing;
    expect(graceOverLines(lines)).toEqual([]);
  });

  it('logs nothing about cutting connections once a shutdown has finished in time, even after the grace period', async () => {
    const { lines, logger } = captureLog();
    const graceMs = 200;
    const server = await startServerForTest({ shutdownGraceMs: graceMs }, undefined, logger);
    const ws = await openSocket(server.url);
    await server.close();
    expect((await ws.closed).code).toBe(1001);
    // The grace timer, had it been left running, was started before this one, for as long: it would have fired.
    await delay(graceMs);
    expect(graceOverLines(lines)).toEqual([]);
  });
});

describe('graceful shutdown over TLS', () => {
  const tls = tlsTestSettings();

  it('sends GOAWAY at once to an idle HTTP/2 connection, and answers a poll parked on another without a word on stderr', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.message);
    process.on('warning', onWarning);
    const { lines, logger } = captureLog();
    try {
      const server = await startServerForTest(tls.overrides, undefined, logger);
      const idle = await openH2(server.url, tls.ca());
      expect((await idle.request('GET', '/api/ballot')).status).toBe(200);
      const polling = await openH2(server.url, tls.ca());
      const answer = await polling.request('POST', '/api/session', { 'content-type': 'application/json' }, '{}');
      const cookie = String(answer.headers['set-cookie']).split(';')[0]!;
      const parked = polling.request('GET', '/api/long-poll?client=h2&since=0&timeout=20000', { cookie });
      await waitFor('the poll to park', () => server.app.metrics.collect()['long-polling'].open === 1);
      const goaway = once(idle.session, 'goaway');
      await server.app.lifecycle.shutdown();
      await goaway;
      expect((await parked).status).toBe(204);
      await server.close();
      // The idle connection went at once, not when the grace period cut what was left.
      expect(graceOverLines(lines)).toEqual([]);
      // HTTP/2 has no Connection header: setting one would only earn a warning from Node.
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('cuts an HTTP/2 stream and an HTTP/1.1 request whose bodies trickle in once the grace period is over', async () => {
    const { lines, logger } = captureLog();
    const server = await startServerForTest({ ...tls.overrides, shutdownGraceMs: 500 }, undefined, logger);
    const h2 = await openH2(server.url, tls.ca());
    const sessionAnswer = await h2.request('POST', '/api/session', { 'content-type': 'application/json' }, '{}');
    const cookie = String(sessionAnswer.headers['set-cookie']).split(';')[0]!;
    const stream = h2.session.request(
      { ':method': 'POST', ':path': '/api/votes', 'content-type': 'application/json', 'content-length': '4000', cookie },
      { endStream: false },
    );
    stream.write('{');
    stream.on('error', () => {
      // The cut resets the stream: that is what is tested.
    });
    let h2Status: unknown;
    stream.on('response', (headers) => (h2Status = headers[':status']));
    const streamClosed = once(stream, 'close');

    const url = new URL(server.url);
    const http1: TLSSocket = tlsConnect({ host: url.hostname, port: Number(url.port), ca: tls.ca(), servername: 'localhost', ALPNProtocols: ['http/1.1'] });
    http1.on('error', () => {
      // As above.
    });
    await once(http1, 'secureConnect');
    let received = '';
    http1.setEncoding('latin1');
    http1.on('data', (chunk: string) => (received += chunk));
    const http1Closed = once(http1, 'close');
    http1.write(TRICKLING_VOTE(cookie));
    await waitFor('the server to take the HTTP/1.1 request', () => received.includes('100 Continue'));
    await waitFor('both requests in flight', () => server.app.metrics.collect().other.open >= 2);
    const trickle = setInterval(() => {
      stream.write(' ');
      http1.write(' ');
    }, 50);
    try {
      await server.close();
      await streamClosed;
      await http1Closed;
      // Cut, not answered.
      expect(h2Status).toBeUndefined();
      expect(received).not.toMatch(/HTTP\/1\.1 [2-5]\d\d/);
      expect(graceOverLines(lines)).toHaveLength(1);
    } finally {
      clearInterval(trickle);
    }
  });
});
