import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { PinningInfo } from '../results/types.ts';

function hasTaskset(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The CPUs this process may run on, as taskset prints them ("0,1" or "0-3"). */
function currentCpuList(): string | null {
  try {
    const out = execFileSync('taskset', ['-cp', String(process.pid)], { encoding: 'utf8' });
    return out.split(':').pop()?.trim() ?? null;
  } catch {
    return null;
  }
}

/**
 * Gives the server its own core and the load generator (this process, all its threads) the others,
 * so the two don't steal each other's CPU and the server's figures are the server's.
 * Returns what was done, for the report; the caller starts servers with `serverCommandPrefix`.
 */
export function planPinning(): PinningInfo & { serverCommandPrefix: string[] } {
  const cores = availableParallelism();
  if (!hasTaskset()) {
    return {
      applied: false,
      serverCpus: null,
      loadCpus: null,
      note: 'taskset is not available: server and load generator share all CPUs',
      serverCommandPrefix: [],
    };
  }
  if (cores < 2) {
    return { applied: false, serverCpus: null, loadCpus: null, note: `only ${cores} CPU: server and load generator share it`, serverCommandPrefix: [] };
  }
  const serverCpus = '0';
  const loadCpus = cores === 2 ? '1' : `1-${cores - 1}`;
  try {
    // -a: every thread of this process (libuv pool, V8 helpers), not only the main one.
    execFileSync('taskset', ['-a', '-cp', loadCpus, String(process.pid)], { stdio: 'ignore' });
  } catch (error) {
    return {
      applied: false,
      serverCpus: null,
      loadCpus: currentCpuList(),
      note: `taskset failed (${(error as Error).message.split('\n')[0]}): nothing pinned`,
      serverCommandPrefix: [],
    };
  }
  return {
    applied: true,
    serverCpus,
    loadCpus,
    note: `server processes on CPU ${serverCpus}, load generator (subscribers, voter, autocannon) on CPU ${loadCpus}`,
    serverCommandPrefix: ['taskset', '-c', serverCpus],
  };
}

/** How to start a process on the load generator's side (the relay): pinned with it when pinning was applied. */
export function loadSideCommandPrefix(pinning: PinningInfo): string[] {
  return pinning.applied && pinning.loadCpus !== null ? ['taskset', '-c', pinning.loadCpus] : [];
}
