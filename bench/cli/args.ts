import { parseArgs } from 'node:util';
import { VARIANT_NAMES, VARIANTS, isVariantName } from '../plan/variants.ts';
import { NETWORK_PROFILE_NAMES, isNetworkProfileName, type NetworkProfileName } from '../network/profiles.ts';
import { pickHeadline, type PlanSettings } from '../plan/plan.ts';
import type { VariantName } from '../results/types.ts';

export interface BenchOptions extends PlanSettings {
  quick: boolean;
  outRoot: string;
  overheadDurationMs: number;
  overheadConnections: number;
  /** Run the Redis scenario (memory vs Redis vs two processes on Redis): default on, off with --quick. */
  redis: boolean;
  /** Networks of the run; loopback is always the main run, each other one adds the headline scenarios through the relay. */
  networks: NetworkProfileName[];
  /** Run the fault scenarios (connection cut, restarts, a process dying, reconnect storm): --faults or --full. */
  faults: boolean;
  /** The capacity scenario (10,000 subscribers per transport): --capacity or --full. */
  capacity: boolean;
  /** --capacity without --full: only the capacity scenario (no overhead, scenarios, networks, Redis or faults unless --faults). */
  capacityOnly: boolean;
  /** --full: every network, every fault, the Redis and the capacity scenario. */
  full: boolean;
  /** Unmeasured traffic (subscribers connected, votes at the scenario's rate) before each measured window. */
  warmupMs: number;
  /** --server-cpu-prof DIR: every server process the scenarios start writes a V8 CPU profile there. */
  serverCpuProfDir?: string;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [flags]

Measures every transport of the vote feed side by side against the real server (started as its own
process) and writes reports/<timestamp>/{index.html,report.md,results.json} and reports/latest.

  --quick              a smoke run in about a minute: 10 subscribers, 20 votes/s, 3 s windows, no repeats
  --transports LIST    comma-separated variants (default: all; --quick leaves out long-poll-reference):
                       ${VARIANT_NAMES.join(', ')}
                       "polling" means all three polling variants; "reference" means
                       ws-reference, long-poll-reference and socketio-polling.
                       long-poll-reference runs at the busiest --rate only
  --clients LIST       subscriber counts per scenario (default 10,100,1000; --quick 10)
  --rate LIST          votes per second, cast open-loop (default 1,20; --quick 20)
  --duration SECONDS   length of each measured window (default 3; --quick 3)
  --warmup SECONDS     unmeasured votes at the scenario's rate before each measured window, so the
                       server's JIT has settled (default 1.5; --quick 1)
  --repeat N           repetitions of the headline scenarios, for median and range (default 2; --quick 1)
  --redis, --no-redis  the Redis scenario: WebSocket subscribers at the headline count and rate on one
                       process with the memory feed, one with FEED=REDIS_URL and two sharing it
                       (default on; off with --quick unless --redis; skipped when no Redis answers
                       at REDIS_URL, default redis://127.0.0.1:6379)
  --network LIST       comma-separated emulated networks: ${NETWORK_PROFILE_NAMES.join(', ')}
                       (default loopback,broadband; --quick loopback). Every scenario runs on
                       loopback; each other network adds the headline scenario of every transport,
                       its clients connecting through a relay process that adds the network's delay
                       (see docs/bench.md, "Networks")
  --faults             also the fault scenarios: a connection cut, kill -9 restarts (memory and Redis
                       feed), one of two processes dying, a reconnect storm of 1,000 subscribers with
                       and without jitter (see docs/bench.md, "Faults"); not in the default run.
                       With --quick: the cut and the memory-feed restart, small
  --capacity           only the capacity scenario (a few minutes; --full runs it with everything
                       else): 10,000 subscribers at 1 vote/s on each of WebSocket,
                       SSE, long polling, polling every 1 s and the bare ws and long-poll references
                       (connect time, memory and CPU per subscriber, last-subscriber latency, the
                       server's event-loop delay; see docs/bench.md, "Capacity"); not in the default
                       run. --transports narrows it to the variants named
  --full               everything: every network, every fault scenario, the Redis and the capacity scenario
  --out DIR            where report folders go (default reports)
  --server-cpu-prof DIR
                       every server process the scenarios start writes a V8 CPU profile into DIR
                       when it stops (node --cpu-prof; one .cpuprofile per process, named by time
                       and pid; open it in Chrome DevTools). Profiling costs CPU: not for figures
  --help               this text
`;

const DEFAULT = { clients: [10, 100, 1000], rates: [1, 20], windowMs: 3000, warmupMs: 1500, repeat: 2, overheadDurationMs: 2000 };
const QUICK = { clients: [10], rates: [20], windowMs: 3000, warmupMs: 1000, repeat: 1, overheadDurationMs: 1000 };

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      transports: { type: 'string' },
      clients: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      repeat: { type: 'string' },
      out: { type: 'string' },
      'server-cpu-prof': { type: 'string' },
      redis: { type: 'boolean' },
      'no-redis': { type: 'boolean' },
      network: { type: 'string' },
      faults: { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
      capacity: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const base = values.quick ? QUICK : DEFAULT;
  const clients = values.clients === undefined ? base.clients : positiveList('--clients', values.clients, true);
  const rates = values.rate === undefined ? base.rates : positiveList('--rate', values.rate, false);
  return {
    quick: values.quick,
    help: values.help,
    variants: values.transports === undefined ? defaultVariants(values.quick) : parseVariants(values.transports),
    clients,
    rates,
    windowMs: values.duration === undefined ? base.windowMs : Math.round(positive('--duration', values.duration) * 1000),
    warmupMs: values.warmup === undefined ? base.warmupMs : Math.round(nonNegative('--warmup', values.warmup) * 1000),
    repeat: values.repeat === undefined ? base.repeat : positiveInteger('--repeat', values.repeat),
    headline: pickHeadline(clients, rates),
    outRoot: values.out ?? 'reports',
    redis: redisFlag(values.redis, values['no-redis'], values.quick && !values.full),
    networks:
      values.network !== undefined
        ? parseNetworks(values.network)
        : values.full
          ? [...NETWORK_PROFILE_NAMES]
          : values.quick
            ? ['loopback']
            : ['loopback', 'broadband'],
    faults: values.faults || values.full,
    capacity: values.capacity || values.full,
    capacityOnly: values.capacity && !values.full,
    full: values.full,
    overheadDurationMs: base.overheadDurationMs,
    overheadConnections: 50,
    ...(values['server-cpu-prof'] === undefined ? {} : { serverCpuProfDir: values['server-cpu-prof'] }),
  };
}

/** Every variant; --quick leaves out those measured only at the busiest rate (named in --transports, they run). */
function defaultVariants(quick: boolean): VariantName[] {
  return VARIANT_NAMES.filter((v) => !(quick && VARIANTS[v].busiestRateOnly === true));
}

function redisFlag(on: boolean | undefined, off: boolean | undefined, quick: boolean): boolean {
  if (on === true && off === true) throw new Error('--redis and --no-redis contradict each other');
  if (on === true) return true;
  if (off === true) return false;
  return !quick;
}

function parseNetworks(text: string): NetworkProfileName[] {
  const chosen = new Set<NetworkProfileName>(['loopback']);
  for (const word of text.split(',').map((w) => w.trim())) {
    if (word === '') continue;
    if (!isNetworkProfileName(word)) throw new Error(`--network: unknown "${word}"; choose from ${NETWORK_PROFILE_NAMES.join(', ')}`);
    chosen.add(word);
  }
  return NETWORK_PROFILE_NAMES.filter((name) => chosen.has(name));
}

function parseVariants(text: string): VariantName[] {
  const chosen = new Set<VariantName>();
  for (const word of text
    .split(',')
    .map((w) => w.trim())
    .filter((w) => w !== '')) {
    if (isVariantName(word)) {
      chosen.add(word);
    } else if (word === 'reference') {
      for (const v of VARIANT_NAMES) if (VARIANTS[v].reference) chosen.add(v);
    } else if (word === 'polling') {
      for (const v of VARIANT_NAMES) if (VARIANTS[v].transport === 'polling') chosen.add(v);
    } else {
      throw new Error(`--transports: unknown "${word}"; choose from ${VARIANT_NAMES.join(', ')}, polling, reference`);
    }
  }
  if (chosen.size === 0) throw new Error('--transports: name at least one');
  // Keep the canonical order, whatever order they were named in.
  return VARIANT_NAMES.filter((v) => chosen.has(v));
}

function positive(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} must be a positive number, got "${text}"`);
  return value;
}

function nonNegative(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${flag} must be a number of 0 or more, got "${text}"`);
  return value;
}

function positiveInteger(flag: string, text: string): number {
  const value = positive(flag, text);
  if (!Number.isInteger(value)) throw new Error(`${flag} must be a whole number, got "${text}"`);
  return value;
}

function positiveList(flag: string, text: string, integers: boolean): number[] {
  const values = text.split(',').map((part) => (integers ? positiveInteger(flag, part.trim()) : positive(flag, part.trim())));
  return [...new Set(values)].sort((a, b) => a - b);
}
