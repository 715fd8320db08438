import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { runBench } from './helpers/run-bench.ts';

/**
 * What /proc says about every live process: its pid, its process group and its command line (Linux only).
 * Zombies are left out: they are dead, and whether something reaps them is up to the machine's init.
 */
function processes(): { pid: number; group: number; commandLine: string }[] {
  const found: { pid: number; group: number; commandLine: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // stat: pid (command) state ppid pgrp ...; the command may hold spaces, so count from its ")".
      const [state, , group] = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
      if (state === 'Z') continue;
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      found.push({ pid: Number(entry), group: Number(group), commandLine });
    } catch {
      // Gone between the listing and the read.
    }
  }
  return found;
}

describe.runIf(process.platform === 'linux')('a bench run that takes longer than its test allows', () => {
  it('is killed whole: npm, the bench and the servers it started', async () => {
    // Long enough for the bench to have started its first server, far too short to finish.
    const run = await runBench(['--quick', '--clients', '4', '--duration', '2'], 10_000);
    try {
      expect(run.timedOut, run.output).toBe(true);
      // Every process of the run has the --out folder in its command line or is in the run's group
      // (a server's command line does not name the folder).
      const leftovers = () => processes().filter((p) => p.commandLine.includes(run.root) || p.group === run.group);
      await waitFor(
        () => `the run's processes to be gone: ${JSON.stringify(leftovers())}`,
        () => leftovers().length === 0,
        { timeoutMs: 3000 },
      );
    } finally {
      await rm(run.root, { recursive: true, force: true });
    }
  });
});
