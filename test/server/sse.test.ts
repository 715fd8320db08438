import { describe, expect, it, onTestFinished } from 'vitest';
import { RawConnection } from '../helpers/raw-http.ts';
import { castVote, createSession, startServerForTest } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { subscribe, type TestSubscriber } from '../helpers/subscribers.ts';
import { floodVotes, openSocketForTest } from '../helpers/ws-client.ts';

describe('the SSE transport', () => {
  it('cuts a stream whose client stops reading once PUSH_MAX_BUFFERED_BYTES wait unsent, while a fast stream gets every event', async () => {
    const server = await startServerForTest({ votesPerSecond: 0, pushMaxBufferedBytes: 64 * 1024 });
    const session = await createSession(server.url);
    const fast: TestSubscriber = subscribe('sse', server.url, session);
    onTestFinished(() => fast.close());
    await waitFor('the fast stream to open', () => fast.snapshots.length === 1);

    // A client that reads the stream's headers and then stops reading: the kernel buffers fill, then the server's.
    const slow = await RawConnection.open(server.url);
    onTestFinished(() => slow.destroy());
    slow.write(`GET /api/sse HTTP/1.1\r\nHost: ${new URL(server.url).host}\r\nAccept: text/event-stream\r\n\r\n`);
    await slow.until((data) => (data.includes('event: snapshot') ? true : undefined), 'the slow stream to open');
    slow.socket.pause();

    const voter = await openSocketForTest(server.url, '/api/ws', { headers: { cookie: session.cookie } });
    const metrics = server.app.metrics;
    const sent = await floodVotes(voter.socket, {
      // Batches stay well below the limit (200 events of under 200 bytes): the server writes a batch to every
      // stream in one go, and Node sends an HTTP response's writes of one tick together, after it.
      batch: 200,
      done: () => metrics.collect().sse.drops > 0,
      delivered: () => fast.events.length,
      what: 'the fast stream to keep up',
    });
    expect(metrics.collect().sse.drops).toBe(1);
    expect(fast.events.length).toBe(sent);
    expect(fast.events.every((event, i) => event.seq === i + 1)).toBe(true);
    expect(fast.errors).toEqual([]);

    // The slow stream was cut, not ended: whatever it reads now, the connection is gone, and what waited
    // unsent in the server when it was cut never arrives.
    const writtenToSlow = metrics.collect().sse.deliveries - sent;
    slow.socket.resume();
    await slow.closed;
    expect(slow.isClosed).toBe(true);
    expect(slow.received.toString('utf8').split('event: vote\n').length - 1).toBeLessThan(writtenToSlow);
    expect(metrics.collect().sse.open).toBe(1);
  }, 120_000);

  it('counts the bytes of an open stream as SSE while it is open', async () => {
    const server = await startServerForTest({ votesPerSecond: 0 });
    const session = await createSession(server.url);
    const stream = await RawConnection.open(server.url);
    onTestFinished(() => stream.destroy());
    stream.write(`GET /api/sse HTTP/1.1\r\nHost: ${new URL(server.url).host}\r\nAccept: text/event-stream\r\n\r\n`);
    await stream.until((data) => (data.includes('event: snapshot') ? true : undefined), 'the stream to open');
    expect((await castVote(server.url, session, { candidateId: 'push' })).status).toBe(201);
    await stream.until((data) => (data.includes('event: vote') ? true : undefined), 'the vote');
    expect(server.app.metrics.collect().sse.bytesOut).toBeGreaterThanOrEqual(stream.received.length);
  });

  it('forgets a stream whose client went away: later votes are delivered to nobody', async () => {
    const server = await startServerForTest({ votesPerSecond: 0 });
    const session = await createSession(server.url);
    const stream = await RawConnection.open(server.url);
    stream.write(`GET /api/sse HTTP/1.1\r\nHost: ${new URL(server.url).host}\r\nAccept: text/event-stream\r\n\r\n`);
    await stream.until((data) => (data.includes('event: snapshot') ? true : undefined), 'the stream to open');
    stream.destroy();
    await waitFor('the server to see the stream close', () => server.app.metrics.collect().sse.open === 0);
    expect((await castVote(server.url, session, { candidateId: 'push' })).status).toBe(201);
    expect(server.app.metrics.collect().sse.deliveries).toBe(0);
  });
});
