import type { BenchOptions } from './cli/args.ts';
import { Progress } from './cli/progress.ts';
import { openSession } from './load/session.ts';
import { measureOverhead } from './measure/overhead.ts';
import { runScenario } from './measure/scenario-runner.ts';
import { probeWire } from './measure/wire-probe.ts';
import { estimateScenarioMs, planScenarios } from './plan/plan.ts';
import { VARIANTS } from './plan/variants.ts';
import { describeEnvironment } from './process/environment.ts';
import { freePort } from './process/free-port.ts';
import { planPinning } from './process/pinning.ts';
import { startServerProcess, type ServerProcess } from './process/server-process.ts';
import type { BenchResults, PinningInfo } from './results/types.ts';

/** How the real server is started for the bench; everything else is its documented default. */
export const SERVER_ENV: Readonly<Record<string, string>> = Object.freeze({
  VOTES_PER_SECOND: '0',
  LOG_LEVEL: 'warn',
  LONG_POLL_TIMEOUT_MS: '25000',
});
const REAL_SERVER = 'src/server.ts';
const REFERENCE_SERVER = 'bench/reference/ws-broadcast-server.ts';

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
    overhead: [],
    probes: [],
  };
  const start = async (reference: boolean): Promise<ServerProcess> =>
    startServerProcess({
      script: reference ? REFERENCE_SERVER : REAL_SERVER,
      port: await freePort(),
      env: { ...SERVER_ENV },
      commandPrefix: serverCommandPrefix,
      cwd,
    });

  try {
    progress.step('request overhead (autocannon)', overheadEstimateMs);
    let server: ServerProcess | undefined;
    try {
      server = await start(false);
      const candidateIds = await ballotCandidates(server.url);
      results.probes = await probeWire(server.url, await openSession(server.url, 'bench-probe'), candidateIds[0]!);
      results.overhead = await measureOverhead({
        baseUrl: server.url,
        candidateId: candidateIds[0]!,
        durationMs: options.overheadDurationMs,
        connections: options.overheadConnections,
        onPhase: (phase) => progress.phase(phase),
      });
    } catch (error) {
      results.failures.push({ step: 'request overhead', error: describe(error, server) });
    } finally {
      await server?.stop();
      progress.stepDone();
    }

    for (const planned of plan) {
      const spec = VARIANTS[planned.variant];
      const label = `${spec.label}, ${planned.clients} subscribers, ${planned.rate} votes/s` + (options.repeat > 1 ? ` (run ${planned.repetition})` : '');
      progress.step(label, estimateScenarioMs(planned, options.windowMs));
      let scenarioServer: ServerProcess | undefined;
      try {
        scenarioServer = await start(spec.reference);
        results.scenarios.push(
          await runScenario({
            ...planned,
            spec,
            windowMs: options.windowMs,
            baseUrl: scenarioServer.url,
            candidateIds: await ballotCandidates(scenarioServer.url),
            longPollTimeoutMs: results.config.longPollTimeoutMs,
            onPhase: (phase) => progress.phase(phase),
          }),
        );
      } catch (error) {
        results.failures.push({ step: label, error: describe(error, scenarioServer) });
      } finally {
        await scenarioServer?.stop();
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
  const tail = server?.stderrTail().trim() ?? '';
  return tail === '' ? message : `${message}\nserver stderr:\n${tail}`;
}

