import { VARIANTS } from '../plan/variants.ts';
import type { BenchResults, FaultRun, FaultTiming, FaultTransportResult } from '../results/types.ts';
import { ms, percent, rateText } from './format.ts';
import type { Cell, Table } from './tables.ts';

const cell = (text: string, bad = false): Cell => (bad ? { text, bad } : { text });
/** A timing, or a dash: red only when subscribers were there to be timed. */
const timingCell = (t: FaultTiming | null, timed: number): Cell =>
  cell(t === null ? '–' : `${ms(t.p50Ms)} / ${ms(t.p99Ms)} / ${ms(t.maxMs)}`, t === null && timed > 0);

/** The restart of a memory feed loses the state, so there every subscriber must resync; anywhere else none may. */
export function resyncsExpected(run: FaultRun): boolean {
  return run.kind === 'restart' && run.feed === 'memory';
}

/** Whether a transport came through the fault as the contract says (nothing lost or doubled, resyncs as expected, everyone back). */
export function transportMet(run: FaultRun, t: FaultTransportResult): boolean {
  const resyncsRight = resyncsExpected(run) ? t.subscribersResynced === t.subscribers : t.resyncs === 0;
  return t.lost + t.duplicated + t.outOfOrder === 0 && t.notRecovered === 0 && resyncsRight;
}

/** Per fault and transport: how long until connected again and caught up, and what broke. */
export function faultsTable(results: BenchResults): Table | undefined {
  const faults = results.faults;
  if (faults === undefined) return undefined;
  return {
    id: 'faults',
    title: `Faults: ${faults.clientsPerTransport} subscribers per transport, ${rateText(faults.rate)} through the fault`,
    intro:
      'Times in ms from the fault (p50 / p99 / max over the subscribers; when one of two processes dies, over those that were connected to it). Connected again: the first answer, frame or open after the fault (after its first failure, for a client that saw one). Caught up: the moment it held every vote acknowledged by the time it was connected again. Lost, duplicated and out of order must be 0. Resyncs: snapshots that replaced a cursor the server could not resume, and how many subscribers had one: after a restart of the memory feed every subscriber must have one, anywhere else none.',
    columns: [
      'fault',
      'transport',
      'subscribers',
      'connected again ms',
      'caught up ms',
      'not recovered',
      'lost / dup / out of order',
      'resyncs (subscribers)',
      'failed attempts',
      'extra requests',
      'verdict',
    ],
    rows: faults.runs.flatMap((run) =>
      run.transports.map((t) => {
        const errors = t.lost + t.duplicated + t.outOfOrder;
        const met = transportMet(run, t);
        return [
          cell(run.label),
          cell(VARIANTS[t.variant].label),
          cell(t.timed === t.subscribers ? String(t.subscribers) : `${t.subscribers} (${t.timed} on the dead process)`),
          timingCell(t.connectedAgain, t.timed),
          timingCell(t.caughtUp, t.timed),
          cell(String(t.notRecovered), t.notRecovered > 0),
          cell(`${t.lost} / ${t.duplicated} / ${t.outOfOrder}`, errors > 0),
          cell(`${t.resyncs} (${t.subscribersResynced})`, resyncsExpected(run) ? t.subscribersResynced < t.subscribers : t.resyncs > 0),
          cell(String(t.failedAttempts)),
          cell(String(t.extraRequests)),
          cell(met ? 'met' : 'not met', !met),
        ];
      }),
    ),
    notes: faults.skipped.map((s) => `Not run: ${s.label}: ${s.reason}.`),
  };
}

/** Per fault: the server's final counts against the distinct acknowledged votes. */
export function faultVotesTable(results: BenchResults): Table | undefined {
  const faults = results.faults;
  if (faults === undefined || faults.runs.length === 0) return undefined;
  return {
    id: 'fault-votes',
    title: 'Faults: every acknowledged vote counted once',
    intro:
      'Every vote carries a voteId and is sent again with it after a network error or a 503. At the end the sum of the counts in GET /api/ballot must equal the number of distinct acknowledged voteIds: fewer means a vote was lost, more that one was counted twice (or counted without its answer arriving). A restarted memory feed starts from zero, so there only the votes the new process acknowledged count.',
    columns: [
      'fault',
      'votes acknowledged / cast',
      'failed',
      'final count',
      'distinct acknowledged',
      'of which',
      'check',
      'restart ms',
      'acknowledged, never sent (lost with the process)',
    ],
    rows: faults.runs.map((run) => [
      cell(run.label),
      cell(`${run.votes.acknowledged}/${run.votes.scheduled}`, run.votes.acknowledged < run.votes.scheduled),
      cell(String(run.votes.failed), run.votes.failed > 0),
      cell(String(run.countCheck.counted)),
      cell(String(run.countCheck.expected)),
      cell(run.countCheck.scope),
      cell(run.countCheck.met ? 'met' : 'not met', !run.countCheck.met),
      cell(run.restartMs === undefined ? '–' : ms(run.restartMs)),
      cell(run.unsentAtRestart === undefined ? '–' : String(run.unsentAtRestart)),
    ]),
  };
}

/** The reconnect storm with and without jitter. */
export function stormTable(results: BenchResults): Table | undefined {
  const storms = results.faults?.runs.filter((run) => run.storm !== undefined) ?? [];
  if (storms.length === 0) return undefined;
  return {
    id: 'storm',
    title: `Reconnect storm: ${results.faults!.stormClients} WebSocket subscribers cut at once`,
    intro:
      'Attempts: the reconnects the clients scheduled, by when they were due. Failed attempts: those scheduled because the one before failed. Peak server CPU: the highest 100 ms sample (1 = one core). Listen queue overflows: TcpExt ListenOverflows of the whole machine during the storm (Linux only).',
    columns: ['run', 'all back ms', 'peak attempts / 100 ms', 'attempts', 'failed attempts', 'peak server CPU', 'listen queue overflows'],
    rows: storms.map((run) => {
      const s = run.storm!;
      return [
        cell(run.label),
        cell(s.allBackMs === null ? 'not all' : ms(s.allBackMs), s.allBackMs === null),
        cell(String(Math.max(0, ...s.attemptsPer100Ms))),
        cell(String(s.attemptsPer100Ms.reduce((sum, n) => sum + n, 0))),
        cell(String(s.failedAttempts)),
        cell(percent(s.peakServerCpu)),
        cell(s.listenOverflows === null ? 'not exposed' : String(s.listenOverflows)),
      ];
    }),
  };
}

/** Parts of the bench this run left out, and the command that runs each. */
export function notRunTable(results: BenchResults): Table | undefined {
  const rows: Cell[][] = [];
  if (results.config.faults !== true) {
    rows.push([cell('Faults (connection cut, restarts, a process dying, reconnect storm)'), cell('not asked for'), cell('`npm run bench -- --faults`')]);
  }
  for (const skipped of results.faults?.skipped ?? []) {
    rows.push([
      cell(`Fault: ${skipped.label}`),
      cell(skipped.reason),
      cell(skipped.label.includes('storm') ? '`npm run bench -- --faults`' : '`npm run bench -- --faults --redis`'),
    ]);
  }
  if (results.config.capacity !== true)
    rows.push([cell('Capacity (10,000 subscribers per transport and both bare references)'), cell('not asked for'), cell('`npm run bench -- --capacity`')]);
  if (results.capacity !== undefined && results.scenarios.length === 0)
    rows.push([
      cell('Every other scenario (transports side by side, networks, Redis)'),
      cell('--capacity runs only the capacity scenario'),
      cell('`npm run bench`'),
    ]);
  if (results.config.redis !== true)
    rows.push([cell('Redis scenario (memory vs Redis vs two processes)'), cell('not asked for'), cell('`npm run bench -- --redis`')]);
  if (rows.length === 0) return undefined;
  return {
    id: 'not-run',
    title: 'Not run in this report',
    intro: '`npm run bench -- --full` runs everything: every network, every fault scenario, the Redis and the capacity scenario.',
    columns: ['section', 'why', 'command'],
    rows,
  };
}
