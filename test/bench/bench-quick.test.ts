import { readFile, readlink, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { VARIANT_NAMES, VARIANTS } from '../../bench/plan/variants.ts';
import { FAULT_VARIANTS, FAULTS } from '../../bench/faults/run-faults.ts';
import type { BenchResults, FaultKind, FaultRun } from '../../bench/results/types.ts';
import { runBench } from './helpers/run-bench.ts';

/**
 * The real thing at small scale: `npm run bench -- --quick --faults` with 4 subscribers and 2-second windows
 * (every transport, the reference server, autocannon, the small fault scenarios, the report), then checks
 * on what it measured.
 */
const TIMEOUT_MS = 110_000;

let root: string;
let exitCode: number | null;
let output = '';
let results: BenchResults;

beforeAll(async () => {
  ({ root, exitCode, output } = await runBench(['--quick', '--clients', '4', '--duration', '2', '--faults'], TIMEOUT_MS));
  // A hook of its own, so the folder goes even when reading the results (the next hook) fails.
  return () => rm(root, { recursive: true, force: true });
}, TIMEOUT_MS + 10_000);

beforeAll(async () => {
  results = JSON.parse(await readFile(join(root, 'latest', 'results.json'), 'utf8')) as BenchResults;
});

/** The one fault run of that kind on that feed. */
function faultRun(kind: FaultKind, feed: 'memory' | 'redis'): FaultRun {
  const runs = results.faults?.runs.filter((run) => run.kind === kind && run.feed === feed) ?? [];
  expect(runs, `${kind} on the ${feed} feed`).toHaveLength(1);
  return runs[0]!;
}

/** The rows of the table `### <title>` in report.md that contain `marker`. */
async function reportTableRows(title: string, marker: string): Promise<string[]> {
  const markdown = await readFile(join(root, 'latest', 'report.md'), 'utf8');
  const start = markdown.indexOf(`### ${title}`);
  expect(start, `no table "${title}"`).toBeGreaterThan(0);
  // A table ends at the next heading or at the next folded section (a <details> table has no heading).
  const ends = ['\n### ', '\n<details>'].map((marker) => markdown.indexOf(marker, start + 1)).filter((i) => i > 0);
  const section = markdown.slice(start, Math.min(...ends));
  return section.split('\n').filter((line) => line.startsWith('| ') && line.includes(marker));
}

describe('npm run bench -- --quick', () => {
  it('finishes without failed steps and writes the three report files behind reports/latest', async () => {
    expect(exitCode, output).toBe(0);
    expect(results.failures).toEqual([]);
    const latest = await readlink(join(root, 'latest'));
    for (const file of ['index.html', 'report.md', 'results.json']) {
      expect((await stat(join(root, latest, file))).size).toBeGreaterThan(500);
    }
  });

  it('measures every transport and the references a quick run includes, and names each in both reports', async () => {
    // --quick leaves out the variants measured at the busiest rate only (the bare long-poll reference).
    const quickVariants = VARIANT_NAMES.filter((v) => VARIANTS[v].busiestRateOnly !== true);
    expect(quickVariants.length).toBeGreaterThan(0);
    expect(new Set(results.scenarios.map((s) => s.variant))).toEqual(new Set(quickVariants));
    const markdown = await readFile(join(root, 'latest', 'report.md'), 'utf8');
    const html = await readFile(join(root, 'latest', 'index.html'), 'utf8');
    for (const variant of quickVariants) {
      expect(markdown).toContain(`| ${VARIANTS[variant].label} |`);
      expect(html).toContain(`<td>${VARIANTS[variant].label}</td>`);
    }
    expect(results.overhead.map((o) => o.name)).toEqual(['ballot-200', 'ballot-304', 'vote-201']);
    for (const o of results.overhead) expect(o.unexpected + o.errors, o.name).toBe(0);
  });

  it('compares every transport with its reference at the headline, with both of its rows measured', async () => {
    const lines = await reportTableRows('Against the references', '×');
    expect(lines).toHaveLength(9);
    for (const line of lines)
      expect(line).toMatch(/\| (🔴 \*\*)?(no measurable difference|.+ ([\d.]+×|\d+ %) (lower|higher))( \(load generator flagged\))?(\*\*)? \|$/);
  });

  it('delivers every vote to every subscriber exactly once and in order, on every transport', () => {
    for (const s of results.scenarios) {
      expect(s.votes.acknowledged, s.variant).toBe(s.votes.scheduled);
      expect(s.coherence, s.variant).toMatchObject({ subscribers: 4, lost: 0, duplicated: 0, outOfOrder: 0, resyncs: 0 });
      expect(s.latency.count, s.variant).toBe(s.votes.acknowledged * 4);
    }
  });

  it('warms every scenario up for 1 s before its window, and measures the idle CPU of the headline ones over an equal window', () => {
    expect(results.config.warmupMs).toBe(1000);
    for (const s of results.scenarios) {
      expect(s.warmup, s.variant).toEqual({ ms: 1000 });
      // --quick's only scenario point (4 subscribers, 20 votes/s) is the headline.
      expect(s.idle?.windowMs, s.variant).toBeGreaterThanOrEqual(s.windowMs);
      expect(s.idle!.serverCpuMs, s.variant).toBeGreaterThan(0);
      // Idle means no votes: pushed to, the subscribers alone cost less than the votes on top of them. A poller
      // asks as often either way, so its idle and busy CPU differ by the votes alone, within a 3 s window's noise.
      if (!s.variant.startsWith('polling')) expect(s.idle!.serverCpuMs, s.variant).toBeLessThan(s.cost.serverCpuMs);
    }
  });

  // How fast things were (latency against the interval or 100 ms, how close the two byte counts came)
  // depends on the machine: the report judges it in its sanity checks, and this run only asks that it did.
  it("judges every scenario in the report's sanity checks, and sums them up in the conclusions", async () => {
    const lines = await reportTableRows('Sanity checks', ' | 4 | 20 | ');
    const polling = results.scenarios.filter((s) => VARIANTS[s.variant].intervalMs !== undefined).length;
    expect(lines).toHaveLength(3 * polling + 2 * (results.scenarios.length - polling));
    for (const line of lines) expect(line).toMatch(/\| (met|🔴 \*\*missed( \(load generator flagged\))?\*\*) \|$/);
    expect(await readFile(join(root, 'latest', 'report.md'), 'utf8')).toMatch(/\n- Sanity checks: (all \d+ met|\d+ of \d+ missed: )/);
  });

  it('brings every subscriber of every transport through a connection cut with nothing lost, doubled or resynced', () => {
    const cut = faultRun('cut', 'memory');
    expect(cut.transports.map((t) => t.variant)).toEqual(FAULT_VARIANTS);
    for (const t of cut.transports) {
      expect(t, t.variant).toMatchObject({ subscribers: 4, lost: 0, duplicated: 0, outOfOrder: 0, resyncs: 0, notRecovered: 0 });
    }
  });

  it('resyncs every subscriber once with a snapshot after a kill -9 restart of the memory feed, with no gap or duplicate', () => {
    const restart = faultRun('restart', 'memory');
    expect(restart.transports.map((t) => t.variant)).toEqual(FAULT_VARIANTS);
    for (const t of restart.transports) {
      expect(t, t.variant).toMatchObject({ subscribers: 4, lost: 0, duplicated: 0, outOfOrder: 0, resyncs: 4, subscribersResynced: 4, notRecovered: 0 });
    }
  });

  it('ends every fault with final counts equal to the distinct acknowledged votes, and says so in the report', async () => {
    for (const run of results.faults!.runs) {
      expect(run.votes.failed, run.label).toBe(0);
      expect(run.countCheck.expected, run.label).toBeGreaterThan(0);
      expect(run.countCheck.counted, run.label).toBe(run.countCheck.expected);
      expect(run.countCheck.met, run.label).toBe(true);
    }
    // The restarted memory feed counts only what the new process acknowledged: fewer than all.
    expect(faultRun('restart', 'memory').countCheck.expected).toBeLessThan(faultRun('restart', 'memory').votes.acknowledged);
    const lines = await reportTableRows('Faults: every acknowledged vote counted once', '| met |');
    expect(lines).toHaveLength(2);
  });

  it('names the fault scenarios a --quick run leaves out, with the command that runs them', async () => {
    expect(results.faults!.skipped.map((s) => s.label)).toEqual(FAULTS.filter((f) => f.kind === 'storm' || f.feed === 'redis').map((f) => f.label));
    const lines = await reportTableRows('Not run in this report', 'Fault: ');
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toMatch(/`npm run bench -- --faults( --redis)?`/);
  });

  it('counts bytes at both ends of the sockets', () => {
    for (const s of results.scenarios) {
      expect(s.cost.serverBytesOut, s.variant).toBeGreaterThan(0);
      expect(s.cost.clientBytesIn, s.variant).toBeGreaterThan(0);
    }
  });
});
