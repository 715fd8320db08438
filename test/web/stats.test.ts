import { describe, expect, it } from 'vitest';
import { RunningPercentiles } from '../../web/src/models/stats.ts';

describe('RunningPercentiles', () => {
  it('keeps only the window but counts every sample', () => {
    const stats = new RunningPercentiles(3);
    [1000, 1000, 1000, 1, 2, 3].forEach((v) => stats.add(v));
    expect(stats.size).toBe(3);
    expect(stats.total).toBe(6);
    expect(stats.percentile(95)).toBe(3);
    expect(stats.last()).toBe(3);
  });

  it('ignores non-finite samples', () => {
    const stats = new RunningPercentiles();
    stats.add(Number.NaN);
    stats.add(Number.POSITIVE_INFINITY);
    expect(stats.total).toBe(0);
  });
});
