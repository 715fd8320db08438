import type { ScenarioResult } from './types.ts';

/**
 * The server CPU of the measured window net of what the same subscribers cost with no votes: the window's
 * CPU minus the idle window's, scaled to the window's length (the two are meant to be equally long).
 * What remains is what delivering the votes cost. Undefined where the idle window was not measured.
 * Not clamped: a result below zero says the idle window's noise exceeded the votes' cost.
 */
export function netServerCpuMs(scenario: Pick<ScenarioResult, 'windowMs' | 'idle' | 'cost'>): number | undefined {
  const { idle } = scenario;
  if (idle === undefined || idle.windowMs <= 0) return undefined;
  return scenario.cost.serverCpuMs - (idle.serverCpuMs * scenario.windowMs) / idle.windowMs;
}
