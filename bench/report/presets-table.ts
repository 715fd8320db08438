import { estimateCosts, PRESETS, type CalculatorData } from './calculator.ts';
import { bytes, ms, num } from './format.ts';
import type { Table } from './tables.ts';

/** report.md's stand-in for the page's calculator: the same arithmetic for three typical workloads. */
export function presetsTable(data: CalculatorData): Table | undefined {
  if (data.transports.length === 0) return undefined;
  return {
    id: 'choose',
    title: 'Choose for your app',
    intro:
      "Each transport's expected figures for three typical workloads, scaled from this run's measured costs per delivery (per request for polling) at the nearest measured scenario, on loopback. ✅ meets the p99 budget; ★ the one of those that needs the fewest server cores. index.html has a calculator for any workload.",
    columns: ['workload', 'transport', 'p50 ms', 'p99 ms', 'requests/s', 'Mbit/s', 'server cores', 'server memory', 'within budget', 'scaled from'],
    rows: PRESETS.flatMap((preset) =>
      estimateCosts(data, preset.workload).map((e) => [
        { text: preset.name },
        { text: e.cheapest ? `★ ${e.label}` : e.label },
        { text: ms(e.p50Ms) },
        { text: ms(e.p99Ms) },
        { text: num(e.requestsPerSecond, 0) },
        { text: num(e.megabitsPerSecond, 2) },
        { text: num(e.cores, 2) },
        { text: bytes(e.memoryBytes) },
        e.meetsBudget ? { text: '✅ yes' } : { text: 'no', bad: true },
        { text: e.nearest },
      ]),
    ),
  };
}
