import { describe, expect, it } from 'vitest';
import { median, percentile } from '../../src/client/statistics.ts';

describe('percentile (nearest rank)', () => {
  // [list, [p, the sample at rank ceil(p × n / 100)]...]
  const ranks: [string, number[], [number, number][]][] = [
    [
      'the textbook example',
      [15, 20, 35, 40, 50],
      [
        [5, 15],
        [30, 20],
        [40, 20],
        [50, 35],
        [100, 50],
      ],
    ],
    [
      'an odd-length list',
      [5, 1, 4, 2, 3],
      [
        [20, 1],
        [21, 2],
        [50, 3],
        [99, 5],
      ],
    ],
    [
      'an even-length list, whose p50 is the lower middle value',
      [40, 10, 30, 20],
      [
        [25, 10],
        [26, 20],
        [50, 20],
        [51, 30],
        [75, 30],
      ],
    ],
  ];
  it.each(ranks)('answers with the sample at rank ceil(p × n / 100) on %s', (_, values, expected) => {
    for (const [p, sample] of expected) expect(percentile(values, p), `p${p}`).toBe(sample);
  });

  it('gives the smallest sample at p0 and the largest at p100', () => {
    expect(percentile([7, 3, 9], 0)).toBe(3);
    expect(percentile([7, 3, 9], 100)).toBe(9);
    expect(percentile([42], 0)).toBe(42);
    expect(percentile([42], 100)).toBe(42);
  });

  it('answers p exactly for 1..100, with no rank lost to floating point (7 / 100 × 100 is not 7)', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    for (let p = 1; p <= 100; p++) expect(percentile(values, p), `p${p}`).toBe(p);
    expect(percentile(values, 99.5)).toBe(100);
  });

  it('answers undefined for an empty list', () => {
    expect(percentile([], 0)).toBeUndefined();
    expect(percentile([], 50)).toBeUndefined();
    expect(percentile([], 100)).toBeUndefined();
  });

  it('rejects p outside 0..100', () => {
    expect(() => percentile([1], -1)).toThrow(RangeError);
    expect(() => percentile([1], 100.5)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });

  it('leaves its input in the order it was given', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('median', () => {
  it('takes the middle value of an odd-length list', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([42])).toBe(42);
    expect(median([9, 2, 2, 2, 1])).toBe(2);
  });

  it('takes the mean of the two middle values of an even-length list', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([1, 2])).toBe(1.5);
    expect(median([0.5, 0.25])).toBe(0.375);
    expect(median([2, 2, 9, 2])).toBe(2);
  });

  it('differs from the nearest-rank p50 on an even-length list, which is the lower middle value', () => {
    expect(median([1, 2, 3, 10])).toBe(2.5);
    expect(percentile([1, 2, 3, 10], 50)).toBe(2);
  });

  it('answers undefined for an empty list and leaves its input alone', () => {
    expect(median([])).toBeUndefined();
    const values = [3, 1, 2, 0];
    median(values);
    expect(values).toEqual([3, 1, 2, 0]);
  });
});
