import { describe, expect, it } from 'vitest';
import { ClockOffset } from '../../web/src/models/clock-offset.ts';

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
