import { describe, expect, it, onTestFinished } from 'vitest';
import { createSession, startServerForTest, type RunningServer, type Session } from '../helpers/server.ts';
import { subscribe } from '../helpers/subscribers.ts';
import { waitFor } from '../helpers/wait.ts';

/** A server with `votes` votes accepted before anyone connects. */
async function serverWithVotes(votes: number): Promise<{ server: RunningServer; session: Session }> {
  const server = await startServerForTest({ votesPerSecond: 0 });
  const session = await createSession(server.url);
  const candidateId = server.config.candidates[0]!.id;
  for (let i = 0; i < votes; i++) await server.feed.vote({ candidateId, userId: session.userId });
  return { server, session };
}

describe('an SSE stream reopened with Last-Event-ID', () => {
  it('resumes after a seq of several digits: the events after it, no snapshot', async () => {
    const { server, session } = await serverWithVotes(12);
    const stream = subscribe('sse', server.url, session, { lastEventId: '10' });
    onTestFinished(() => stream.close());
    await waitFor('the two missed events', () => stream.events.length === 2);
    expect(stream.events.map((event) => event.seq)).toEqual([11, 12]);
    expect(stream.snapshots).toEqual([]);
    expect(stream.errors).toEqual([]);
  });

  it.each(['10x', 'x10', '1 0', '010'])('takes a Last-Event-ID of %j for no cursor at all and opens with the snapshot', async (lastEventId) => {
    const { server, session } = await serverWithVotes(12);
    const stream = subscribe('sse', server.url, session, { lastEventId });
    onTestFinished(() => stream.close());
    const [snapshot] = await waitFor('the snapshot', () => stream.snapshots.length > 0 && stream.snapshots);
    expect(snapshot?.seq).toBe(12);
    expect(stream.events).toEqual([]);
    expect(stream.errors).toEqual([]);
  });
});
