import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../bench/cli/args.ts';
import { estimateScenarioMs, isHeadline, planScenarios } from '../../bench/plan/plan.ts';
import { VARIANT_NAMES } from '../../bench/plan/variants.ts';
import { protocolVariants } from '../../bench/plan/protocols.ts';

describe('bench flags', () => {
  it('defaults to every transport at 10, 100 and 1,000 subscribers, 1 and 20 votes/s, headline repeated', () => {
    const options = parseBenchArgs([]);
    expect(options).toMatchObject({
      quick: false,
      clients: [10, 100, 1000],
      rates: [1, 20],
      repeat: 2,
      windowMs: 3000,
      redis: true,
      headline: { clients: 100, rate: 20 },
    });
    expect(options.variants).toEqual(VARIANT_NAMES);
  });

  it('--quick is small, and explicit flags override it', () => {
    expect(parseBenchArgs(['--quick'])).toMatchObject({ quick: true, clients: [10], rates: [20], repeat: 1, redis: false });
    expect(parseBenchArgs(['--quick', '--clients', '3,1', '--duration', '1.5'])).toMatchObject({ clients: [1, 3], windowMs: 1500, headline: { clients: 1 } });
  });

  it('runs only the capacity scenario with --capacity, and it with everything else with --full', () => {
    expect(parseBenchArgs([])).toMatchObject({ capacity: false, capacityOnly: false });
    expect(parseBenchArgs(['--capacity'])).toMatchObject({ capacity: true, capacityOnly: true });
    expect(parseBenchArgs(['--full'])).toMatchObject({ capacity: true, capacityOnly: false });
    expect(parseBenchArgs(['--full', '--capacity'])).toMatchObject({ capacity: true, capacityOnly: false });
  });

  it('runs the Redis scenario by default, not with --quick unless asked, never with --no-redis', () => {
    expect(parseBenchArgs(['--quick', '--redis']).redis).toBe(true);
    expect(parseBenchArgs(['--no-redis']).redis).toBe(false);
    expect(() => parseBenchArgs(['--redis', '--no-redis'])).toThrow(/contradict/);
  });

  it('expands "polling" and "reference", keeps the canonical order, and rejects unknown names', () => {
    expect(parseBenchArgs(['--transports', 'reference,polling']).variants).toEqual([
      'polling-1s',
      'polling-250ms',
      'polling-conditional-1s',
      'ws-reference',
      'long-poll-reference',
      'socketio-polling',
    ]);
    expect(() => parseBenchArgs(['--transports', 'carrier-pigeon'])).toThrow(/unknown "carrier-pigeon"/);
    expect(() => parseBenchArgs(['--rate', '0'])).toThrow(/positive/);
    expect(() => parseBenchArgs(['--repeat', '1.5'])).toThrow(/whole number/);
    expect(() => parseBenchArgs(['--bogus'])).toThrow();
  });

  it('measures the bare long-poll reference at the busiest rate only, and leaves it out of --quick unless named', () => {
    const options = parseBenchArgs(['--transports', 'long-polling,long-poll-reference', '--clients', '100,1000', '--rate', '1,20', '--repeat', '2']);
    const reference = planScenarios(options).filter((s) => s.variant === 'long-poll-reference');
    expect(reference.map((s) => [s.clients, s.rate, s.repetition])).toEqual([
      [100, 20, 1],
      [1000, 20, 1],
      [100, 20, 2],
    ]);
    expect(parseBenchArgs([]).variants).toContain('long-poll-reference');
    expect(parseBenchArgs(['--quick']).variants).not.toContain('long-poll-reference');
    expect(parseBenchArgs(['--quick', '--transports', 'long-poll-reference']).variants).toEqual(['long-poll-reference']);
  });

  it('plans every combination once and repeats only the headline', () => {
    const options = parseBenchArgs(['--transports', 'websocket,sse', '--clients', '10,100', '--rate', '1,20', '--repeat', '3']);
    const plan = planScenarios(options);
    expect(plan).toHaveLength(2 * 2 * 2 + 2 * 2);
    const repeated = plan.filter((s) => s.repetition > 1);
    expect(repeated.every((s) => s.clients === 10 && s.rate === 20)).toBe(true);
    expect(new Set(plan.map((s) => s.id)).size).toBe(plan.length);
  });

  it('runs cleartext HTTP/1.1 alone by default, adds TLS protocols with --protocol (always h1 too) or --full, and rejects unknown ones', () => {
    expect(parseBenchArgs([]).protocols).toEqual(['h1']);
    expect(parseBenchArgs(['--protocol', 'h2']).protocols).toEqual(['h1', 'h2']);
    expect(parseBenchArgs(['--protocol', 'h2,h1-tls']).protocols).toEqual(['h1', 'h1-tls', 'h2']);
    expect(parseBenchArgs(['--full']).protocols).toEqual(['h1', 'h1-tls', 'h2']);
    expect(() => parseBenchArgs(['--protocol', 'h3'])).toThrow('--protocol: unknown "h3"; choose from h1, h1-tls, h2');
    expect(protocolVariants('h2', VARIANT_NAMES)).toEqual(['polling-1s', 'polling-250ms', 'polling-conditional-1s', 'long-polling', 'sse']);
    expect(protocolVariants('h1-tls', ['long-polling', 'websocket', 'ws-reference'])).toEqual(['long-polling', 'websocket']);
  });

  it('runs loopback and broadband by default, loopback alone with --quick, and always loopback with --network', () => {
    expect(parseBenchArgs([]).networks).toEqual(['loopback', 'broadband']);
    expect(parseBenchArgs(['--quick']).networks).toEqual(['loopback']);
    expect(parseBenchArgs(['--network', 'mobile,lan']).networks).toEqual(['loopback', 'lan', 'mobile']);
    expect(() => parseBenchArgs(['--network', 'dial-up'])).toThrow(/unknown "dial-up"/);
  });

  it('plans the main scenarios of a default run, warm-ups and idle windows included, within about eight minutes and a quick one in about a minute', () => {
    const total = (argv: string[]): number => {
      const options = parseBenchArgs(argv);
      return planScenarios(options).reduce((sum, s) => sum + estimateScenarioMs(s, options.windowMs, options.warmupMs, isHeadline(s, options.headline)), 0);
    };
    expect(total(['--quick'])).toBeLessThan(75_000);
    expect(total([])).toBeGreaterThan(3 * 60_000);
    expect(total([])).toBeLessThan(8 * 60_000);
  });

  it('warms up 1.5 s before each window by default, 1 s with --quick, as long as --warmup says, and refuses a negative one', () => {
    expect(parseBenchArgs([]).warmupMs).toBe(1500);
    expect(parseBenchArgs(['--quick']).warmupMs).toBe(1000);
    expect(parseBenchArgs(['--warmup', '0']).warmupMs).toBe(0);
    expect(parseBenchArgs(['--warmup', '2.5']).warmupMs).toBe(2500);
    expect(() => parseBenchArgs(['--warmup=-1'])).toThrow(/--warmup must be a number of 0 or more/);
  });

  it('measures the idle window only at the headline subscriber count and rate, which the estimate counts', () => {
    const options = parseBenchArgs([]);
    const planned = planScenarios(options);
    const headline = planned.find((s) => isHeadline(s, options.headline))!;
    const other = planned.find((s) => !isHeadline(s, options.headline))!;
    expect(headline).toMatchObject({ clients: 100, rate: 20 });
    expect(estimateScenarioMs(headline, 3000, 1500, true) - estimateScenarioMs(headline, 3000, 1500, false)).toBe(3000);
    expect(estimateScenarioMs(other, 3000, 1500, false) - estimateScenarioMs(other, 3000, 0, false)).toBe(1500);
  });
});
