import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { GeneratorHealth } from '../results/types.ts';

/** Above these the load generator, not the server, may be what the figures show. */
export const SATURATION = Object.freeze({ eventLoopUtilization: 0.9, eventLoopDelayP99Ms: 50, voteSendLagP99Ms: 20 });

/** What one process of the load generator measured of itself over a window. */
export type GeneratorFigures = Pick<GeneratorHealth, 'cpuUtilization' | 'eventLoopUtilization' | 'eventLoopDelayP99Ms'> & {
  /** CPU time (user + system) the process spent in the window. */
  cpuMs: number;
};

/**
 * Watches one process of the load generator while a scenario is measured: its CPU, event-loop utilisation and
 * event-loop delay. Subscribers timestamp arrivals in their process's event loop, so if one is saturated
 * the latencies include the bench's own queueing and the scenario is flagged.
 */
export class GeneratorMonitor {
  readonly #delay = monitorEventLoopDelay({ resolution: 10 });
  #cpu: NodeJS.CpuUsage | undefined;
  #elu: EventLoopUtilization | undefined;
  #startedAt = 0;

  start(): void {
    this.#delay.reset();
    this.#delay.enable();
    this.#cpu = process.cpuUsage();
    this.#elu = performance.eventLoopUtilization();
    this.#startedAt = performance.now();
  }

  finish(voteSendLagP99Ms: number): GeneratorHealth {
    return judgeGenerator(this.measure(), voteSendLagP99Ms);
  }

  /** The process's figures since start(), unjudged (a worker's, to be judged with the others by the parent). */
  measure(): GeneratorFigures {
    this.#delay.disable();
    const wallMs = Math.max(1, performance.now() - this.#startedAt);
    const cpu = process.cpuUsage(this.#cpu);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const cpuUtilization = cpuMs / wallMs;
    const eventLoopUtilization = performance.eventLoopUtilization(this.#elu).utilization;
    // Node's event-loop delay monitor is a histogram of its own (HdrHistogram): its percentile, not statistics.ts's.
    const eventLoopDelayP99Ms = this.#delay.percentile(99) / 1e6;
    return { cpuMs, cpuUtilization, eventLoopUtilization, eventLoopDelayP99Ms };
  }
}

/** Decides whether the load generator was the bottleneck, and says why. */
export function judgeGenerator(
  measured: Pick<GeneratorHealth, 'cpuUtilization' | 'eventLoopUtilization' | 'eventLoopDelayP99Ms'>,
  voteSendLagP99Ms: number,
): GeneratorHealth {
  const reasons: string[] = [];
  if (measured.eventLoopUtilization > SATURATION.eventLoopUtilization) {
    reasons.push(`bench event loop ${(measured.eventLoopUtilization * 100).toFixed(0)} % busy`);
  }
  if (measured.eventLoopDelayP99Ms > SATURATION.eventLoopDelayP99Ms) {
    reasons.push(`bench event-loop delay p99 ${measured.eventLoopDelayP99Ms.toFixed(0)} ms`);
  }
  if (voteSendLagP99Ms > SATURATION.voteSendLagP99Ms) {
    reasons.push(`votes sent ${voteSendLagP99Ms.toFixed(0)} ms late (p99)`);
  }
  return { ...measured, saturated: reasons.length > 0, reasons };
}

/**
 * Judges the load generator as a whole from each of its processes' figures (the subscriber workers'
 * and the voter's): any one saturated process flags the scenario, so each figure is the worst of them;
 * CPU time adds up.
 */
export function judgeGeneratorProcesses(processes: readonly GeneratorFigures[], workers: number, voteSendLagP99Ms: number): GeneratorHealth {
  const worst = (pick: (f: GeneratorFigures) => number): number => Math.max(0, ...processes.map(pick));
  const health = judgeGenerator(
    {
      cpuUtilization: worst((f) => f.cpuUtilization),
      eventLoopUtilization: worst((f) => f.eventLoopUtilization),
      eventLoopDelayP99Ms: worst((f) => f.eventLoopDelayP99Ms),
    },
    voteSendLagP99Ms,
  );
  return { ...health, workers, cpuMs: processes.reduce((sum, f) => sum + f.cpuMs, 0) };
}
