/** Number formatting shared by the Markdown and HTML reports. */

export function ms(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function bytes(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1024 * 1024) return `${(value / 1024 / 1024).toFixed(1)} MiB`;
  if (abs >= 10 * 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${value.toFixed(abs >= 100 ? 0 : 1)} B`;
}

export function num(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 100) return value.toFixed(0);
  return value.toFixed(digits);
}

export function percent(share: number | null): string {
  return share === null || !Number.isFinite(share) ? '–' : `${(share * 100).toFixed(share < 0.1 && share > 0 ? 1 : 0)} %`;
}

/** "3.2×" for a ratio; picks a sensible precision. */
export function times(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  return ratio >= 10 ? `${Math.round(ratio)}×` : `${ratio.toFixed(1)}×`;
}

/** A median with its range when there were repetitions: "12.3 (11.9–13.0)". */
export function withRange(median: number, min: number, max: number, n: number, format: (v: number) => string): string {
  if (n <= 1 || format(min) === format(max)) return format(median);
  return `${format(median)} (${format(min)}–${format(max)})`;
}

/** "1 vote/s", "20 votes/s". */
export function rateText(rate: number): string {
  return `${rate} ${rate === 1 ? 'vote' : 'votes'}/s`;
}
