import { describe, expect, it, onTestFinished } from 'vitest';
import { RawConnection } from '../helpers/raw-http.ts';
import { createSession, startServerForTest } from '../helpers/server.ts';

describe('the SSE wire', () => {
  it('opens with the reconnect delay and the snapshot under its seq, sends each vote as id, event and data, and keeps a quiet stream open with comments', async () => {
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
    const opening = `retry: 1000\n\nid: 0\nevent: snapshot\ndata: ${JSON.stringify(server.feed.snapshot())}\n\n`;
    expect(body.slice(0, opening.length)).toBe(opening);
    // On a busy machine a heartbeat may already have followed the opening; nothing else may.
    expect(body.slice(opening.length)).toMatch(/^(: keep-alive\n\n)*$/);

    const entry = await server.feed.vote({ candidateId: 'push', userId: session.userId });
    const afterVote = await stream.until((data) => {
      const text = data.toString('utf8');
      return text.includes('event: vote') ? text : undefined;
    }, 'the vote');
    expect(afterVote).toContain(`\n\nid: 1\nevent: vote\ndata: ${entry.json}\n\n`);

    // Quiet, the stream gets comment lines that keep proxies from closing it, and stays open for the next vote.
    const quiet = stream.received.length;
    const countComments = (data: Buffer): number => data.subarray(quiet).toString('utf8').split(': keep-alive\n\n').length - 1;
    await stream.until((data) => (countComments(data) >= 2 ? true : undefined), 'two heartbeats');
    const next = await server.feed.vote({ candidateId: 'push', userId: session.userId });
    const late = await stream.until((data) => {
      const text = data.toString('utf8');
      return text.includes('id: 2\n') ? text : undefined;
    }, 'the vote after the quiet time');
    expect(late).toContain(`id: 2\nevent: vote\ndata: ${next.json}\n\n`);
  });
});
