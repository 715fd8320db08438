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
import type { BenchResults, PinningInfo } from './results/types.ts';

/** How the real server is started for the bench; everything else is its documented default. */
export const SERVER_ENV: Readonly<Record<string, string>> = Object.freeze({
  VOTES_PER_SECOND: '0',
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
  const progress = new Progress(overheadEstimateMs + plan.reduce((sum, s) => sum + estimateScenarioMs(s, options.windowMs), 0));
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
  const start = async (server: VariantSpec['server']): Promise<ServerProcess> =>
    startServerProcess({
      script: SERVER_SCRIPTS[server],
      port: await freePort(),
      env: { ...SERVER_ENV },
      commandPrefix: serverCommandPrefix,
      cwd,
    });

  /**
   * Runs one step against a freshly started server. A server that dies under the step without being
   * told to (killed from outside: the step measured nothing real) gets one retry, which is recorded.
   */
  const onFreshServer = async <T>(step: string, kind: VariantSpec['server'], task: (server: ServerProcess) => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      let server: ServerProcess | undefined;
      try {
        server = await start(kind);
        const value = await task(server);
        if (server.state() !== 'running') throw new Error(`the server process ${server.state()} during the step`);
        return value;
      } catch (error) {
        const lost = server === undefined || server.state() !== 'running';
        if (lost && attempt < 2) {
          retries.push({ step, reason: describe(error, server).split('\n').slice(0, 2).join(' ') });
          continue;
        }
        throw new Error(describe(error, server));
      } finally {
        await server?.stop();
      }
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

