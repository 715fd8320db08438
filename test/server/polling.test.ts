import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/feed/types.ts';
import { createSession, startServerForTest, type RunningServer } from '../helpers/server.ts';

/** A server with `votes` votes accepted. */
async function serverWithVotes(votes: number): Promise<RunningServer> {
  const server = await startServerForTest({ votesPerSecond: 0 });
  const session = await createSession(server.url);
  for (let i = 0; i < votes; i++) await server.feed.vote({ candidateId: 'push', userId: session.userId });
  return server;
}

async function poll(server: RunningServer, ifNoneMatch: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${server.url}/api/ballot`, { headers: { 'if-none-match': ifNoneMatch } });
  return { status: response.status, body: await response.text() };
}

describe('the polling transport with If-None-Match', () => {
  it.each(['"12"', '"3", W/"12"', 'W/"12", "3"', '"9", "12", "11"'])('answers 304 to %s, which names the current seq of 12', async (header) => {
    const server = await serverWithVotes(12);
    expect(await poll(server, header)).toEqual({ status: 304, body: '' });
  });

  it.each(['"11"', '"1"', '"3", W/"11"', '"120"', '"12x"', '12'])('answers 200 with the snapshot of seq 12 to %s, which does not name it', async (header) => {
    const server = await serverWithVotes(12);
    const response = await fetch(`${server.url}/api/ballot`, { headers: { 'if-none-match': header } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = await response.text();
    expect((JSON.parse(body) as Snapshot).seq).toBe(12);
  });

  it('counts the events a poll catches up on as deliveries, and a 304 as an empty response', async () => {
    const server = await serverWithVotes(12);
    await poll(server, '"12"');
    expect(server.app.metrics.collect().polling).toMatchObject({ deliveries: 0, emptyResponses: 1 });
    await poll(server, '"9"');
    expect(server.app.metrics.collect().polling).toMatchObject({ deliveries: 3, emptyResponses: 1 });
    // A poller without a cursor, or one ahead of the feed, gets the state but no count of events.
    await fetch(`${server.url}/api/ballot`);
    await poll(server, '"40"');
    expect(server.app.metrics.collect().polling).toMatchObject({ deliveries: 3, emptyResponses: 1 });
  });

  it('sends the ballot of the latest vote, with its ETag, to every poller after each vote', async () => {
    const server = await serverWithVotes(1);
    const session = await createSession(server.url);
    for (let seq = 2; seq <= 4; seq++) {
      await server.feed.vote({ candidateId: 'push', userId: session.userId });
      const response = await fetch(`${server.url}/api/ballot`);
      expect(response.headers.get('etag')).toBe(`"${seq}"`);
      const snapshot = (await response.json()) as Snapshot;
      expect(snapshot.seq).toBe(seq);
      expect(snapshot.candidates.find((c) => c.id === 'push')?.count).toBe(seq);
    }
  });
});
