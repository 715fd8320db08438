import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { ErrorBody, ErrorCode, LongPollAnswer, VoteFrame, VoteRequest } from '../../src/contract.ts';
import { codeForStatus } from '../../src/http/errors.ts';
import { parseClientFrame } from '../../src/transports/ws-frames.ts';

describe('the error codes', () => {
  it('refuse a code outside the union', () => {
    expect(Value.Check(ErrorBody, { error: 'no_session', message: 'join first' })).toBe(true);
    expect(Value.Check(ErrorBody, { error: 'im_a_teapot', message: 'short and stout' })).toBe(false);
  });

  it('give every 4xx a library may answer with a code of the union: its own where it has one, else bad_request', () => {
    for (let status = 400; status < 500; status++) expect(Value.Check(ErrorCode, codeForStatus(status)), String(status)).toBe(true);
    expect(codeForStatus(403)).toBe('forbidden');
    expect(codeForStatus(416)).toBe('range_not_satisfiable');
    expect(codeForStatus(413)).toBe('body_too_large');
    expect(codeForStatus(418)).toBe('bad_request');
  });
});

describe('the vote schema', () => {
  const fields: [string, Record<string, unknown>, boolean][] = [
    ['a candidate', { candidateId: 'push' }, true],
    ['a candidate and a voteId', { candidateId: 'push', voteId: 'v-1' }, true],
    ['an empty candidateId', { candidateId: '' }, false],
    ['a candidateId over 64 characters', { candidateId: 'c'.repeat(65) }, false],
    ['an empty voteId', { candidateId: 'push', voteId: '' }, false],
    ['a numeric candidateId', { candidateId: 7 }, false],
    ['an unknown key', { candidateId: 'push', weight: 2 }, false],
  ];

  it.each(fields)('accepts or refuses %s alike over HTTP and WebSocket', (_what, vote, accepted) => {
    expect(Value.Check(VoteRequest, vote)).toBe(accepted);
    expect(Value.Check(VoteFrame, { type: 'vote', ...vote })).toBe(accepted);
    expect(parseClientFrame(JSON.stringify({ type: 'vote', ...vote })).ok).toBe(accepted);
  });
});

describe('the long-poll answer', () => {
  it('is an envelope of events or of a snapshot, never both', () => {
    const snapshot = { type: 'snapshot', seq: 3, candidates: [{ id: 'a', name: 'A', count: 3 }], at: 1 };
    const event = { type: 'vote', seq: 4, candidateId: 'a', count: 4, votedAt: 2 };
    expect(Value.Check(LongPollAnswer, { events: [event] })).toBe(true);
    expect(Value.Check(LongPollAnswer, { snapshot })).toBe(true);
    expect(Value.Check(LongPollAnswer, { events: [event], snapshot })).toBe(false);
    expect(Value.Check(LongPollAnswer, { events: [{ ...event, count: -1 }] })).toBe(false);
  });
});
