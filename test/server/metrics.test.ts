import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { castVote, createSession, startServerForTest } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { openSocket } from '../helpers/ws-client.ts';

/** Sends raw bytes on a fresh connection and returns everything the server wrote until it closed. */
async function rawExchange(url: string, text: string): Promise<{ sent: number; received: Buffer }> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.write(text);
  await once(socket, 'close');
  return { sent: Buffer.byteLength(text), received: Buffer.concat(chunks) };
}

interface MetricsBody {
  feed: { kind: string; head: number };
  process: {
    cpuUserMs: number;
    rssBytes: number;
    eventLoopUtilization: number;
    eventLoopDelay: { p50Ms: number; p99Ms: number; maxMs: number; intervalMs: number };
  };
  transports: Record<string, { open: number; requests: number; deliveries: number; emptyResponses: number; bytesIn: number; bytesOut: number }>;
}

async function readMetrics(url: string): Promise<MetricsBody> {
  return (await (await fetch(`${url}/api/metrics`)).json()) as MetricsBody;
}

describe('metrics', () => {
  it('reports how late the event loop ran since the previous read, a blocked loop included', async () => {
    // The server runs in this process: blocking this event loop blocks the server's.
    const server = await startServerForTest();
    await readMetrics(server.url);
    // Node samples the delay with a libuv timer every 20 ms: a block shows in the sample the first tick
    // after it takes, so let the sampler tick on both sides of the block (turns of the loop, not a guess).
    await ticksOfTheSampler();
    const blockedUntil = performance.now() + 150;
    while (performance.now() < blockedUntil) {
      // Busy: nothing else runs, as when a fan-out writes to many sockets in one go.
    }
    await ticksOfTheSampler();
    const { eventLoopDelay } = (await readMetrics(server.url)).process;
    expect(eventLoopDelay.maxMs).toBeGreaterThanOrEqual(100);
    expect(eventLoopDelay.p99Ms).toBeLessThanOrEqual(eventLoopDelay.maxMs);
    expect(eventLoopDelay.p50Ms).toBeLessThanOrEqual(eventLoopDelay.p99Ms);
    expect(eventLoopDelay.intervalMs).toBeGreaterThanOrEqual(150);
  });

  it('counts polling bytes at the socket, headers included, to the byte', async () => {
    const server = await startServerForTest();
    const request = 'GET /api/ballot HTTP/1.1\r\nHost: votewire.test\r\nConnection: close\r\n\r\n';
    const full = await rawExchange(server.url, request);
    expect(full.received.toString()).toMatch(/^HTTP\/1\.1 200 /);
    const conditional = await rawExchange(server.url, request.replace('\r\n\r\n', '\r\nIf-None-Match: "0"\r\n\r\n'));
    expect(conditional.received.toString()).toMatch(/^HTTP\/1\.1 304 /);

    const polling = (await readMetrics(server.url)).transports.polling!;
    expect(polling.requests).toBe(2);
    expect(polling.emptyResponses).toBe(1);
    expect(polling.bytesIn).toBe(full.sent + conditional.sent);
    expect(polling.bytesOut).toBe(full.received.length + conditional.received.length);
  });

  it('counts the bytes of a parked long poll answered by a vote, to the byte', async () => {
    const server = await startServerForTest();
    const session = await createSession(server.url);
    const request = `GET /api/long-poll?client=raw&since=0&timeout=20000 HTTP/1.1\r\nHost: votewire.test\r\nCookie: ${session.cookie}\r\nConnection: close\r\n\r\n`;
    const exchange = rawExchange(server.url, request);
    const s = server;
    await waitFor('the poll to park', () => s.app.metrics.collect()['long-polling'].open === 1);
    await castVote(server.url, session, { candidateId: 'push' });
    const { sent, received } = await exchange;
    expect(received.toString()).toMatch(/^HTTP\/1\.1 200 [\s\S]*\r\n\r\n\{"events":\[\{"type":"vote","seq":1,/);
    const longPolling = (await readMetrics(server.url)).transports['long-polling']!;
    expect(longPolling.deliveries).toBe(1);
    expect(longPolling.bytesIn).toBe(sent);
    expect(longPolling.bytesOut).toBe(received.length);
  });

  it('counts WebSocket bytes at the socket, upgrade and framing included, matching the client socket', async () => {
    const server = await startServerForTest({ votesPerSecond: 0 });
    const session = await createSession(server.url);
    let clientSocket: Socket | undefined;
    const peer = await openSocket(server.url, '/api/ws', {
      headers: { cookie: session.cookie },
      createConnection: (options) => (clientSocket = connect(options as { port: number; host: string })),
    });
    for (let i = 0; i < 5; i++) peer.socket.send(JSON.stringify({ type: 'vote', candidateId: 'push', voteId: `m${i}` }));
    await waitFor('the five vote frames', () => peer.frames.filter((f) => f.type === 'vote').length === 5);

    const ws = (await readMetrics(server.url)).transports.websocket!;
    expect(ws.open).toBe(1);
    expect(ws.requests).toBe(1);
    expect(ws.deliveries).toBe(5);
    expect(ws.bytesIn).toBe(clientSocket!.bytesWritten);
    expect(ws.bytesOut).toBe(clientSocket!.bytesRead);
    peer.socket.close();
    await peer.closed;
  });

  it('labels every counter by transport in the Prometheus text, with the same values as the JSON', async () => {
    const server = await startServerForTest();
    const session = await createSession(server.url);
    await castVote(server.url, session, { candidateId: 'push' });
    await fetch(`${server.url}/api/ballot`, { headers: { 'if-none-match': '"1"' } });
    const json = await readMetrics(server.url);
    expect(json.feed).toEqual({ kind: 'memory', head: 1 });
    expect(json.process.rssBytes).toBeGreaterThan(0);

    const response = await fetch(`${server.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    for (const transport of ['polling', 'long-polling', 'websocket', 'sse', 'other']) {
      expect(text).toContain(`votewire_open_connections{transport="${transport}"}`);
      expect(text).toContain(`votewire_sent_bytes_total{transport="${transport}"}`);
    }
    expect(text).toContain('votewire_empty_responses_total{transport="polling"} 1');
    expect(text).toContain('votewire_requests_total{transport="polling"} 1');
    expect(text).toContain('votewire_feed_head_seq{feed="memory"} 1');
    expect(text).toMatch(/# TYPE votewire_sent_bytes_total counter/);
    const pollingBytes = Number(/votewire_sent_bytes_total\{transport="polling"\} (\d+)/.exec(text)?.[1]);
    expect(pollingBytes).toBe(json.transports.polling!.bytesOut);
  });

  it('counts the bytes of a WebSocket still open in the Prometheus text, read first', async () => {
    const server = await startServerForTest();
    let clientSocket: Socket | undefined;
    const peer = await openSocket(server.url, '/api/ws', {
      createConnection: (options) => (clientSocket = connect(options as { port: number; host: string })),
    });
    await waitFor('the snapshot frame', () => peer.frames.find((frame) => frame.type === 'snapshot'));
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(Number(/votewire_sent_bytes_total\{transport="websocket"\} (\d+)/.exec(text)?.[1])).toBe(clientSocket!.bytesRead);
    expect(text).toContain('votewire_open_connections{transport="websocket"} 1');
    peer.socket.close();
    await peer.closed;
  });

  it('answers both metrics routes with Cache-Control: no-store, and an uptime no longer than the server has existed', async () => {
    const before = performance.now();
    const server = await startServerForTest();
    for (const path of ['/api/metrics', '/metrics']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.headers.get('cache-control'), path).toBe('no-store');
      await response.arrayBuffer();
    }
    const { uptimeMs } = (await readMetrics(server.url)) as MetricsBody & { uptimeMs: number };
    expect(uptimeMs).toBeGreaterThan(0);
    expect(uptimeMs).toBeLessThanOrEqual(performance.now() - before);
  });

  it('answers 401 unauthorized on /api/metrics and /metrics without the METRICS_TOKEN bearer token, and the figures with it', async () => {
    const server = await startServerForTest({ metricsToken: 's3cret-token' });
    for (const path of ['/api/metrics', '/metrics']) {
      for (const authorization of [undefined, 'Bearer wrong', 'Bearer s3cret-token-and-more', 's3cret-token', 'Basic czNjcmV0LXRva2Vu']) {
        const response = await fetch(`${server.url}${path}`, { headers: authorization === undefined ? {} : { authorization } });
        expect(response.status, `${path} with ${authorization}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer');
        expect(await response.json()).toEqual({ error: 'unauthorized', message: expect.stringMatching(/^Metrics need a token/) as unknown });
      }
      const allowed = await fetch(`${server.url}${path}`, { headers: { authorization: 'Bearer s3cret-token' } });
      expect(allowed.status, path).toBe(200);
      expect(await allowed.text()).toMatch(path === '/metrics' ? /votewire_feed_head_seq/ : /"transports"/);
    }
    // Everything else stays public.
    expect((await fetch(`${server.url}/api/ballot`)).status).toBe(200);
  });
});

/** Three of the event-loop delay sampler's 20 ms periods (src/metrics/event-loop-delay.ts). */
function ticksOfTheSampler(): Promise<void> {
  return sleep(60);
}
