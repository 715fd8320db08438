import { describe, expect, it } from 'vitest';
import { ClockOffset } from '../../web/src/models/clock-offset.ts';
import { UpdateLatency } from '../../web/src/models/latency.ts';
import { vote } from '../client/fixtures.ts';

describe('UpdateLatency', () => {
  it('times an own vote from the click, matched by voteId, even before the POST answered', () => {
    const latency = new UpdateLatency();
    latency.ownVoteClicked('v1', 100);
    expect(latency.onEvent(vote(1, 'a', 1, { voteId: 'v1', votedAt: 103 }), 107)).toEqual({ kind: 'own', seq: 1, ms: 7 });
    expect(latency.pendingCount).toBe(0);
  });

  it("times others' votes against votedAt corrected by the clock offset", () => {
    const clock = new ClockOffset();
    clock.observe(1000, 6010, 1020); // server clock 5000 ms ahead, ±10
    const latency = new UpdateLatency(clock);
    expect(latency.onEvent(vote(2, 'a', 1, { votedAt: 9000 }), 4012)).toEqual({ kind: 'others', seq: 2, ms: 12 });
  });

  it('on polling, resolves own votes when a snapshot covers the seq the POST returned', () => {
    const latency = new UpdateLatency();
    latency.ownVoteClicked('v1', 100);
    latency.ownVoteClicked('v2', 200);
    latency.ownVoteAccepted('v1', vote(5, 'a', 1, { voteId: 'v1', votedAt: 102 }), 100, 104);
    latency.ownVoteAccepted('v2', vote(9, 'a', 2, { voteId: 'v2', votedAt: 203 }), 200, 205);
    expect(latency.onSnapshot(8, 600)).toEqual([{ kind: 'own', seq: 5, ms: 500 }]);
    expect(latency.onSnapshot(9, 1200)).toEqual([{ kind: 'own', seq: 9, ms: 1000 }]);
    expect(latency.pendingCount).toBe(0);
  });

  it('forgets a failed vote', () => {
    const latency = new UpdateLatency();
    latency.ownVoteClicked('v1', 100);
    latency.ownVoteFailed('v1');
    expect(latency.onEvent(vote(1, 'a', 1, { voteId: 'v1', votedAt: 150 }), 160).kind).toBe('others');
  });
});
