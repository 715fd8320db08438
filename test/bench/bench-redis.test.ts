import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { redisUnreachable, redisUrlFromEnv } from '../../bench/measure/feed-comparison.ts';
import type { BenchResults } from '../../bench/results/types.ts';
import { sharedRedisAvailable } from '../redis/helpers/needs-redis.ts';
import { keyPattern } from '../../src/feed/redis-schema.ts';
import { runBench } from './helpers/run-bench.ts';

/**
 * The Redis scenario at tiny scale: `npm run bench -- --quick --transports websocket --clients 4
 * --duration 1 --redis` (about 20 s). With Redis at REDIS_URL (default redis://127.0.0.1:6379) it checks
 * what the three setups measured and that the run's keys are gone; without, that the report says why.
 */
const TIMEOUT_MS = 90_000;
const redisUrl = redisUrlFromEnv();
const unreachable = await redisUnreachable(redisUrl);
// Under VOTEWIRE_REQUIRE_REDIS=1 (.ci/run) a missing Redis fails this file instead of testing the bench's skip.
if (unreachable !== undefined) sharedRedisAvailable();

let root: string;
let exitCode: number | null;
let output = '';
let results: BenchResults;
let markdown: string;

beforeAll(async () => {
  ({ root, exitCode, output } = await runBench(['--quick', '--transports', 'websocket', '--clients', '4', '--duration', '1', '--redis'], TIMEOUT_MS));
  // A hook of its own, so the folder goes even when reading the report (the next hook) fails.
  return () => rm(root, { recursive: true, force: true });
}, TIMEOUT_MS + 10_000);

beforeAll(async () => {
  results = JSON.parse(await readFile(join(root, 'latest', 'results.json'), 'utf8')) as BenchResults;
  markdown = await readFile(join(root, 'latest', 'report.md'), 'utf8');
});

describe.runIf(unreachable === undefined)('the Redis scenario (Redis reachable)', () => {
  it('runs memory, Redis and two Redis processes without failures, and lists them in the report', () => {
    expect(exitCode, output).toBe(0);
    expect(results.failures).toEqual([]);
    const feeds = results.feeds!;
    expect(feeds.skipped).toBeUndefined();
    expect(feeds.runs.map((r) => [r.setup, r.processes])).toEqual([
      ['memory-1', 1],
      ['redis-1', 1],
      ['redis-2', 2],
    ]);
    expect(markdown).toContain('### Shared feed: memory vs Redis vs two processes (WebSocket, 4 subscribers, 20 votes/s)');
    for (const run of feeds.runs) expect(markdown).toContain(`| ${run.label} | ${run.processes} |`);
  });

  it('delivers every vote to every subscriber once and in order, counted by the servers summed over processes', () => {
    for (const { setup, scenario } of results.feeds!.runs) {
      expect(scenario.votes.acknowledged, setup).toBe(scenario.votes.scheduled);
      expect(scenario.coherence, setup).toMatchObject({ subscribers: 4, lost: 0, duplicated: 0, outOfOrder: 0 });
      expect(scenario.latency.count, setup).toBe(scenario.votes.acknowledged * 4);
      expect(scenario.cost.serverDeliveries, setup).toBe(scenario.cost.deliveries);
      expect(scenario.cost.serverCpuMs, setup).toBeGreaterThan(0);
    }
  });

  it('reads the Redis round trip of every Redis process, and none on the memory feed', () => {
    const [memory, one, two] = results.feeds!.runs;
    expect(memory!.scenario.servers?.feedRttMs ?? []).toEqual([]);
    for (const run of [one!, two!]) {
      expect(run.scenario.servers?.feedKind).toBe('redis');
      expect(run.scenario.servers?.processes).toBe(run.processes);
      // At least one settled sample per process, each a measured round trip (how long it took is the bench's business).
      expect(run.scenario.servers!.feedRttMs.length).toBeGreaterThanOrEqual(run.processes);
      for (const rtt of run.scenario.servers!.feedRttMs) expect(Number.isFinite(rtt) && rtt > 0).toBe(true);
    }
  });

  it('deletes the keys of its own prefix afterwards', async () => {
    const { keyPrefix, keysDeleted } = results.feeds!;
    expect(keyPrefix).toMatch(/^bench:[0-9]{14}-[0-9a-f]{6}:$/);
    expect(keysDeleted).toBeGreaterThan(0);
    const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await client.connect();
      const [, keys] = await client.scan('0', 'MATCH', keyPattern(keyPrefix), 'COUNT', 10_000);
      expect(keys).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});

describe.runIf(unreachable !== undefined)('the Redis scenario (no Redis reachable)', () => {
  it('is skipped with the reason in results.json, the report and its conclusions', () => {
    expect(exitCode, output).toBe(0);
    expect(results.feeds?.skipped).toBe(unreachable);
    expect(markdown).toContain(`Redis scenario skipped: ${unreachable}.`);
  });
});
