import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareRanges, comparisonText } from '../../bench/report/compare.ts';
import { conclusions } from '../../bench/report/conclusions.ts';
import { derive, scenarioRows } from '../../bench/report/derive.ts';
import { summaryTable } from '../../bench/report/tables.ts';
import { verdict } from '../../bench/report/verdict.ts';
import { medianRange } from '../../bench/results/aggregate.ts';
import { netServerCpuMs } from '../../bench/results/idle.ts';
import type { BenchResults, ScenarioResult } from '../../bench/results/types.ts';

const fixture = (): BenchResults => JSON.parse(readFileSync(new URL('fixtures/results.json', import.meta.url), 'utf8')) as BenchResults;

/** A scenario of the fixture with the given CPU, deliveries, window and idle cost. */
function scenarioWith(serverCpuMs: number, deliveries: number, windowMs: number, idle?: ScenarioResult['idle']): ScenarioResult {
  const scenario = fixture().scenarios[0]!;
  delete scenario.idle;
  return { ...scenario, windowMs, cost: { ...scenario.cost, serverCpuMs, deliveries }, ...(idle === undefined ? {} : { idle }) };
}

describe('CPU net of the idle cost', () => {
  it('subtracts the idle CPU scaled to the window: 300 ms minus 40 ms over 2 s idle for a 3 s window leaves 240 ms', () => {
    expect(netServerCpuMs(scenarioWith(300, 6000, 3000, { serverCpuMs: 40, windowMs: 2000 }))).toBe(240);
  });

  it('subtracts the idle CPU as is when the idle window is as long as the measured one', () => {
    expect(netServerCpuMs(scenarioWith(125, 6000, 3000, { serverCpuMs: 25, windowMs: 3000 }))).toBe(100);
  });

  it('is undefined without an idle window, or with an empty one', () => {
    expect(netServerCpuMs(scenarioWith(300, 6000, 3000))).toBeUndefined();
    expect(netServerCpuMs(scenarioWith(300, 6000, 3000, { serverCpuMs: 0, windowMs: 0 }))).toBeUndefined();
  });

  it('derives both per-1,000-delivery figures: 300 ms and 60 ms idle over 4,000 deliveries give 75 ms measured and 60 ms net', () => {
    const d = derive(scenarioWith(300, 4000, 3000, { serverCpuMs: 60, windowMs: 3000 }));
    expect(d.cpuMsPer1000Deliveries).toBe(75);
    expect(d.cpuMsPer1000DeliveriesNet).toBe(60);
  });

  it('leaves the net figure out of a row (n 0) when no run measured the idle window, as in results from before it existed', () => {
    const results = fixture();
    for (const s of results.scenarios) delete s.idle;
    for (const row of scenarioRows(results)) {
      expect(row.figures.cpuMsPer1000DeliveriesNet.n).toBe(0);
      expect(row.figures.cpuMsPer1000Deliveries.n).toBeGreaterThan(0);
    }
  });
});

describe('compareRanges', () => {
  it('finds no measurable difference when the ranges overlap, even with medians 40 % apart', () => {
    expect(compareRanges(medianRange([60, 70, 93]), medianRange([50, 55, 61]))).toEqual({ kind: 'no measurable difference' });
  });

  it('finds no measurable difference when the ranges only touch', () => {
    expect(compareRanges(medianRange([10, 20]), medianRange([20, 30]))).toEqual({ kind: 'no measurable difference' });
  });

  it('names the lower with the ratio of the medians when the ranges are apart: median 15 against 60 is 0.25', () => {
    expect(compareRanges(medianRange([10, 20]), medianRange([50, 70]))).toEqual({ kind: 'lower', ratio: 0.25 });
  });

  it('names the higher with the ratio of the medians: 150 against 76.5', () => {
    expect(compareRanges(medianRange([143, 150, 157]), medianRange([60, 93]))).toEqual({ kind: 'higher', ratio: 150 / 76.5 });
  });

  it('compares single runs by their values, as ranges of one point', () => {
    expect(compareRanges(medianRange([3]), medianRange([3]))).toEqual({ kind: 'no measurable difference' });
    expect(compareRanges(medianRange([2]), medianRange([4]))).toEqual({ kind: 'lower', ratio: 0.5 });
  });

  it('finds no measurable difference between medians under 0.5 % apart, which would print as "0 %"', () => {
    expect(compareRanges(medianRange([108.2]), medianRange([108.6]))).toEqual({ kind: 'no measurable difference' });
    expect(compareRanges(medianRange([100]), medianRange([101]))).toEqual({ kind: 'lower', ratio: 100 / 101 });
  });
});

describe('comparisonText', () => {
  it('says how far apart and which way, as a percentage below 1.1×', () => {
    expect(comparisonText({ kind: 'no measurable difference' })).toBe('no measurable difference');
    expect(comparisonText({ kind: 'higher', ratio: 1.664 })).toBe('1.7× higher');
    expect(comparisonText({ kind: 'lower', ratio: 0.5 })).toBe('2.0× lower');
    expect(comparisonText({ kind: 'lower', ratio: 1 / 1.04 })).toBe('4 % lower');
  });
});

describe('conclusions with their spread', () => {
  const conclusionsOf = (results: BenchResults): string[] => conclusions(results, scenarioRows(results));
  const scenario = (results: BenchResults, id: string): ScenarioResult => results.scenarios.find((s) => s.id === id)!;

  it('shows both ranges and names the higher when they are apart: WebSocket 1108–1225 against bare ws 694–708 CPU ms per 1,000', () => {
    const line = conclusionsOf(fixture()).find((c) => c.startsWith('Against a bare `ws` broadcast server'))!;
    expect(line).toContain('CPU per 1,000 deliveries 1166 (1108–1225) ms against 701 (694–708) ms, 1.7× higher;');
  });

  it('says "no measurable difference" instead of a ratio when one run of the reference reaches into the other range', () => {
    const results = fixture();
    scenario(results, 's7').cost.serverCpuMs = 12; // bare ws: 694 and 1200 ms per 1,000, overlapping 1108–1225
    const line = conclusionsOf(results).find((c) => c.startsWith('Against a bare `ws` broadcast server'))!;
    expect(line).toContain('CPU per 1,000 deliveries 1166 (1108–1225) ms against 947 (694–1200) ms, no measurable difference;');
  });

  it('names no fastest transport when the fastest and the slowest overlap', () => {
    const results = fixture();
    results.scenarios = results.scenarios.filter((s) => s.variant === 'websocket' || s.variant === 'sse');
    const apart = conclusionsOf(results).find((c) => c.startsWith('Latency at'))!;
    expect(apart).toContain('is fastest (p50 2.28 (2.24–2.33) ms), SSE (load generator flagged) slowest (p50 2.46 (2.45–2.47) ms, 1.1× the median)');
    scenario(results, 's5').latency.p50Us = 2300; // SSE: 2.30–2.45 ms, overlapping WebSocket's 2.24–2.33
    const overlapping = conclusionsOf(results).find((c) => c.startsWith('Latency at'))!;
    expect(overlapping).toContain(
      'no measurable difference between WebSocket (load generator flagged) (p50 2.28 (2.24–2.33) ms) and SSE (load generator flagged) (p50 2.37 (2.30–2.45) ms)',
    );
    expect(overlapping).not.toContain('fastest');
  });

  it('adds the CPU net of the idle cost to the CPU sentence where the idle window was measured', () => {
    const results = fixture();
    results.scenarios = results.scenarios.filter((s) => s.variant === 'websocket' || s.variant === 'sse');
    // 10 deliveries per run: an idle 2 ms over the 3 s window takes 200 ms off each run's CPU per 1,000.
    for (const s of results.scenarios) s.idle = { serverCpuMs: 2, windowMs: s.windowMs };
    const line = conclusionsOf(results).find((c) => c.startsWith('Server CPU per 1,000 deliveries'))!;
    expect(line).toContain(
      'net of the idle cost (the same subscribers connected, no votes), WebSocket 966 (908–1025) ms against SSE 921 (789–1054) ms, no measurable difference',
    );
  });
});

describe('the summary table', () => {
  const websocketRow = (results: BenchResults): Record<string, string> => {
    const table = summaryTable(results, scenarioRows(results));
    const row = table.rows.find((r) => r[0]!.text === 'WebSocket')!;
    return Object.fromEntries(table.columns.map((column, i) => [column, row[i]!.text]));
  };

  it('shows CPU per 1,000 deliveries as measured and net of idle, each with its range, and a dash without an idle window', () => {
    const results = fixture();
    for (const s of results.scenarios) delete s.idle;
    expect(websocketRow(results)).toMatchObject({ 'server CPU ms / 1k deliveries': '1166 (1108–1225)', 'net of idle': '–' });
    for (const s of results.scenarios) s.idle = { serverCpuMs: 2, windowMs: s.windowMs };
    expect(websocketRow(results)).toMatchObject({ 'server CPU ms / 1k deliveries': '1166 (1108–1225)', 'net of idle': '966 (908–1025)' });
  });

  it("shows bytes per event (both directions) with the range of the runs' totals", () => {
    const results = fixture();
    const runs = results.scenarios.filter((s) => s.variant === 'websocket' && s.clients === 2 && s.rate === 5);
    runs[0]!.cost.serverBytesOut = 1000; // 10 deliveries: 100 B down per event in this run
    runs[0]!.cost.serverBytesIn = 0;
    runs[1]!.cost.serverBytesOut = 1200;
    runs[1]!.cost.serverBytesIn = 0;
    expect(websocketRow(results)['bytes / event (↓ + ↑)']).toBe('110 B (100 B–120 B)');
  });
});

describe('the verdict with its spread', () => {
  const verdictOf = (results: BenchResults): string[] => verdict(results, scenarioRows(results));

  it('names one transport for instant updates when its p50 range is apart from the rest, with its range', () => {
    const first = verdictOf(fixture())[0]!;
    expect(first).toContain('use WebSocket: p50 2.28 (2.24–2.33) ms');
  });

  it('names both transports, and says they cannot be told apart, when their p50 ranges overlap', () => {
    const results = fixture();
    results.scenarios.find((s) => s.id === 's5')!.latency.p50Us = 2300; // SSE: 2.30–2.45 ms
    const first = verdictOf(results)[0]!;
    expect(first).toContain('use WebSocket or SSE: p50 2.28 (2.24–2.33) ms');
    expect(first).toContain('(no measurable difference between them: WebSocket p50 2.28 (2.24–2.33) ms, SSE p50 2.37 (2.30–2.45) ms)');
  });

  it('gives every CPU alternative its range and a verdict against the cheapest instead of a bare ratio', () => {
    const cpu = verdictOf(fixture()).find((s) => s.startsWith('For large audiences'))!;
    expect(cpu).toContain('SSE or WebSocket (no measurable difference); SSE needs 1121 (989–1254) ms per 1,000 deliveries');
    expect(cpu).toContain('WebSocket 1166 (1108–1225) ms, no measurable difference; Long polling 2373 (2007–2740) ms, 2.1× higher');
  });
});
