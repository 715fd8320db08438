import { describe, expect, it, onTestFinished } from 'vitest';
import { SubscriberWorkers } from '../../bench/load/subscriber-workers.ts';
import { openSession } from '../../bench/load/session.ts';
import { OpenLoopVoter } from '../../bench/load/voter.ts';
import { startServerForTest } from '../helpers/server.ts';

describe('the load generator over worker processes', () => {
  it('merges two workers’ ledgers and histograms into one exact count of every delivery', async () => {
    const server = await startServerForTest({ sessionsPerMinutePerIp: 0, maxConnectionsPerIp: 0, votesPerSecond: 0 });
    // 201 subscribers over two processes: 101 and 100, so the split is uneven and crosses a process boundary.
    const subscribers = 201;
    const workers = await SubscriberWorkers.open({
      subscribers,
      workers: 2,
      request: { variant: 'websocket', urls: [server.url], longPollTimeoutMs: 25_000, connectTimeoutMs: 20_000 },
    });
    onTestFinished(() => workers.stop());
    expect(workers.processes).toBe(2);
    expect(workers.opened).toMatchObject({ subscribers, missing: 0, fileLimitHit: false });

    const voter = new OpenLoopVoter({
      baseUrl: server.url,
      cookie: await openSession(server.url, 'worker-test-voter'),
      rate: 20,
      count: 8,
      candidateIds: ['push', 'polling'],
      idPrefix: 'worker-test',
    });
    await voter.run();
    await voter.close();
    const dueBySeq = voter.dueBySeq();
    const expected = [...dueBySeq.keys()].sort((a, b) => a - b);
    expect(expected).toHaveLength(8);
    await workers.drain(expected.at(-1)!, 10_000);

    const merged = await workers.results(dueBySeq, expected);
    expect(merged.coherence).toMatchObject({ subscribers, expectedPerSubscriber: 8, lost: 0, duplicated: 0, outOfOrder: 0, subscribersWithErrors: 0 });
    // One latency per (subscriber, vote) from both processes, one last-subscriber latency per vote.
    expect(merged.perDelivery.count).toBe(subscribers * 8);
    expect(merged.lastSubscriber.count).toBe(8);
    // Arrivals are after the votes were due, on either side of the process boundary.
    expect(merged.perDelivery.summary().p50Us).toBeGreaterThan(0);
    // The slowest vote's last subscriber is the slowest delivery of all (within HdrHistogram's 0.1 % buckets).
    expect(merged.lastSubscriber.summary().maxUs).toBeGreaterThanOrEqual(merged.perDelivery.summary().maxUs * 0.999);
    const counters = await workers.counters();
    expect(counters.requests).toBe(subscribers);
    merged.perDelivery.destroy();
    merged.lastSubscriber.destroy();
  }, 90_000);
});
