import { randomBytes } from 'node:crypto';
import type { BenchOptions } from '../cli/args.ts';
import { benchKeyPrefix, deleteKeys, redisUnreachable, redisUrlFromEnv } from '../measure/feed-comparison.ts';
import type { BenchResults, FaultKind, FaultsResults, VariantName } from '../results/types.ts';
import { runFaultScenario } from './fault-scenario.ts';

/** The transports every fault runs with (one polling variant: the others fail and recover alike). */
export const FAULT_VARIANTS: readonly VariantName[] = ['polling-1s', 'long-polling', 'websocket', 'sse'];
/** The storm's subscribers are WebSocket ones: a thousand of each transport at once would measure the load generator. */
const STORM_VARIANTS: readonly VariantName[] = ['websocket'];
const STORM_CLIENTS = 1000;

/** One fault scenario as planned. */
export interface PlannedFault {
  kind: FaultKind;
  label: string;
  feed: 'memory' | 'redis';
  jitter: boolean;
}

export const FAULTS: readonly PlannedFault[] = [
  { kind: 'cut', label: 'Connection cut', feed: 'memory', jitter: true },
  { kind: 'restart', label: 'Server restart, memory feed', feed: 'memory', jitter: true },
  { kind: 'restart', label: 'Server restart, Redis feed', feed: 'redis', jitter: true },
  { kind: 'process-dies', label: 'One of two processes dies, Redis feed', feed: 'redis', jitter: true },
  { kind: 'storm', label: 'Reconnect storm, backoff with jitter', feed: 'memory', jitter: true },
  { kind: 'storm', label: 'Reconnect storm, jitter off', feed: 'memory', jitter: false },
];

/** How long votes run before and after the fault. --quick keeps the small run that CI executes short. */
function windows(options: BenchOptions): { beforeMs: number; afterMs: number } {
  return options.quick ? { beforeMs: 1500, afterMs: 2500 } : { beforeMs: 3000, afterMs: 6000 };
}

/** The progress bar's estimate of one fault scenario: servers, connecting, the two windows and the drain. */
export function estimateFaultMs(options: BenchOptions, fault: PlannedFault): number {
  const { beforeMs, afterMs } = windows(options);
  const clients = fault.kind === 'storm' ? STORM_CLIENTS : options.headline.clients * FAULT_VARIANTS.length;
  return 2000 + clients * 3 + beforeMs + afterMs + 2000;
}

/** Why a fault is not run in this configuration, or undefined when it is. */
export function whyNotRun(options: BenchOptions, fault: PlannedFault): string | undefined {
  if (fault.kind === 'storm' && options.quick) return 'not in --quick runs (a thousand subscribers)';
  if (fault.feed === 'redis' && !options.redis) return 'the Redis feed is off (--quick or --no-redis; add --redis)';
  return undefined;
}

export interface FaultsContext {
  options: BenchOptions;
  results: BenchResults;
  cwd: string;
  serverCommandPrefix: readonly string[];
  /** The relay runs next to the load generator, pinned like it. */
  relayCommandPrefix: readonly string[];
  /** Runs one step of the bench (progress bar, failures recorded and the run going on). */
  step: (label: string, estimateMs: number, task: () => Promise<void>) => Promise<void>;
  onPhase: (phase: string) => void;
}

/**
 * Every fault scenario, headline rate and subscriber count per transport (see docs/bench.md, "Faults").
 * The Redis ones are skipped, with the reason, when no Redis answers; their keys are deleted after each.
 */
export async function runFaults(context: FaultsContext): Promise<void> {
  const { options, results } = context;
  const variants = FAULT_VARIANTS.filter((v) => options.variants.includes(v));
  const faults: FaultsResults = {
    clientsPerTransport: options.headline.clients,
    stormClients: STORM_CLIENTS,
    rate: options.headline.rate,
    runs: [],
    skipped: [],
  };
  results.faults = faults;
  if (variants.length === 0) {
    faults.skipped.push({ label: 'every fault scenario', reason: `none of ${FAULT_VARIANTS.join(', ')} is among --transports` });
    return;
  }
  const redisUrl = redisUrlFromEnv();
  const redisDown = options.redis ? await redisUnreachable(redisUrl) : undefined;
  const keyPrefix = benchKeyPrefix(results.startedAt);
  const sessionSecret = randomBytes(32).toString('hex');
  for (const [index, fault] of FAULTS.entries()) {
    const reason = whyNotRun(options, fault) ?? (fault.feed === 'redis' ? redisDown : undefined);
    if (reason !== undefined) {
      faults.skipped.push({ label: fault.label, reason });
      continue;
    }
    const prefix = `${keyPrefix}fault${index + 1}:`;
    await context.step(`Fault: ${fault.label}`, estimateFaultMs(options, fault), async () => {
      try {
        const storm = fault.kind === 'storm';
        faults.runs.push(
          await runFaultScenario({
            ...fault,
            feedEnv: fault.feed === 'redis' ? { FEED: redisUrl, REDIS_KEY_PREFIX: prefix } : {},
            variants: storm ? STORM_VARIANTS : variants,
            clientsPerTransport: storm ? STORM_CLIENTS : options.headline.clients,
            rate: options.headline.rate,
            ...windows(options),
            sessionSecret,
            longPollTimeoutMs: results.config.longPollTimeoutMs,
            cwd: context.cwd,
            serverCommandPrefix: context.serverCommandPrefix,
            relayCommandPrefix: context.relayCommandPrefix,
            onPhase: context.onPhase,
          }),
        );
      } finally {
        if (fault.feed === 'redis') await deleteKeys(redisUrl, prefix);
      }
    });
  }
}
