import type { BenchOptions } from './cli/args.ts';
import { Progress } from './cli/progress.ts';
import { openSession } from './load/session.ts';
import { measureOverhead } from './measure/overhead.ts';
import { runScenario } from './measure/scenario-runner.ts';
import { probeWire } from './measure/wire-probe.ts';
import { estimateScenarioMs, planScenarios } from './plan/plan.ts';
import { VARIANTS, type VariantSpec } from './plan/variants.ts';
import { describeEnvironment } from './process/environment.ts';
import { freePort } from './process/free-port.ts';
import { planPinning } from './process/pinning.ts';
import { rateText } from './report/format.ts';
import { startServerProcess, type ServerProcess } from './process/server-process.ts';
import type { BenchResults, FeedComparison, PinningInfo } from './results/types.ts';
import { benchKeyPrefix, deleteKeys, FEED_SETUPS, redisUnreachable, redisUrlFromEnv } from './measure/feed-comparison.ts';
import { redactUrl } from '../src/feed/redis-connection.ts';
import { randomBytes } from 'node:crypto';

/** How the real server is started for the bench; everything else is its documented default. */
export const SERVER_ENV: Readonly<Record<string, string>> = Object.freeze({
  VOTES_PER_SECOND: '0',
  // Every subscriber is a session of its own, all from this one address.
  SESSIONS_PER_MINUTE_PER_IP: '0',
  // Every subscriber of the bench connects from 127.0.0.1 (up to 1,000 per transport at once).
  MAX_CONNECTIONS_PER_IP: '0',
  LOG_LEVEL: 'warn',
  LONG_POLL_TIMEOUT_MS: '25000',
});
const REAL_SERVER = 'src/server.ts';
/** The script each kind of server runs. */
export const SERVER_SCRIPTS: Readonly<Record<VariantSpec['server'], string>> = Object.freeze({
  real: REAL_SERVER,
  'ws-reference': 'bench/reference/ws-broadcast-server.ts',
  'socketio-reference': 'bench/reference/socketio-polling-server.ts',
});

/**
 * Runs the whole bench: request overhead and wire probes on a fresh server, then every planned
 * scenario, each on a freshly started server process (so memory per subscriber starts from a clean
 * process and no leftovers of one scenario, such as idle long-poll queues, cost the next one anything).
 */
export async function runBench(options: BenchOptions, cwd: string): Promise<BenchResults> {
  const pinning = planPinning();
  const { serverCommandPrefix, ...pinningInfo } = pinning;
  const plan = planScenarios(options);
  const overheadEstimateMs = 3 * (options.overheadDurationMs + 300) + 2500;
  const feedEstimateMs = options.redis
    ? FEED_SETUPS.reduce((sum, f) => sum + estimateScenarioMs({ id: '', variant: 'websocket', clients: options.headline.clients, rate: options.headline.rate, repetition: 1 }, options.windowMs) + (f.processes - 1) * 1000, 0)
    : 0;
  const progress = new Progress(overheadEstimateMs + plan.reduce((sum, s) => sum + estimateScenarioMs(s, options.windowMs), 0) + feedEstimateMs);
  const retries: NonNullable<BenchResults['retries']> = [];
  const results: BenchResults = {
    schemaVersion: 1,
    startedAt: new Date().toISOString(),
    finishedAt: '',
    environment: describeEnvironment(cwd),
    pinning: pinningInfo satisfies PinningInfo,
    config: {
      quick: options.quick,
      variants: options.variants,
      clients: options.clients,
      rates: options.rates,
      windowMs: options.windowMs,
      repeat: options.repeat,
      headline: options.headline,
      redis: options.redis,
      longPollTimeoutMs: Number(SERVER_ENV.LONG_POLL_TIMEOUT_MS),
      overheadDurationMs: options.overheadDurationMs,
      overheadConnections: options.overheadConnections,
      serverEnv: { ...SERVER_ENV },
      outDir: '',
    },
    scenarios: [],
    failures: [],
    retries,
    overhead: [],
    probes: [],
  };
  const start = async (server: VariantSpec['server'], env: Record<string, string>): Promise<ServerProcess> =>
    startServerProcess({
      script: SERVER_SCRIPTS[server],
      port: await freePort(),
      env: { ...SERVER_ENV, ...env },
      commandPrefix: serverCommandPrefix,
      cwd,
    });

  /**
   * Runs one step against `count` freshly started server processes (one, except for the Redis scenario's
   * two processes sharing a feed). A server that dies under the step without being told to (killed from
   * outside: the step measured nothing real) gets one retry, which is recorded.
   */
  const onFreshServers = async <T>(
    step: string,
    kind: VariantSpec['server'],
    count: number,
    env: Record<string, string>,
    task: (servers: ServerProcess[]) => Promise<T>,
  ): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      const servers: ServerProcess[] = [];
      const down = (): ServerProcess | undefined => servers.find((s) => s.state() !== 'running');
      try {
        for (let i = 0; i < count; i++) servers.push(await start(kind, env));
        const value = await task(servers);
        const dead = down();
        if (dead !== undefined) throw new Error(`the server process ${dead.pid} ${dead.state()} during the step`);
        return value;
      } catch (error) {
        const lost = servers.length < count || down() !== undefined;
        const culprit = down() ?? servers[0];
        if (lost && attempt < 2) {
          retries.push({ step, reason: describe(error, culprit).split('\n').slice(0, 2).join(' ') });
          continue;
        }
        throw new Error(describe(error, culprit));
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
      }
    }
  };
  const onFreshServer = <T>(step: string, kind: VariantSpec['server'], task: (server: ServerProcess) => Promise<T>): Promise<T> =>
    onFreshServers(step, kind, 1, {}, (servers) => task(servers[0]!));

  /**
   * The Redis scenario (issue 5): the same WebSocket subscribers, at the headline count and rate, on one
   * process with the memory feed, one process with FEED=REDIS_URL, and two separate server processes on
   * two ports sharing that feed (same FEED, REDIS_KEY_PREFIX and SESSION_SECRET), subscribers and votes
   * spread over both. Skipped, with the reason, when no Redis answers. The run's keys are deleted after
   * each Redis setup and at the end.
   */
  const runFeedComparison = async (): Promise<void> => {
    const redisUrl = redisUrlFromEnv();
    const keyPrefix = benchKeyPrefix(results.startedAt);
    const { clients, rate } = options.headline;
    const feeds: FeedComparison = {
      redisUrl: redactUrl(redisUrl),
      keyPrefix,
      processesHow: 'two separate server processes (src/server.ts) on two ports with the same FEED, REDIS_KEY_PREFIX and SESSION_SECRET, both pinned like every server; subscribers alternate between them and votes alternate between them; CPU, memory and counters are summed over both pids (each answers its own GET /api/metrics)',
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
    const spec = VARIANTS.websocket;
    const sessionSecret = randomBytes(32).toString('hex');
    let deleted = 0;
    try {
      for (const [index, setup] of FEED_SETUPS.entries()) {
        const label = `Redis scenario: ${setup.label}, ${clients} subscribers, ${rateText(rate)}`;
        const env: Record<string, string> = setup.feed === 'redis' ? { FEED: redisUrl, REDIS_KEY_PREFIX: keyPrefix, SESSION_SECRET: sessionSecret } : {};
        progress.step(label, estimateScenarioMs({ id: '', variant: 'websocket', clients, rate, repetition: 1 }, options.windowMs) + (setup.processes - 1) * 1000);
        try {
          const scenario = await onFreshServers(label, 'real', setup.processes, env, async (servers) =>
            runScenario({
              id: `f${index + 1}`,
              spec,
              clients,
              rate,
              windowMs: options.windowMs,
              repetition: 1,
              baseUrl: servers[0]!.url,
              serverUrls: servers.map((s) => s.url),
              candidateIds: await ballotCandidates(servers[0]!.url),
              longPollTimeoutMs: results.config.longPollTimeoutMs,
              onPhase: (phase) => progress.phase(phase),
            }),
          );
          feeds.runs.push({ ...setup, scenario });
        } catch (error) {
          results.failures.push({ step: label, error: (error as Error).message });
        } finally {
          progress.stepDone();
          // Each Redis setup starts from an empty feed.
          if (setup.feed === 'redis') deleted += await deleteKeys(redisUrl, keyPrefix);
        }
      }
      feeds.keysDeleted = deleted;
    } catch (error) {
      results.failures.push({ step: `deleting the Redis keys ${keyPrefix}*`, error: (error as Error).message });
    }
  };

  try {
    progress.step('request overhead (autocannon)', overheadEstimateMs);
    try {
      await onFreshServer('request overhead', 'real', async (server) => {
        const candidateIds = await ballotCandidates(server.url);
        results.probes = await probeWire(server.url, await openSession(server.url, 'bench-probe'), candidateIds[0]!);
        results.overhead = await measureOverhead({
          baseUrl: server.url,
          candidateId: candidateIds[0]!,
          durationMs: options.overheadDurationMs,
          connections: options.overheadConnections,
          onPhase: (phase) => progress.phase(phase),
        });
      });
    } catch (error) {
      results.failures.push({ step: 'request overhead', error: (error as Error).message });
    } finally {
      progress.stepDone();
    }

    for (const planned of plan) {
      const spec = VARIANTS[planned.variant];
      const label = `${spec.label}, ${planned.clients} subscribers, ${rateText(planned.rate)}` + (options.repeat > 1 ? ` (run ${planned.repetition})` : '');
      progress.step(label, estimateScenarioMs(planned, options.windowMs));
      try {
        const result = await onFreshServer(label, spec.server, async (server) =>
          runScenario({
            ...planned,
            spec,
            windowMs: options.windowMs,
            baseUrl: server.url,
            candidateIds: await ballotCandidates(server.url),
            longPollTimeoutMs: results.config.longPollTimeoutMs,
            onPhase: (phase) => progress.phase(phase),
          }),
        );
        results.scenarios.push(result);
      } catch (error) {
        results.failures.push({ step: label, error: (error as Error).message });
      } finally {
        progress.stepDone();
      }
    }

    if (options.redis) await runFeedComparison();
  } finally {
    progress.stop();
  }
  results.finishedAt = new Date().toISOString();
  return results;
}

/** Candidate ids from the ballot, so votes go to real candidates whatever CANDIDATES says. */
async function ballotCandidates(baseUrl: string): Promise<string[]> {
  const response = await fetch(`${baseUrl}/api/ballot`);
  const snapshot = (await response.json()) as { candidates: { id: string }[] };
  if (snapshot.candidates.length === 0) throw new Error('the ballot has no candidates');
  return snapshot.candidates.map((c) => c.id);
}

function describe(error: unknown, server: ServerProcess | undefined): string {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (server === undefined) return message;
  const tail = server.stderrTail().trim();
  return `${message}\nserver process: ${server.state()}${tail === '' ? '' : `, its last output:\n${tail}`}`;
}

