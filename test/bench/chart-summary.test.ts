import type { TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { summarizeChart } from '../../bench/report/chart-summary.ts';

describe('summarizeChart', () => {
  it('says each bar of a bar chart with its value, once even when a text layer repeats the numbers', () => {
    const values = [
      { transport: 'WebSocket', value: 106.4 },
      { transport: 'Long polling', value: 1415.2 },
    ];
    const bars = {
      data: { values },
      layer: [
        { mark: 'bar', encoding: { y: { field: 'transport', type: 'nominal' }, x: { field: 'value', type: 'quantitative', title: 'bytes per event (log)' } } },
        { mark: 'text', encoding: { y: { field: 'transport', type: 'nominal' }, x: { field: 'value', type: 'quantitative' }, text: { field: 'value' } } },
      ],
    } as TopLevelSpec;
    expect(summarizeChart(bars)).toBe('bytes per event: WebSocket 106; Long polling 1415.');
  });

  it('says each line from its first to its last point, with a peak in between, per series', () => {
    const values = [
      { run: 'jitter off', ms: 0, attempts: 0 },
      { run: 'jitter off', ms: 100, attempts: 750 },
      { run: 'jitter off', ms: 200, attempts: 3 },
      { run: 'jitter on', ms: 0, attempts: 0 },
      { run: 'jitter on', ms: 100, attempts: 40 },
    ];
    const lines = {
      data: { values },
      mark: 'line',
      encoding: {
        x: { field: 'ms', type: 'quantitative', title: 'ms after the cut' },
        y: { field: 'attempts', type: 'quantitative', title: 'attempts' },
        color: { field: 'run', type: 'nominal' },
      },
    } as TopLevelSpec;
    expect(summarizeChart(lines)).toBe(
      'attempts against ms after the cut, as (x, y): jitter off from (0, 0) to (200, 3) (highest (100, 750)); jitter on from (0, 0) to (100, 40).',
    );
  });
});
