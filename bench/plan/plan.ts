import type { BenchConfig, VariantName } from '../results/types.ts';
import { VARIANTS } from './variants.ts';

/** What a plan is made from: the part of the run's configuration that names scenarios. */
export type PlanSettings = Pick<BenchConfig, 'variants' | 'clients' | 'rates' | 'windowMs' | 'repeat' | 'headline'>;

export interface PlannedScenario {
  id: string;
  variant: VariantName;
  clients: number;
  rate: number;
  repetition: number;
}

/**
 * Every variant × subscriber count × rate once (a variant measured only at the busiest rate: every count
 * at that rate); the headline scenarios (every variant at the
 * headline count and rate) `repeat` times. Repetitions come in rounds over all variants, so a slow
 * drift of the machine spreads over every variant instead of landing on one.
 */
export function planScenarios(settings: PlanSettings): PlannedScenario[] {
  const planned: PlannedScenario[] = [];
  for (let repetition = 1; repetition <= settings.repeat; repetition++) {
    for (const variant of settings.variants) {
      for (const clients of settings.clients) {
        for (const rate of settings.rates) {
          if (repetition > 1 && !isHeadline({ clients, rate }, settings.headline)) continue;
          if (VARIANTS[variant].busiestRateOnly === true && rate < settings.headline.rate) continue;
          planned.push({ id: `s${planned.length + 1}`, variant, clients, rate, repetition });
        }
      }
    }
  }
  return planned;
}

/** Whether a scenario is at the headline subscriber count and rate (the ones repeated and measured idle). */
export function isHeadline(scenario: { clients: number; rate: number }, headline: { clients: number; rate: number }): boolean {
  return scenario.clients === headline.clients && scenario.rate === headline.rate;
}

/** The headline: the middle subscriber count (100 by default) at the busiest rate. */
export function pickHeadline(clients: readonly number[], rates: readonly number[]): { clients: number; rate: number } {
  const sorted = [...clients].sort((a, b) => a - b);
  return { clients: sorted[Math.floor((sorted.length - 1) / 2)] ?? 10, rate: Math.max(...rates) };
}

/** Rough ms a scenario takes (server start, connecting, warm-up, window, drain, idle window): for the progress bar's ETA. */
export function estimateScenarioMs(scenario: PlannedScenario, windowMs: number, warmupMs: number, idle: boolean): number {
  const interval = VARIANTS[scenario.variant].intervalMs ?? 0;
  const serverStart = VARIANTS[scenario.variant].reference ? 400 : 1000;
  const connect = scenario.clients * 2 + interval + 300;
  const drain = interval + 200;
  return serverStart + connect + warmupMs + windowMs + drain + (idle ? windowMs : 0);
}
