/**
 * The server and the schemas of src/contract.ts agree: every kind of answer a real listening server gives
 * (bodies, WebSocket frames, SSE event data) matches its schema. The client layer checks answers with the
 * same schemas, so a server change that breaks them fails here before it fails a client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorFrame, LongPollAnswer, ServerFrame, SessionReply, Snapshot, VoteEvent, VoteReply, type ErrorCode } from '../../src/contract.ts';
import { expectErrorBody, expectToMatchSchema } from '../helpers/contract.ts';
import { castVote, createSession, startServer, type RunningServer, type Session } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { subscribe } from '../helpers/subscribers.ts';
import { openSocket } from '../helpers/ws-client.ts';

let server: RunningServer;
let url: string;
let session: Session;

beforeAll(async () => {
  server = await startServer({ votesPerSecond: 0, metricsToken: 'contract-test-token' });
  url = server.url;
  session = await createSession(url, 'contract');
});
afterAll(async () => {
  await server.close();
});

async function longPoll(query: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/api/long-poll?${new URLSearchParams(query).toString()}`, { headers: { cookie: session.cookie } });
  return { status: response.status, body: await response.json() };
}

describe('the answers of a real server match the contract', () => {
  it('POST /api/session answers a SessionReply, with a name and without a body', async () => {
    for (const body of [JSON.stringify({ name: 'Ada' }), undefined]) {
      const response = await fetch(`${url}/api/session`, {
        method: 'POST',
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body }),
      });
      expect(response.status).toBe(200);
      expectToMatchSchema(SessionReply, await response.json());
    }
  });

  it('POST /api/votes answers a VoteReply, with a voteId, without one, and for a repeated voteId', async () => {
    for (const vote of [{ candidateId: 'push', voteId: 'contract-1' }, { candidateId: 'polling' }, { candidateId: 'push', voteId: 'contract-1' }]) {
      const { status, body } = await castVote(url, session, vote);
      expect(status).toBe(201);
      expectToMatchSchema(VoteReply, body);
      expect(body.event.candidateId).toBe(vote.candidateId);
    }
  });

  it('GET /api/ballot answers a Snapshot', async () => {
    const response = await fetch(`${url}/api/ballot`);
    expect(response.status).toBe(200);
    const body: unknown = await response.json();
    expectToMatchSchema(Snapshot, body);
    expect(body.seq).toBe(server.feed.head());
  });

  it('GET /api/long-poll answers a LongPollAnswer: a snapshot without since, the events after a since', async () => {
    const first = await longPoll({ client: 'contract-tab' });
    expect(first.status).toBe(200);
    expectToMatchSchema(LongPollAnswer, first.body);
    expect(first.body).toHaveProperty('snapshot');

    const { body: voted } = await castVote(url, session, { candidateId: 'long-polling', voteId: 'contract-lp' });
    expectToMatchSchema(VoteReply, voted);
    const next = await longPoll({ client: 'contract-tab', since: String(voted.event.seq - 1) });
    expect(next.status).toBe(200);
    expectToMatchSchema(LongPollAnswer, next.body);
    expect(next.body).toEqual({ events: [voted.event] });
  });

  it('a WebSocket gets ServerFrames: the snapshot, the votes, and error frames for refused frames', async () => {
    const peer = await openSocket(url, '/api/ws', { headers: { cookie: session.cookie } });
    try {
      peer.socket.send(JSON.stringify({ type: 'vote', candidateId: 'push', voteId: 'contract-ws' }));
      peer.socket.send(JSON.stringify({ type: 'vote', candidateId: 'nobody' }));
      peer.socket.send(JSON.stringify({ type: 'ballot' }));
      peer.socket.send('{"type":');
      await waitFor('five frames', () => peer.frames.length === 5);
      for (const frame of peer.frames) expectToMatchSchema(ServerFrame, frame);
      expectToMatchSchema(Snapshot, peer.frames[0]);
      expectToMatchSchema(
        VoteEvent,
        peer.frames.find((frame) => frame.type === 'vote'),
      );
      const errors = peer.frames.filter((frame) => frame.type === 'error');
      const codes: ErrorCode[] = [];
      for (const frame of errors) {
        expectToMatchSchema(ErrorFrame, frame);
        codes.push(frame.error);
      }
      expect(codes.sort()).toEqual(['invalid_frame', 'invalid_json', 'unknown_candidate']);
    } finally {
      peer.socket.terminate();
    }
  });

  it('an SSE stream sends a Snapshot in its snapshot event and a VoteEvent in each vote event', async () => {
    const sub = subscribe('sse', url, session);
    try {
      await waitFor('the snapshot event', () => sub.snapshots[0]);
      const { body } = await castVote(url, session, { candidateId: 'push', voteId: 'contract-sse' });
      expectToMatchSchema(VoteReply, body);
      const event = await waitFor('the vote event', () => sub.events.find((e) => e.seq === body.event.seq));
      expectToMatchSchema(Snapshot, sub.snapshots[0]);
      expectToMatchSchema(VoteEvent, event);
      expect(sub.errors).toEqual([]);
    } finally {
      await sub.close();
    }
  });

  it.each<[string, () => Promise<Response>, number, ErrorCode]>([
    ['an unknown route', () => fetch(`${url}/api/nothing`), 404, 'not_found'],
    ['a long poll without a session', () => fetch(`${url}/api/long-poll?client=x`), 401, 'no_session'],
    ['a long poll without its client id', () => fetch(`${url}/api/long-poll`, { headers: { cookie: session.cookie } }), 400, 'invalid_request'],
    ['GET /api/ws without an upgrade', () => fetch(`${url}/api/ws`), 426, 'upgrade_required'],
    ['metrics without their token', () => fetch(`${url}/api/metrics`), 401, 'unauthorized'],
    ['SSE from a foreign origin', () => fetch(`${url}/api/sse`, { headers: { origin: 'http://elsewhere.example' } }), 403, 'forbidden_origin'],
    [
      'a vote for nobody',
      () =>
        fetch(`${url}/api/votes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: session.cookie },
          body: '{"candidateId":"nobody"}',
        }),
      404,
      'unknown_candidate',
    ],
  ])('%s gets an ErrorBody', async (_what, send, status, code) => {
    const response = await send();
    expect(response.status).toBe(status);
    expectErrorBody(await response.json(), code);
  });
});
