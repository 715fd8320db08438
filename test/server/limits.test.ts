import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { expectErrorBody } from '../helpers/contract.ts';
import { RawConnection } from '../helpers/raw-http.ts';
import { castVote, createSession, openConnections, startServerForTest } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { upgradeStatus } from '../helpers/ws-client.ts';

describe('request timeouts', () => {
  it('cuts a request body that trickles in with 408, while a parked long poll and an SSE stream live on and get the next vote', async () => {
    const server = await startServerForTest({ votesPerSecond: 0, headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const { url } = server;
    const running = server;
    const session = await createSession(url);
    const poll = fetch(`${url}/api/long-poll?client=a&since=0&timeout=20000`, { headers: { cookie: session.cookie } });
    const sse = await request(`${url}/api/sse?since=0`, { bodyTimeout: 0 });
    let sseText = '';
    sse.body.on('data', (chunk: Buffer) => (sseText += chunk.toString()));
    await waitFor('the poll to park', () => running.app.metrics.collect()['long-polling'].open === 1);

    const trickler = await RawConnection.open(url);
    trickler.write(`POST /api/votes HTTP/1.1\r\nHost: x\r\nCookie: ${session.cookie}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`);
    // One byte every 100 ms: the body would take 10 s, over the 600 ms REQUEST_TIMEOUT_MS.
    const trickle = setInterval(() => trickler.isClosed || trickler.write(' '), 100);
    try {
      const cut = await trickler.response();
      expect(cut.status).toBe(408);
      expect(cut.headers.connection).toBe('close');
      expectErrorBody(JSON.parse(cut.body), 'request_timeout');
      await trickler.closed;
    } finally {
      clearInterval(trickle);
      trickler.destroy();
    }

    // The poll and the stream began before the trickle, so they are older than REQUEST_TIMEOUT_MS now.
    expect(running.app.metrics.collect()['long-polling'].open).toBe(1);
    expect((await castVote(url, session, { candidateId: 'push' })).status).toBe(201);
    const answered = await poll;
    expect(answered.status).toBe(200);
    expect(await answered.json()).toMatchObject({ events: [{ seq: 1, candidateId: 'push' }] });
    await waitFor('the vote on the SSE stream', () => sseText.includes('id: 1\nevent: vote'));
  });

  it('answers headers that do not arrive within HEADERS_TIMEOUT_MS with 408 in the Error shape', async () => {
    const server = await startServerForTest({ headersTimeoutMs: 300, requestTimeoutMs: 5000 });
    const slow = await RawConnection.open(server.url);
    slow.write('GET /api/ballot HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => slow.isClosed || slow.write('X-Slow: 1\r\n'), 100);
    try {
      const cut = await slow.response();
      expect(cut.status).toBe(408);
      const body = JSON.parse(cut.body) as unknown;
      expectErrorBody(body, 'request_timeout');
      expect(body).toMatchObject({ message: expect.stringMatching(/did not arrive in time/) as unknown });
    } finally {
      clearInterval(trickle);
      slow.destroy();
    }
  });
});

describe('connections per client address', () => {
  it('answers a connection over MAX_CONNECTIONS_PER_IP with 429 too_many_connections and closes it; a freed slot serves again', async () => {
    const server = await startServerForTest({ maxConnectionsPerIp: 3 });
    const running = server;
    const held = await Promise.all([1, 2, 3].map(() => RawConnection.open(running.url)));
    await waitFor('three connections', async () => (await openConnections(running)) === 3);

    const over = await RawConnection.open(running.url);
    over.write('GET /api/ballot HTTP/1.1\r\nHost: x\r\n\r\n');
    const refused = await over.response();
    expect(refused.status).toBe(429);
    expect(refused.headers.connection).toBe('close');
    const body = JSON.parse(refused.body) as unknown;
    expectErrorBody(body, 'too_many_connections');
    expect(body).toMatchObject({ message: 'At most 3 open connections per client address; close some and retry' });
    await over.closed;
    // A WebSocket upgrade over the cap is refused the same way.
    expect(await upgradeStatus(running.url, '/api/ws')).toBe(429);

    // The connections within the cap are served as usual.
    held[0]!.write('GET /api/ballot HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await held[0]!.response()).status).toBe(200);

    held[1]!.destroy();
    await waitFor('the freed slot', async () => (await openConnections(running)) === 2);
    const fresh = await fetch(`${running.url}/api/ballot`, { headers: { connection: 'close' } });
    expect(fresh.status).toBe(200);
    for (const connection of held) connection.destroy();
  });

  it('has no cap with MAX_CONNECTIONS_PER_IP=0', async () => {
    const server = await startServerForTest({ maxConnectionsPerIp: 0 });
    const running = server;
    const held = await Promise.all(Array.from({ length: 20 }, () => RawConnection.open(running.url)));
    try {
      await waitFor('twenty connections', async () => (await openConnections(running)) === 20);
      held[19]!.write('GET /api/ballot HTTP/1.1\r\nHost: x\r\n\r\n');
      expect((await held[19]!.response()).status).toBe(200);
    } finally {
      for (const connection of held) connection.destroy();
    }
  });
});
