import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { redactUrl } from '../src/feed/redis-connection.ts';
import type { BenchOptions } from './cli/args.ts';
import { Progress } from './cli/progress.ts';
import { openSession } from './load/session.ts';
import { benchKeyPrefix, deleteKeys, FEED_SETUPS, redisUnreachable, redisUrlFromEnv } from './measure/feed-comparison.ts';
import { measureOverhead } from './measure/overhead.ts';
import { NETWORK_PROFILES, needsRelay } from './network/profiles.ts';
import { Relay } from './network/relay.ts';
import { CAPACITY, CAPACITY_VARIANTS, estimateCapacityRunMs } from './measure/capacity.ts';
import { runScenario } from './measure/scenario-runner.ts';
import { probeWire } from './measure/wire-probe.ts';
import { estimateScenarioMs, isHeadline, planScenarios, type PlannedScenario } from './plan/plan.ts';
import { VARIANTS } from './plan/variants.ts';
import { describeEnvironment } from './process/environment.ts';
import { FreshServers, SERVER_ENV, type Retries } from './process/fresh-servers.ts';
import { RAISED_OPEN_FILE_LIMIT, raisedOpenFileLimit } from './process/open-file-limit.ts';
import { loadSideCommandPrefix, planPinning } from './process/pinning.ts';
import { estimateFaultMs, FAULTS, runFaults, whyNotRun } from './faults/run-faults.ts';
import { rateText } from './report/format.ts';
import type { NetworkProfile } from './network/profiles.ts';
import type { BenchResults, CapacityResults, FeedComparison, NetworkResults, PinningInfo, VariantName } from './results/types.ts';

/** What every step of one run shares: the options, the results being filled in, the progress bar, the servers. */
interface Run {
  readonly options: BenchOptions;
  readonly results: BenchResults;
  readonly progress: Progress;
  readonly servers: FreshServers;
}

/**
 * Runs the whole bench: request overhead and wire probes on a fresh server, then every planned
 * scenario, each on a freshly started server process (so memory per subscriber starts from a clean
 * process and no leftovers of one scenario, such as idle long-poll queues, cost the next one anything),
 * then, with --redis, the Redis scenario.
 */
export async function runBench(options: BenchOptions, cwd: string): Promise<BenchResults> {
  const { serverCommandPrefix, ...pinning } = planPinning();
  // --capacity alone measures only the capacity scenario (the report says how to run the rest).
  const plan = options.capacityOnly ? [] : planScenarios(options);
  const results = emptyResults(options, cwd, pinning);
  const run: Run = {
    options,
    results,
    progress: new Progress(estimateRunMs(options, plan)),
    // Every socket is a file descriptor: servers run with the open-file limit raised as far as it goes.
    servers: new FreshServers(cwd, [...serverCommandPrefix, ...RAISED_OPEN_FILE_LIMIT], results.retries, cpuProfileArgs(options.serverCpuProfDir)),
  };
  try {
    if (!options.capacityOnly) await measureRequestOverhead(run);
    for (const planned of plan) await measurePlannedScenario(run, planned);
    if (!options.capacityOnly) await measureNetworks(run);
    if (options.redis && !options.capacityOnly) await compareFeeds(run);
    if (options.faults) await measureFaults(run, cwd, serverCommandPrefix);
    if (options.capacity) await measureCapacity(run);
  } finally {
    run.progress.stop();
  }
  results.finishedAt = new Date().toISOString();
  return results;
}

/** Node flags that make each server process write a CPU profile into `dir` when it exits (none without a dir). */
function cpuProfileArgs(dir: string | undefined): string[] {
  return dir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', resolve(dir)];
}

/** The progress bar's estimate of the whole run. */
function estimateRunMs(options: BenchOptions, plan: readonly PlannedScenario[]): number {
  const overheadMs = 3 * (options.overheadDurationMs + 300) + OVERHEAD_START_MS;
  const feedsMs = options.redis ? FEED_SETUPS.reduce((sum, setup) => sum + feedSetupEstimateMs(options, setup.processes), 0) : 0;
  const networksMs = relayedNetworks(options).length * options.variants.reduce((sum, variant) => sum + networkScenarioEstimateMs(options, variant), 0);
  const capacityMs = options.capacity ? CAPACITY_VARIANTS.filter((v) => options.variants.includes(v)).length * estimateCapacityRunMs() : 0;
  const faultsMs = options.faults ? FAULTS.filter((f) => whyNotRun(options, f) === undefined).reduce((sum, f) => sum + estimateFaultMs(options, f), 0) : 0;
  return (
    overheadMs +
    plan.reduce((sum, s) => sum + estimateScenarioMs(s, options.windowMs, options.warmupMs, isHeadline(s, options.headline)), 0) +
    feedsMs +
    networksMs +
    faultsMs +
    capacityMs
  );
}

/** Starting a server and capturing the wire probes, on top of the three autocannon runs. */
const OVERHEAD_START_MS = 2500;

/** One setup of the Redis scenario: a headline WebSocket scenario, and about a second per extra process. */
function feedSetupEstimateMs(options: BenchOptions, processes: number): number {
  const { clients, rate } = options.headline;
  return estimateScenarioMs({ id: '', variant: 'websocket', clients, rate, repetition: 1 }, options.windowMs, options.warmupMs, false) + (processes - 1) * 1000;
}

/** The networks of the run that go through the relay (all but loopback). */
function relayedNetworks(options: BenchOptions): NetworkProfile[] {
  return options.networks.map((name) => NETWORK_PROFILES[name]).filter(needsRelay);
}

/** A headline scenario through the relay: the scenario, plus round trips to set up sessions and subscribers. */
function networkScenarioEstimateMs(options: BenchOptions, variant: VariantName): number {
  const { clients, rate } = options.headline;
  return estimateScenarioMs({ id: '', variant, clients, rate, repetition: 1 }, options.windowMs, options.warmupMs, false) + 500;
}

/** results.json before anything was measured: the environment, the pinning and the configuration. */
function emptyResults(options: BenchOptions, cwd: string, pinning: PinningInfo): BenchResults & { retries: Retries } {
  return {
    schemaVersion: 1,
    startedAt: new Date().toISOString(),
    finishedAt: '',
    environment: describeEnvironment(cwd),
    pinning,
    config: {
      quick: options.quick,
      variants: options.variants,
      clients: options.clients,
      rates: options.rates,
      windowMs: options.windowMs,
      warmupMs: options.warmupMs,
      repeat: options.repeat,
      headline: options.headline,
      redis: options.redis,
      faults: options.faults,
      capacity: options.capacity,
      longPollTimeoutMs: Number(SERVER_ENV.LONG_POLL_TIMEOUT_MS),
      overheadDurationMs: options.overheadDurationMs,
      overheadConnections: options.overheadConnections,
      serverEnv: { ...SERVER_ENV },
      outDir: '',
    },
    scenarios: [],
    failures: [],
    retries: [],
    overhead: [],
    probes: [],
  };
}

/**
 * One step of the run, shown on the progress bar. A step that throws is recorded as a failure (the
 * report shows it in red) and the run goes on with the next.
 */
async function step(run: Run, label: string, estimateMs: number, task: () => Promise<void>, progressLabel = label): Promise<void> {
  run.progress.step(progressLabel, estimateMs);
  try {
    await task();
  } catch (error) {
    run.results.failures.push({ step: label, error: (error as Error).message });
  } finally {
    run.progress.stepDone();
  }
}

/** Wire probes and autocannon's request overhead, on one fresh real server. */
async function measureRequestOverhead(run: Run): Promise<void> {
  const { options, results } = run;
  await step(
    run,
    'request overhead',
    3 * (options.overheadDurationMs + 300) + OVERHEAD_START_MS,
    () =>
      run.servers.runOne('request overhead', 'real', async (server) => {
        const candidateIds = await ballotCandidates(server.url);
        results.probes = await probeWire(server.url, await openSession(server.url, 'bench-probe'), candidateIds[0]!);
        results.overhead = await measureOverhead({
          baseUrl: server.url,
          candidateId: candidateIds[0]!,
          durationMs: options.overheadDurationMs,
          connections: options.overheadConnections,
          onPhase: (phase) => run.progress.phase(phase),
        });
      }),
    'request overhead (autocannon)',
  );
}

/** One planned scenario (a transport, a subscriber count, a rate, a repetition) on a fresh server of its kind. */
async function measurePlannedScenario(run: Run, planned: PlannedScenario): Promise<void> {
  const { options, results } = run;
  const spec = VARIANTS[planned.variant];
  const label = `${spec.label}, ${planned.clients} subscribers, ${rateText(planned.rate)}` + (options.repeat > 1 ? ` (run ${planned.repetition})` : '');
  await step(run, label, estimateScenarioMs(planned, options.windowMs, options.warmupMs, isHeadline(planned, options.headline)), async () => {
    const result = await run.servers.runOne(label, spec.server, async (server) =>
      runScenario({
        ...planned,
        spec,
        windowMs: options.windowMs,
        warmupMs: options.warmupMs,
        // The idle window costs a window's length: only where the report compares CPU (the headline).
        measureIdle: isHeadline(planned, options.headline),
        baseUrl: server.url,
        candidateIds: await ballotCandidates(server.url),
        longPollTimeoutMs: results.config.longPollTimeoutMs,
        onPhase: (phase) => run.progress.phase(phase),
      }),
    );
    results.scenarios.push(result);
  });
}

/**
 * The headline scenario of every transport over each emulated network but loopback (whose figures are
 * the main run's): a fresh server, a relay process in front of it with the network's delay, jitter and
 * bandwidth, pinned with the load generator (it is part of the client side).
 */
async function measureNetworks(run: Run): Promise<void> {
  const { options, results } = run;
  const profiles = relayedNetworks(options);
  if (profiles.length === 0) return;
  const { clients, rate } = options.headline;
  const networks: NetworkResults = { profiles: options.networks.map((name) => NETWORK_PROFILES[name]), clients, rate, runs: [] };
  results.networks = networks;
  const relayPrefix = loadSideCommandPrefix(results.pinning);
  for (const profile of profiles) {
    for (const [index, variant] of options.variants.entries()) {
      const spec = VARIANTS[variant];
      const label = `${spec.label}, ${clients} subscribers, ${rateText(rate)}, ${profile.name} network`;
      await step(run, label, networkScenarioEstimateMs(options, variant), async () => {
        // The relay first: the server must know it as its public origin (a page loaded through it
        // sends that Origin), as a server behind a load balancer is told.
        const relay = await Relay.start({ targets: [], profile, commandPrefix: relayPrefix });
        try {
          const scenario = await run.servers.run(label, spec.server, 1, { ALLOWED_ORIGINS: relay.url }, async (servers) => {
            const server = servers[0]!;
            await relay.setTargets([`127.0.0.1:${server.port}`]);
            return runScenario({
              id: `n-${profile.name}-${index + 1}`,
              spec,
              clients,
              rate,
              windowMs: options.windowMs,
              warmupMs: options.warmupMs,
              repetition: 1,
              baseUrl: server.url,
              relay,
              candidateIds: await ballotCandidates(server.url),
              longPollTimeoutMs: results.config.longPollTimeoutMs,
              onPhase: (phase) => run.progress.phase(phase),
            });
          });
          networks.runs.push({ profile: profile.name, scenario });
        } finally {
          await relay.stop();
        }
      });
    }
  }
}

/**
 * The Redis scenario: the same WebSocket subscribers, at the headline count and rate, on one process
 * with the memory feed, one process with FEED=REDIS_URL, and two separate server processes on two ports
 * sharing that feed (same FEED, REDIS_KEY_PREFIX and SESSION_SECRET), subscribers and votes spread over
 * both. Skipped, with the reason, when no Redis answers. The run's keys are deleted after each Redis setup.
 */
async function compareFeeds(run: Run): Promise<void> {
  const { options, results } = run;
  const redisUrl = redisUrlFromEnv();
  const keyPrefix = benchKeyPrefix(results.startedAt);
  const { clients, rate } = options.headline;
  const feeds: FeedComparison = {
    redisUrl: redactUrl(redisUrl),
    keyPrefix,
    processesHow:
      'two separate server processes (src/server.ts) on two ports with the same FEED, REDIS_KEY_PREFIX and SESSION_SECRET, both pinned like every server; subscribers alternate between them and votes alternate between them; CPU, memory and counters are summed over both pids (each answers its own GET /api/metrics)',
    clients,
    rate,
    runs: [],
    keysDeleted: null,
  };
  results.feeds = feeds;
  const unreachable = await redisUnreachable(redisUrl);
  if (unreachable !== undefined) {
    feeds.skipped = unreachable;
    return;
  }
  const sessionSecret = randomBytes(32).toString('hex');
  let deleted = 0;
  try {
    for (const [index, setup] of FEED_SETUPS.entries()) {
      const label = `Redis scenario: ${setup.label}, ${clients} subscribers, ${rateText(rate)}`;
      const env: Record<string, string> = setup.feed === 'redis' ? { FEED: redisUrl, REDIS_KEY_PREFIX: keyPrefix, SESSION_SECRET: sessionSecret } : {};
      await step(run, label, feedSetupEstimateMs(options, setup.processes), async () => {
        const scenario = await run.servers.run(label, 'real', setup.processes, env, async (servers) =>
          runScenario({
            id: `f${index + 1}`,
            spec: VARIANTS.websocket,
            clients,
            rate,
            windowMs: options.windowMs,
            warmupMs: options.warmupMs,
            repetition: 1,
            baseUrl: servers[0]!.url,
            serverUrls: servers.map((s) => s.url),
            candidateIds: await ballotCandidates(servers[0]!.url),
            longPollTimeoutMs: results.config.longPollTimeoutMs,
            onPhase: (phase) => run.progress.phase(phase),
          }),
        );
        feeds.runs.push({ ...setup, scenario });
      });
      // Each Redis setup starts from an empty feed.
      if (setup.feed === 'redis') deleted += await deleteKeys(redisUrl, keyPrefix);
    }
    feeds.keysDeleted = deleted;
  } catch (error) {
    results.failures.push({ step: `deleting the Redis keys ${keyPrefix}*`, error: (error as Error).message });
  }
}

/** The fault scenarios (bench/faults/run-faults.ts), each a step of the run with servers and a relay of its own. */
async function measureFaults(run: Run, cwd: string, serverCommandPrefix: readonly string[]): Promise<void> {
  const { pinning } = run.results;
  await runFaults({
    options: run.options,
    results: run.results,
    cwd,
    serverCommandPrefix,
    relayCommandPrefix: loadSideCommandPrefix(pinning),
    step: (label, estimateMs, task) => step(run, label, estimateMs, task),
    onPhase: (phase) => run.progress.phase(phase),
  });
}

/** Candidate ids from the ballot, so votes go to real candidates whatever CANDIDATES says. */
async function ballotCandidates(baseUrl: string): Promise<string[]> {
  const response = await fetch(`${baseUrl}/api/ballot`);
  const snapshot = (await response.json()) as { candidates: { id: string }[] };
  if (snapshot.candidates.length === 0) throw new Error('the ballot has no candidates');
  return snapshot.candidates.map((c) => c.id);
}

/**
 * The capacity scenario: 10,000 subscribers of each capacity variant on a fresh server, one vote a
 * second. A variant that the open-file limit or a timeout stops part-way keeps what it measured (the
 * row says how many subscribers connected); one that measured nothing is listed with the error.
 */
async function measureCapacity(run: Run): Promise<void> {
  const { results } = run;
  const started = performance.now();
  const limit = raisedOpenFileLimit();
  const capacity: CapacityResults = {
    clients: CAPACITY.clients,
    rate: CAPACITY.rate,
    windowMs: CAPACITY.windowMs,
    warmupMs: CAPACITY.warmupMs,
    openFileLimit: limit === null || !Number.isFinite(limit) ? null : limit,
    runs: [],
    notRun: [],
    durationMs: 0,
  };
  results.capacity = capacity;
  for (const [index, variant] of CAPACITY_VARIANTS.filter((v) => run.options.variants.includes(v)).entries()) {
    const spec = VARIANTS[variant];
    const label = `Capacity: ${spec.label}, ${CAPACITY.clients.toLocaleString('en-US')} subscribers, ${rateText(CAPACITY.rate)}`;
    const failuresBefore = results.failures.length;
    await step(run, label, estimateCapacityRunMs(), async () => {
      const scenario = await run.servers.runOne(label, spec.server, async (server) =>
        runScenario({
          id: `c${index + 1}`,
          spec,
          clients: CAPACITY.clients,
          rate: CAPACITY.rate,
          windowMs: CAPACITY.windowMs,
          warmupMs: CAPACITY.warmupMs,
          settleMs: CAPACITY.settleMs,
          connectTimeoutMs: CAPACITY.connectTimeoutMs,
          repetition: 1,
          baseUrl: server.url,
          candidateIds: await ballotCandidates(server.url),
          longPollTimeoutMs: results.config.longPollTimeoutMs,
          onPhase: (phase) => run.progress.phase(phase),
        }),
      );
      capacity.runs.push(scenario);
    });
    const failure = results.failures.slice(failuresBefore).find((f) => f.step === label);
    if (failure !== undefined) capacity.notRun.push({ variant, reason: failure.error.split('\n')[0]! });
  }
  capacity.durationMs = performance.now() - started;
}
