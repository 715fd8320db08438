import { describe, expect, it, onTestFinished } from 'vitest';
import { RawConnection } from '../helpers/raw-http.ts';
import { createSession, startServerForTest } from '../helpers/server.ts';

describe('the SSE wire', () => {
  it('opens with the reconnect delay and the snapshot under its seq, then sends each vote as id, event and data, and comments when quiet', async () => {
    const server = await startServerForTest({ votesPerSecond: 0, sseHeartbeatMs: 100 });
    const session = await createSession(server.url);
    const stream = await RawConnection.open(server.url);
    onTestFinished(() => stream.destroy());
    stream.write(`GET /api/sse HTTP/1.1\r\nHost: ${new URL(server.url).host}\r\nAccept: text/event-stream\r\n\r\n`);
    const head = await stream.until((data) => {
      const text = data.toString('utf8');
      return text.includes('event: snapshot') && text.endsWith('\n\n') ? text : undefined;
    }, 'the opening');
    const [headers = '', body = ''] = head.split('\r\n\r\n');
    expect(headers).toMatch(/^HTTP\/1\.1 200 /);
    expect(headers.toLowerCase()).toContain('content-type: text/event-stream; charset=utf-8');
    expect(headers.toLowerCase()).toContain('cache-control: no-store');
    // Proxies such as nginx would otherwise hold events back in their buffer.
    expect(headers.toLowerCase()).toContain('x-accel-buffering: no');
    expect(headers.toLowerCase()).not.toContain('transfer-encoding');
    expect(body).toBe(`retry: 1000\n\nid: 0\nevent: snapshot\ndata: ${JSON.stringify(server.feed.snapshot())}\n\n`);

    const entry = await server.feed.vote({ candidateId: 'push', userId: session.userId });
    const afterVote = await stream.until((data) => {
      const text = data.toString('utf8');
      return text.includes('event: vote') ? text : undefined;
    }, 'the vote');
    expect(afterVote).toContain(`\n\nid: 1\nevent: vote\ndata: ${entry.json}\n\n`);

    const quiet = stream.received.length;
    const comment = await stream.until((data) => (data.subarray(quiet).toString('utf8').includes(': keep-alive\n\n') ? true : undefined), 'a heartbeat');
    expect(comment).toBe(true);
  });
});
