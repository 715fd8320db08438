import { describe, expect, it } from 'vitest';
import { estimateCosts, PRESETS, type CalculatorData } from '../../bench/report/calculator.ts';
import { presetsTable } from '../../bench/report/presets-table.ts';

/** Two measured scenarios per transport, round numbers so every figure can be checked by hand. */
const DATA: CalculatorData = {
  profiles: ['mobile'],
  transports: [
    {
      label: 'Polling 1 s',
      kind: 'polling',
      intervalMs: 1000,
      points: [{ clients: 100, rate: 1, p50Ms: 500, p99Ms: 990, cpuMsPerUnit: 0.1, bytesPerUnit: 1000, requestsPerEvent: 1 }],
      memoryPerSubscriberBytes: 10_000,
      network: { mobile: { addP50Ms: 150, addP99Ms: 200 } },
    },
    {
      label: 'Long polling',
      kind: 'long-polling',
      points: [
        { clients: 100, rate: 1, p50Ms: 4, p99Ms: 20, cpuMsPerUnit: 0.06, bytesPerUnit: 900, requestsPerEvent: 1 },
        { clients: 1000, rate: 20, p50Ms: 8, p99Ms: 60, cpuMsPerUnit: 0.05, bytesPerUnit: 500, requestsPerEvent: 0.5 },
      ],
      memoryPerSubscriberBytes: 20_000,
      network: {},
    },
    {
      label: 'WebSocket',
      kind: 'push',
      points: [
        { clients: 100, rate: 1, p50Ms: 2, p99Ms: 8, cpuMsPerUnit: 0.02, bytesPerUnit: 100, requestsPerEvent: 0 },
        { clients: 1000, rate: 20, p50Ms: 5, p99Ms: 40, cpuMsPerUnit: 0.01, bytesPerUnit: 100, requestsPerEvent: 0 },
      ],
      memoryPerSubscriberBytes: 30_000,
      network: { mobile: { addP50Ms: 150, addP99Ms: 300 } },
    },
  ],
};

describe('estimateCosts', () => {
  it('scales each transport from its nearest measured scenario, marks the budget and the cheapest', () => {
    const [polling, longPolling, websocket] = estimateCosts(DATA, { clients: 2000, updatesPerSecond: 10, p99BudgetMs: 100, profile: '' });
    // 2,000 clients polling once a second: 2,000 requests/s at 0.1 CPU ms and 1,000 B each.
    expect(polling).toEqual({
      label: 'Polling 1 s',
      p50Ms: 500,
      p99Ms: 990,
      requestsPerSecond: 2000,
      megabitsPerSecond: 16,
      cores: 0.2,
      memoryBytes: 20_000_000,
      meetsBudget: false,
      cheapest: false,
      nearest: '100 subscribers at 1 vote/s',
    });
    // 20,000 deliveries/s, nearest 1,000 at 20/s: 0.5 requests per event, 0.05 CPU ms and 500 B per delivery.
    expect(longPolling).toMatchObject({ p50Ms: 8, p99Ms: 60, requestsPerSecond: 10_000, megabitsPerSecond: 80, cores: 1, meetsBudget: true, cheapest: false });
    expect(longPolling!.nearest).toBe('1000 subscribers at 20 votes/s');
    expect(websocket).toMatchObject({ requestsPerSecond: 0, megabitsPerSecond: 16, cores: 0.2, memoryBytes: 60_000_000, meetsBudget: true, cheapest: true });
  });

  it('adds what the chosen network added in this run, and marks none cheapest when none meets the budget', () => {
    const estimates = estimateCosts(DATA, { clients: 100, updatesPerSecond: 1, p99BudgetMs: 100, profile: 'mobile' });
    expect(estimates.map((e) => [e.label, e.p50Ms, e.p99Ms, e.meetsBudget])).toEqual([
      ['Polling 1 s', 650, 1190, false],
      // Long polling has no mobile run: its loopback figures stand.
      ['Long polling', 4, 20, true],
      ['WebSocket', 152, 308, false],
    ]);
    expect(estimates.filter((e) => e.cheapest).map((e) => e.label)).toEqual(['Long polling']);
    const tight = estimateCosts(DATA, { clients: 100, updatesPerSecond: 1, p99BudgetMs: 1, profile: '' });
    expect(tight.some((e) => e.cheapest)).toBe(false);
  });

  it('is what report.md shows for the three presets', () => {
    const table = presetsTable(DATA)!;
    expect(table.rows).toHaveLength(PRESETS.length * DATA.transports.length);
    const chat = table.rows.filter((r) => r[0]!.text.startsWith('Chat room'));
    const expected = estimateCosts(DATA, PRESETS[1]!.workload);
    expect(chat.map((r) => r[1]!.text)).toEqual(expected.map((e) => (e.cheapest ? `★ ${e.label}` : e.label)));
    expect(chat.map((r) => r[6]!.text)).toEqual(expected.map((e) => e.cores.toFixed(2)));
  });
});
