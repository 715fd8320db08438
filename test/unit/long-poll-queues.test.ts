import { describe, expect, it } from 'vitest';
import { PollQueues, type ParkedPoll, type PreparedAnswer } from '../../src/transports/long-poll-queues.ts';

function queues(maxQueues: number): PollQueues {
  return new PollQueues({ maxDepth: 500, idleMs: 60_000, maxPerUser: 32, maxQueues });
}

/** A parked poll that records what it was answered with. */
function parkedPoll(): ParkedPoll & { answers: (PreparedAnswer | null)[] } {
  const answers: (PreparedAnswer | null)[] = [];
  return { answers, answer: (answer) => answers.push(answer) };
}

describe('PollQueues under LONG_POLL_QUEUES_MAX', () => {
  it('replaces the queue idle the longest, where a new poll counts as activity', () => {
    const all = queues(2);
    const a = all.touch('alice', 'tab', 0, 1);
    const b = all.touch('bob', 'tab', 0, 2);
    expect(all.touch('alice', 'tab', 0, 3)).toBe(a); // alice polls again: bob is now idle the longest
    all.touch('carol', 'tab', 0, 4);
    expect(all.size).toBe(2);
    expect(all.touch('alice', 'tab', 0, 5)).toBe(a);
    expect(all.touch('bob', 'tab', 0, 6)).not.toBe(b); // bob's queue went; this is a new one (and carol's went for it)
    expect(all.size).toBe(2);
  });

  it('counts a queue as idle from the moment its parked poll is answered', () => {
    const all = queues(2);
    const a = all.touch('alice', 'tab', 0, 1);
    const poll = parkedPoll();
    all.park(a, poll);
    all.touch('bob', 'tab', 0, 2);
    // alice's poll is answered after bob polled: bob is idle the longer.
    expect(all.takeParked()).toEqual([[a, poll]]);
    all.touch('carol', 'tab', 0, 3);
    expect(all.touch('alice', 'tab', 0, 4)).toBe(a);
  });

  it('answers the longest parked poll with nothing (204) when every queue has one parked', () => {
    const all = queues(2);
    const first = parkedPoll();
    const second = parkedPoll();
    all.park(all.touch('alice', 'tab', 0, 1), first);
    all.park(all.touch('bob', 'tab', 0, 2), second);
    all.touch('carol', 'tab', 0, 3);
    expect(first.answers).toEqual([null]);
    expect(second.answers).toEqual([]);
    expect(all.size).toBe(2);
    expect(all.parkedCount).toBe(1);
  });

  it('has no total cap at 0', () => {
    const all = queues(0);
    for (let i = 0; i < 100; i++) all.touch(`user${i}`, 'tab', 0, i);
    expect(all.size).toBe(100);
  });
});
