import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../bench/cli/args.ts';
import { FAULTS, whyNotRun } from '../../bench/faults/run-faults.ts';
import { NETWORK_PROFILE_NAMES } from '../../bench/network/profiles.ts';

describe('bench flags for the fault scenarios', () => {
  it('leaves the faults out of the default run and out of --quick', () => {
    expect(parseBenchArgs([])).toMatchObject({ faults: false, full: false });
    expect(parseBenchArgs(['--quick'])).toMatchObject({ faults: false, full: false });
  });

  it('--faults adds them without changing the networks or the Redis scenario', () => {
    const plain = parseBenchArgs([]);
    const faults = parseBenchArgs(['--faults']);
    expect(faults.faults).toBe(true);
    expect(faults.networks).toEqual(plain.networks);
    expect(faults.redis).toBe(plain.redis);
  });

  it('--full runs every network, every fault and the Redis scenario, also with --quick; --no-redis still takes Redis out', () => {
    for (const argv of [['--full'], ['--full', '--quick']]) {
      expect(parseBenchArgs(argv), argv.join(' ')).toMatchObject({ full: true, faults: true, redis: true, networks: NETWORK_PROFILE_NAMES });
    }
    expect(parseBenchArgs(['--full', '--no-redis']).redis).toBe(false);
    expect(parseBenchArgs(['--full', '--network', 'lan']).networks).toEqual(parseBenchArgs(['--network', 'lan']).networks);
  });

  it('with --quick runs only the cut and the memory-feed restart, and says why not the rest', () => {
    const quick = parseBenchArgs(['--quick', '--faults']);
    const run = FAULTS.filter((f) => whyNotRun(quick, f) === undefined).map((f) => `${f.kind} ${f.feed}`);
    expect(run).toEqual(['cut memory', 'restart memory']);
    expect(FAULTS.filter((f) => f.kind === 'storm').map((f) => whyNotRun(quick, f))).toEqual([
      expect.stringMatching(/--quick/),
      expect.stringMatching(/--quick/),
    ]);
    const withRedis = parseBenchArgs(['--quick', '--faults', '--redis']);
    expect(FAULTS.filter((f) => whyNotRun(withRedis, f) === undefined)).toHaveLength(4);
    expect(FAULTS.every((f) => whyNotRun(parseBenchArgs(['--faults']), f) === undefined)).toBe(true);
  });
});
