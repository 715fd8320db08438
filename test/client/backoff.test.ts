import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/client/backoff.ts';

describe('Backoff', () => {
  it('doubles the ceiling per attempt and stays within [ceiling/2, ceiling]', () => {
    const low = new Backoff({ initialMs: 100, maxMs: 10_000, random: () => 0 });
    const high = new Backoff({ initialMs: 100, maxMs: 10_000, random: () => 0.999999 });
    const lows = [low.next(), low.next(), low.next(), low.next()];
    const highs = [high.next(), high.next(), high.next(), high.next()];
    expect(lows).toEqual([50, 100, 200, 400]);
    highs.forEach((value, i) => expect(value).toBeCloseTo(100 * 2 ** i, 2));
  });

  it('never exceeds maxMs however many attempts fail', () => {
    const backoff = new Backoff({ initialMs: 250, maxMs: 4000, random: () => 0.999999 });
    const delays = Array.from({ length: 30 }, () => backoff.next());
    expect(Math.max(...delays)).toBeLessThanOrEqual(4000);
    expect(delays.at(-1)).toBeGreaterThan(3999);
    expect(backoff.attempt).toBe(30);
  });

  it('jitters: different random draws give different delays for the same attempt', () => {
    const draws = [0.1, 0.9];
    const delays = draws.map((r) => new Backoff({ initialMs: 1000, random: () => r }).next());
    expect(delays[0]).toBeCloseTo(550, 5);
    expect(delays[1]).toBeCloseTo(950, 5);
  });

  it('starts over after reset()', () => {
    const backoff = new Backoff({ initialMs: 100, random: () => 0 });
    backoff.next();
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(backoff.next()).toBe(50);
  });

  it('rejects nonsense options', () => {
    expect(() => new Backoff({ initialMs: 0 })).toThrow(RangeError);
    expect(() => new Backoff({ initialMs: 500, maxMs: 100 })).toThrow(RangeError);
  });
});
