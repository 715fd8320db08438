import { median } from '../../src/client/statistics.ts';
import { VARIANTS } from '../plan/variants.ts';
import type { BenchResults } from '../results/types.ts';
import { sanityChecks } from './checks.ts';
import { derive, headlineRows, type ScenarioRow } from './derive.ts';
import { bytes, ms, num, percent, times, withRange, rateText } from './format.ts';
import { bytesModel, pollingLatencyModel, projection } from './model.ts';
import { profileText } from './network-tables.ts';
import { compareWithReferences, FIGURE_NAMES, rangeText } from './references.ts';

export interface Cell {
  text: string;
  /** Shown in red: a coherence error, a failure, a saturated load generator. */
  bad?: boolean;
}

export interface Table {
  id: string;
  title: string;
  intro?: string;
  columns: string[];
  rows: Cell[][];
  notes?: string[];
  /** Shown folded (a <details> section): long reference tables a reader opens when needed. */
  collapsed?: boolean;
}

const cell = (text: string, bad = false): Cell => (bad ? { text, bad } : { text });
type Figure = keyof ScenarioRow['figures'];
const ranged = (row: ScenarioRow, key: Figure, format: (v: number) => string): Cell => {
  const f = row.figures[key];
  return cell(f.n === 0 ? '–' : withRange(f.median, f.min, f.max, f.n, format));
};
const coherenceCell = (row: ScenarioRow): Cell => {
  const { lost, duplicated, outOfOrder } = row.coherence;
  return cell(`${lost} / ${duplicated} / ${outOfOrder}`, lost + duplicated + outOfOrder > 0);
};
const generatorCell = (row: ScenarioRow): Cell => (row.generatorSaturated ? cell(`flagged: ${row.generatorReasons.join('; ')}`, true) : cell('ok'));

export function summaryTable(results: BenchResults, rows: readonly ScenarioRow[]): Table {
  const { clients, rate } = results.config.headline;
  const largest = Math.max(...results.config.clients);
  return {
    id: 'summary',
    title: `Summary: ${clients} subscribers, ${rateText(rate)}`,
    intro:
      results.config.repeat > 1
        ? `Median of ${results.config.repeat} runs, range in brackets. Latency is from the moment each vote was due to its arrival at each subscriber.`
        : 'Latency is from the moment each vote was due to its arrival at each subscriber.',
    // The key columns only, so the table fits the page; the rest are in "Every scenario".
    columns: [
      'Transport',
      'p50 ms',
      'p99 ms',
      'lost / dup / out of order',
      'requests / event',
      'bytes / event (↓ + ↑)',
      'server CPU ms / 1k deliveries',
      'net of idle',
      `memory / subscriber (at ${largest})`,
      'load generator',
    ],
    rows: headlineRows(results, rows).map((row) => {
      const big = rows.find((r) => r.variant === row.variant && r.rate === rate && r.clients === largest);
      return [
        cell(VARIANTS[row.variant].label),
        ranged(row, 'p50Ms', ms),
        ranged(row, 'p99Ms', ms),
        coherenceCell(row),
        ranged(row, 'requestsPerEvent', (v) => num(v)),
        ranged(row, 'bytesPerEvent', bytes),
        ranged(row, 'cpuMsPer1000Deliveries', ms),
        ranged(row, 'cpuMsPer1000DeliveriesNet', ms),
        big === undefined ? cell('–') : ranged(big, 'memoryPerSubscriberBytes', bytes),
        generatorCell(row),
      ];
    }),
  };
}

/** The median of the finite values; NaN (shown as a dash) when there are none. */
function finiteMedian(values: readonly number[]): number {
  return median(values.filter(Number.isFinite)) ?? Number.NaN;
}

/** Each transport against its reference at the headline: both figures with their ranges, the ratio, a plain verdict. */
export function referencesTable(results: BenchResults, rows: readonly ScenarioRow[]): Table {
  const { clients, rate } = results.config.headline;
  return {
    id: 'references',
    title: 'Against the references',
    intro: `Each transport beside the plainest server that does the same job, at ${clients} subscribers and ${rateText(rate)} (median, range over repetitions in brackets); long polling's server CPU and bytes written beside the bare long-poll server also at the other subscriber counts of that rate. Where the ranges overlap the verdict is "no measurable difference"; lower is better for every figure.`,
    columns: ['figure', 'transport', 'reference', 'ratio', 'verdict'],
    rows: compareWithReferences(results, rows).map((c) => [
      cell(c.clients === clients ? FIGURE_NAMES[c.pair.figure] : `${FIGURE_NAMES[c.pair.figure]}, ${c.clients} subscribers`),
      cell(`${VARIANTS[c.pair.ours].label}: ${rangeText(c.pair.figure, c.ours)}`),
      cell(`${VARIANTS[c.pair.reference].label}: ${rangeText(c.pair.figure, c.reference)}`),
      cell(`${c.ratio.toFixed(2)}×`),
      cell(c.verdict, c.flagged),
    ]),
  };
}

/** The sanity checks (checks.ts) of every scenario: what was expected, what was measured, met or missed (red). */
export function checksTable(rows: readonly ScenarioRow[]): Table {
  return {
    id: 'checks',
    title: 'Sanity checks',
    intro:
      'What a healthy run on a machine with time to spare shows, for every scenario and every repetition (the range is over repetitions). A busy or slow machine misses them; on an idle one a miss points at a client or a counter.',
    columns: ['Transport', 'subscribers', 'votes/s', 'check', 'expected', 'measured', 'verdict'],
    rows: sanityChecks(rows).map((c) => {
      const format = c.unit === 'ms' ? (v: number) => `${ms(v)} ms` : percent;
      const verdict = c.met ? 'met' : c.row.generatorSaturated ? 'missed (load generator flagged)' : 'missed';
      return [
        cell(VARIANTS[c.row.variant].label),
        cell(String(c.row.clients)),
        cell(String(c.row.rate)),
        cell(c.what),
        cell(c.expected),
        cell(c.measured.n === 0 ? '–' : withRange(c.measured.median, c.measured.min, c.measured.max, c.measured.n, format), !c.met),
        cell(verdict, !c.met),
      ];
    }),
  };
}

export function scenariosTable(rows: readonly ScenarioRow[]): Table {
  return {
    id: 'scenarios',
    title: 'Every scenario',
    collapsed: true,
    intro:
      "One row per transport, subscriber count and vote rate (median of repetitions where there were several). Bytes are counted at the server's sockets; the client column is the same count at the subscribers' own sockets, as a cross-check.",
    columns: [
      'Transport',
      'subscribers',
      'votes/s',
      'votes',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'p99.9 ms',
      'max ms',
      'last subscriber p99 ms',
      'lost / dup / out of order',
      'resyncs',
      'requests / event',
      'bytes / event ↓',
      'bytes / event ↑',
      'client-side ↓ / ↑',
      'empty',
      'CPU ms / 1k',
      'net of idle',
      'server CPU',
      'memory / subscriber',
      'load generator',
    ],
    rows: rows.map((row) => {
      const first = row.runs[0]!;
      return [
        cell(VARIANTS[row.variant].label),
        cell(String(row.clients)),
        cell(String(row.rate)),
        cell(`${first.votes.acknowledged}/${first.votes.scheduled}`, first.votes.acknowledged < first.votes.scheduled),
        ranged(row, 'p50Ms', ms),
        cell(ms(finiteMedian(row.runs.map((r) => r.latency.p90Us / 1000)))),
        ranged(row, 'p99Ms', ms),
        ranged(row, 'p999Ms', ms),
        ranged(row, 'maxMs', ms),
        ranged(row, 'lastSubscriberP99Ms', ms),
        coherenceCell(row),
        cell(String(row.coherence.resyncs), row.coherence.resyncs > 0),
        ranged(row, 'requestsPerEvent', (v) => num(v)),
        ranged(row, 'bytesDownPerEvent', bytes),
        ranged(row, 'bytesUpPerEvent', bytes),
        cell(`${bytes(row.figures.clientBytesDownPerEvent.median)} / ${bytes(row.figures.clientBytesUpPerEvent.median)}`),
        ranged(row, 'emptyShare', percent),
        ranged(row, 'cpuMsPer1000Deliveries', ms),
        ranged(row, 'cpuMsPer1000DeliveriesNet', ms),
        cell(percent(row.serverCpuUtilization)),
        ranged(row, 'memoryPerSubscriberBytes', bytes),
        generatorCell(row),
      ];
    }),
  };
}

/** The Redis scenario: memory feed vs Redis feed vs two processes sharing Redis. */
export function feedsTable(results: BenchResults): Table | undefined {
  const feeds = results.feeds;
  if (feeds === undefined) return undefined;
  const title = `Shared feed: memory vs Redis vs two processes (WebSocket, ${feeds.clients} subscribers, ${rateText(feeds.rate)})`;
  const columns = [
    'setup',
    'processes',
    'votes',
    'p50 ms',
    'p99 ms',
    'last subscriber p99 ms',
    'lost / dup / out of order',
    'server CPU ms / 1k deliveries (all processes)',
    'server CPU (all processes)',
    'server memory (all processes)',
    'Redis round trip ms (median, max)',
    'load generator',
  ];
  if (feeds.skipped !== undefined) {
    return {
      id: 'feeds',
      title,
      intro: `Skipped: ${feeds.skipped}. Start Redis (or set REDIS_URL) to run it.`,
      columns: ['setup', 'result'],
      rows: [[cell('all three'), cell(`skipped: ${feeds.skipped}`)]],
    };
  }
  return {
    id: 'feeds',
    title,
    intro: `The same subscribers and open-loop votes on each setup, once each. Two processes: ${feeds.processesHow}. Feed keys under \`${feeds.keyPrefix}\` (REDIS_URL ${feeds.redisUrl}), ${feeds.keysDeleted === null ? 'not all deleted (see failures)' : `${feeds.keysDeleted} deleted afterwards`}.`,
    columns,
    rows: feeds.runs.map((run) => {
      const s = run.scenario;
      const d = derive(s);
      const errors = s.coherence.lost + s.coherence.duplicated + s.coherence.outOfOrder;
      const rtt = s.servers?.feedRttMs ?? [];
      const rttMedian = median(rtt);
      return [
        cell(run.label),
        cell(String(run.processes)),
        cell(`${s.votes.acknowledged}/${s.votes.scheduled}`, s.votes.acknowledged < s.votes.scheduled),
        cell(ms(d.p50Ms)),
        cell(ms(d.p99Ms)),
        cell(ms(d.lastSubscriberP99Ms)),
        cell(`${s.coherence.lost} / ${s.coherence.duplicated} / ${s.coherence.outOfOrder}`, errors > 0),
        cell(ms(d.cpuMsPer1000Deliveries)),
        cell(percent(s.cost.serverCpuUtilization)),
        cell(bytes(s.cost.serverRssConnectedBytes)),
        cell(rttMedian === undefined ? (run.feed === 'memory' ? 'no Redis' : '–') : `${ms(rttMedian)} (${ms(Math.max(...rtt))})`),
        s.generator.saturated ? cell(`flagged: ${s.generator.reasons.join('; ')}`, true) : cell('ok'),
      ];
    }),
  };
}

export function overheadTable(results: BenchResults): Table {
  const { overheadConnections, overheadDurationMs } = results.config;
  return {
    id: 'overhead',
    title: 'Request overhead (autocannon)',
    intro: `${overheadConnections} connections, no pipelining, browser-like headers, ${overheadDurationMs / 1000} s each. "Clients per core" is requests per second of server CPU: how many clients polling once a second one server core could answer.`,
    columns: [
      'Request',
      'requests/s',
      'bytes in / request',
      'bytes out / request',
      'server CPU',
      'clients per core at 1 poll/s',
      'wrong status or errors',
      'autocannon p50 / p99 ms',
    ],
    rows: results.overhead.map((o) => [
      cell(`${o.method} ${o.path} → ${o.expectedStatus}`),
      cell(num(o.requestsPerSecond, 0)),
      cell(bytes(o.bytesInPerRequest)),
      cell(bytes(o.bytesOutPerRequest)),
      cell(percent(o.serverCpuUtilization)),
      cell(num(o.requestsPerCpuSecond, 0)),
      cell(`${o.unexpected} / ${o.errors}`, o.unexpected + o.errors > 0),
      cell(`${o.latencyP50Ms} / ${o.latencyP99Ms}`),
    ]),
    notes: [
      'autocannon is closed-loop and its latency has a 1 ms floor: its latency is context only; push latency is measured by the open-loop subscribers above.',
    ],
  };
}

export function modelTable(results: BenchResults, rows: readonly ScenarioRow[]): Table {
  const comparisons = [...pollingLatencyModel(results, rows), ...bytesModel(results, rows)];
  return {
    id: 'model',
    title: 'Model vs measured',
    intro:
      'What arithmetic predicts, against what the run measured. Header sizes in the formulas come from single exchanges captured on raw sockets in this run.',
    columns: ['Transport', 'figure', 'model', 'measured', 'measured / model', 'how the model is computed'],
    rows: comparisons.map((c) => [
      cell(VARIANTS[c.variant].label),
      cell(c.what),
      cell(c.unit === 'ms' ? `${ms(c.model)} ms` : bytes(c.model)),
      cell(c.unit === 'ms' ? `${ms(c.measured)} ms` : bytes(c.measured)),
      cell(times(c.measured / c.model)),
      cell(c.formula),
    ]),
  };
}

export function projectionTable(results: BenchResults, rows: readonly ScenarioRow[]): Table {
  return {
    id: 'projection',
    title: 'Projection: clients that each need one update a second',
    intro:
      "A linear projection from this run's per-request and per-delivery figures (polling every second vs one pushed event a second). It ignores kernel, network and memory limits: it shows what the protocol costs, not what one machine can hold.",
    columns: ['clients', 'transport', 'requests/s', 'wire Mbit/s', 'server cores', 'projected from'],
    rows: projection(results, rows).map((p) => [
      cell(p.clients.toLocaleString('en-US')),
      cell(VARIANTS[p.variant].label),
      cell(p.requestsPerSecond === 0 ? '0 (pushed)' : p.requestsPerSecond.toLocaleString('en-US')),
      cell(num(p.megabitsPerSecond, 1)),
      cell(num(p.cores, 2)),
      cell(p.basis),
    ]),
  };
}

export function environmentTable(results: BenchResults): Table {
  const e = results.environment;
  const c = results.config;
  return {
    id: 'environment',
    title: 'Environment and configuration',
    columns: ['', ''],
    rows: [
      ['Node', `${e.node} (V8 ${e.v8})`],
      ['CPU', `${e.cpuModel}, ${e.cores} cores`],
      ['OS', `${e.os} ${e.arch}`],
      ['memory', bytes(e.totalMemoryBytes)],
      ['git commit', `${e.gitCommit ?? 'unknown'}${e.gitDirty === true ? ' (with uncommitted changes)' : ''}`],
      ['CPU pinning', results.pinning.note],
      ['run', `${results.startedAt} → ${results.finishedAt}${c.quick ? ' (--quick)' : ''}`],
      ['transports', c.variants.join(', ')],
      ['subscribers', c.clients.join(', ')],
      ['votes/s', c.rates.join(', ')],
      ['window', `${c.windowMs / 1000} s per scenario`],
      ['networks', results.networks === undefined ? 'loopback only' : results.networks.profiles.map((p) => `${p.name} (${profileText(p)})`).join('; ')],
      ['repetitions', `${c.repeat} of the headline (${c.headline.clients} subscribers, ${rateText(c.headline.rate)})`],
      [
        'server environment',
        Object.entries(c.serverEnv)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      ],
      ...(results.retries ?? []).map((r) => ['retried (server killed from outside)', `${r.step}: ${r.reason}`]),
    ].map(([k, v]) => [cell(k!), cell(v!)]),
  };
}

/** Errors seen inside scenarios that did complete: failed votes, reconnecting subscribers. */
export function problemsTable(results: BenchResults): Table | undefined {
  const troubled = results.scenarios.filter((s) => s.errors.length > 0);
  if (troubled.length === 0) return undefined;
  return {
    id: 'problems',
    title: 'Problems seen during scenarios',
    columns: ['scenario', 'first errors'],
    rows: troubled.map((s) => [
      cell(`${VARIANTS[s.variant].label}, ${s.clients} subscribers, ${rateText(s.rate)}, run ${s.repetition}`, true),
      cell(s.errors.slice(0, 3).join(' · '), true),
    ]),
  };
}

export function failuresTable(results: BenchResults): Table | undefined {
  if (results.failures.length === 0) return undefined;
  return {
    id: 'failures',
    title: 'Steps that failed',
    columns: ['step', 'error'],
    rows: results.failures.map((f) => [cell(f.step, true), cell(f.error.split('\n').slice(0, 3).join(' '), true)]),
  };
}
