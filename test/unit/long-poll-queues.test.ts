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

describe('PollQueues upkeep', () => {
  it('sweeps the queues nobody polled for idleMs, from the moment idleMs is reached, and says how many went', () => {
    const all = new PollQueues({ maxDepth: 500, idleMs: 1000, maxPerUser: 32, maxQueues: 0 });
    const early = all.touch('alice', 'tab', 0, 0);
    all.touch('bob', 'tab', 0, 500);
    expect(all.sweep(999)).toBe(0);
    expect(all.size).toBe(2);
    expect(all.sweep(1000)).toBe(1);
    expect(all.size).toBe(1);
    expect(all.touch('alice', 'tab', 0, 1001)).not.toBe(early);
    expect(all.sweep(1500)).toBe(1);
    expect(all.size).toBe(1);
  });

  it('never sweeps a queue while a poll is parked on it, even one polled again meanwhile', () => {
    const all = new PollQueues({ maxDepth: 500, idleMs: 1000, maxPerUser: 32, maxQueues: 0 });
    const queue = all.touch('alice', 'tab', 0, 0);
    all.park(queue, parkedPoll());
    expect(all.touch('alice', 'tab', 0, 10)).toBe(queue);
    expect(all.sweep(60_000)).toBe(0);
    expect(all.size).toBe(1);
  });

  it('leaves the newer poll parked when an older one of the same queue is taken off it late', () => {
    const all = queues(0);
    const queue = all.touch('alice', 'tab', 0, 1);
    const older = parkedPoll();
    const newer = parkedPoll();
    all.park(queue, older);
    expect(all.park(queue, newer)).toBe(older);
    // The older poll's client hangs up (or its timer fires) after the newer one took its place.
    expect(all.unpark(queue, older)).toBe(false);
    expect(all.takeParked()).toEqual([[queue, newer]]);
  });

  it('counts no poll as parked once it was taken off, or all were taken', () => {
    const all = queues(0);
    const queue = all.touch('alice', 'tab', 0, 1);
    const poll = parkedPoll();
    all.park(queue, poll);
    expect(all.parkedCount).toBe(1);
    expect(all.unpark(queue, poll)).toBe(true);
    expect(all.parkedCount).toBe(0);
    all.park(queue, parkedPoll());
    all.park(all.touch('bob', 'tab', 0, 2), parkedPoll());
    expect(all.takeParked()).toHaveLength(2);
    expect(all.parkedCount).toBe(0);
    expect(all.takeParked()).toEqual([]);
  });

  it('replaces the queue of a user that was polled least recently when the user opens one queue too many', () => {
    const all = new PollQueues({ maxDepth: 500, idleMs: 60_000, maxPerUser: 2, maxQueues: 0 });
    const first = all.touch('alice', 'tab-1', 0, 1);
    const second = all.touch('alice', 'tab-2', 0, 2);
    expect(all.touch('alice', 'tab-1', 0, 3)).toBe(first); // tab-1 polled again: tab-2 is now the least recent
    all.touch('alice', 'tab-3', 0, 4);
    expect(all.size).toBe(2);
    expect(all.touch('alice', 'tab-1', 0, 5)).toBe(first);
    expect(all.touch('alice', 'tab-2', 0, 6)).not.toBe(second);
  });

  it('under the total cap answers the poll parked the longest, where a newer poll on a queue parks it anew', () => {
    const all = queues(2);
    const alice = all.touch('alice', 'tab', 0, 1);
    const bob = all.touch('bob', 'tab', 0, 2);
    const aliceOlder = parkedPoll();
    const bobs = parkedPoll();
    const aliceNewer = parkedPoll();
    all.park(alice, aliceOlder);
    all.park(bob, bobs);
    expect(all.park(alice, aliceNewer)).toBe(aliceOlder);
    all.touch('carol', 'tab', 0, 3);
    expect(bobs.answers).toEqual([null]);
    expect(aliceNewer.answers).toEqual([]);
  });

  it('counts no events waiting in a queue while a poll is parked on it', () => {
    const all = queues(0);
    const parked = all.touch('alice', 'tab', 2, 1);
    all.touch('bob', 'tab', 3, 2);
    all.park(parked, parkedPoll());
    expect(all.depth(5)).toBe(2);
  });
});
