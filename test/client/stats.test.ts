import { describe, expect, it } from 'vitest';
import { ClockOffset } from '../../src/client/clock-offset.ts';
import { RunningPercentiles } from '../../src/client/stats.ts';

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

describe('ClockOffset', () => {
  it('estimates the skew from the fastest round trip', () => {
    const clock = new ClockOffset();
    clock.observe(1000, 6000 + 50, 1100); // rtt 100, midpoint 1050 -> offset 5000
    clock.observe(2000, 7000 + 10, 2020); // rtt 20, midpoint 2010 -> offset 5000
    clock.observe(3000, 9999, 3400); // slower probe: ignored
    expect(clock.offsetMs).toBe(5000);
    expect(clock.uncertaintyMs).toBe(10);
    expect(clock.toLocal(12_000)).toBe(7000);
  });

  it('does not apply an offset that is smaller than its own uncertainty (same machine)', () => {
    const clock = new ClockOffset();
    clock.observe(1000, 1001.5, 1004); // rtt 4, offset -0.5: noise
    expect(clock.effectiveOffsetMs).toBe(0);
    expect(clock.toLocal(5000)).toBe(5000);
  });
});
