import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { derive } from '../../bench/report/derive.ts';
import { windowDeliveries } from '../../bench/results/deliveries.ts';
import type { BenchResults, ScenarioResult, VariantName } from '../../bench/results/types.ts';

const fixture = (): BenchResults => JSON.parse(readFileSync(new URL('fixtures/results.json', import.meta.url), 'utf8')) as BenchResults;

/** A scenario of the fixture's `variant` whose window cost 1,200 ms of server CPU, with these two delivery counts. */
function scenarioOf(variant: VariantName, deliveries: number, serverDeliveries: number): ScenarioResult {
  const scenario = fixture().scenarios.find((s) => s.variant === variant)!;
  return { ...scenario, cost: { ...scenario.cost, serverCpuMs: 1200, deliveries, serverDeliveries } };
}

describe('the deliveries a window is charged with', () => {
  it('are the events a long-poll server wrote in the window when a lagging generator had it write a backlog too', () => {
    // 100 votes to 1,000 subscribers, and 16,000 events of earlier votes the subscribers were behind on.
    const lagging = scenarioOf('long-polling', 100_000, 116_000);
    expect(windowDeliveries(lagging)).toBe(116_000);
    expect(derive(lagging).cpuMsPer1000Deliveries).toBeCloseTo(1200 / 116, 9);
  });

  it('are the events written for push transports and the references as well', () => {
    for (const variant of ['websocket', 'sse', 'ws-reference', 'long-poll-reference'] as const) {
      expect(windowDeliveries(scenarioOf(variant, 4000, 3500))).toBe(3500);
    }
  });

  it('stay acknowledged votes × subscribers for polling, whose answers carry counts rather than events', () => {
    const polling = scenarioOf('polling-1s', 4000, 1500);
    expect(windowDeliveries(polling)).toBe(4000);
    expect(derive(polling).cpuMsPer1000Deliveries).toBe(300);
  });

  it('fall back to acknowledged votes × subscribers where the server counted none', () => {
    expect(windowDeliveries(scenarioOf('websocket', 4000, 0))).toBe(4000);
  });
});
