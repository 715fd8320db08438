import { NETWORK_PROFILE_NAMES, NETWORK_PROFILES } from '../network/profiles.ts';
import { RELAY_SATURATION } from '../network/relay-monitor.ts';
import { VARIANTS } from '../plan/variants.ts';
import type { BenchResults, NetworkProfileResult, ScenarioResult, VariantName } from '../results/types.ts';
import { derive, headlineRows, representativeRun, type ScenarioRow } from './derive.ts';
import { bytes, ms, num, rateText } from './format.ts';
import { networkTerm } from './network-model.ts';
import type { Cell, Table } from './tables.ts';

/** Every network profile's settings in words: "40 ms RTT, jitter up to 5 ms each way, 1 MB/s cap". */
export function profileText(profile: NetworkProfileResult): string {
  if (profile.rttMs === 0 && profile.jitterMs === 0 && profile.bandwidthBytesPerSec === undefined) return 'no relay: client and server on 127.0.0.1';
  const parts = [`${profile.rttMs} ms RTT`];
  if (profile.jitterMs > 0) parts.push(`jitter up to ${profile.jitterMs} ms each way`);
  if (profile.bandwidthBytesPerSec !== undefined) parts.push(`${profile.bandwidthBytesPerSec / 1e6} MB/s per connection each way`);
  return parts.join(', ');
}

/** The command that runs the network section with every profile. */
export const NETWORK_COMMAND = '`npm run bench -- --network lan,broadband,mobile`';

/** One transport on one network: the loopback headline row for loopback, a relayed run otherwise. */
export interface NetworkPoint {
  variant: VariantName;
  profile: NetworkProfileResult;
  p50Ms: number;
  p99Ms: number;
  scenario: ScenarioResult;
}

/** Loopback (from the headline rows) and every relayed run, in profile then transport order. */
export function networkPoints(results: BenchResults, rows: readonly ScenarioRow[]): NetworkPoint[] {
  const networks = results.networks;
  if (networks === undefined) return [];
  const points: NetworkPoint[] = [];
  for (const profile of networks.profiles) {
    if (profile.name === 'loopback') {
      for (const row of headlineRows(results, rows)) {
        points.push({ variant: row.variant, profile, p50Ms: row.figures.p50Ms.median, p99Ms: row.figures.p99Ms.median, scenario: representativeRun(row) });
      }
      continue;
    }
    for (const run of networks.runs.filter((r) => r.profile === profile.name)) {
      const d = derive(run.scenario);
      points.push({ variant: run.scenario.variant, profile, p50Ms: d.p50Ms, p99Ms: d.p99Ms, scenario: run.scenario });
    }
  }
  return points;
}

const cell = (text: string, bad = false): Cell => (bad ? { text, bad } : { text });

/**
 * Per transport and network: latency, what each event cost on the wire, and the model next to the
 * measurement (loopback's p50 of the same transport plus what the network should add).
 */
export function networkTable(results: BenchResults, rows: readonly ScenarioRow[]): Table {
  const networks = results.networks;
  const { clients, rate } = results.config.headline;
  if (networks === undefined) {
    return {
      id: 'networks',
      title: 'Networks',
      intro: `Not run: this report measured loopback only. ${NETWORK_COMMAND} runs the headline scenario of every transport over these emulated networks.`,
      columns: ['network', 'settings'],
      rows: NETWORK_PROFILE_NAMES.filter((name) => name !== 'loopback').map((name) => [cell(name), cell(profileText(NETWORK_PROFILES[name]))]),
    };
  }
  const loopbackP50 = new Map(headlineRows(results, rows).map((row) => [row.variant, row.figures.p50Ms.median]));
  const notAsked = (['lan', 'broadband', 'mobile'] as const).filter((name) => !networks.profiles.some((p) => p.name === name));
  const tableRows: Cell[][] = networkPoints(results, rows).map((point) => {
    const spec = VARIANTS[point.variant];
    const d = derive(point.scenario);
    const relayed = point.profile.name !== 'loopback';
    const term = networkTerm(spec, point.profile);
    const base = loopbackP50.get(point.variant);
    const model =
      !relayed || base === undefined ? '–' : term.lowMs === term.highMs ? `≈ ${ms(base + term.lowMs)}` : `${ms(base + term.lowMs)} – ${ms(base + term.highMs)}`;
    const { lost, duplicated, outOfOrder } = point.scenario.coherence;
    const relay = point.scenario.relay;
    return [
      cell(spec.label),
      cell(point.profile.name),
      cell(num(point.profile.rttMs, 0)),
      cell(ms(point.p50Ms)),
      cell(ms(point.p99Ms)),
      cell(model),
      cell(relayed ? term.formula : 'measured'),
      cell(num(d.requestsPerEvent, 3)),
      cell(bytes(d.bytesDownPerEvent)),
      cell(bytes(d.bytesUpPerEvent)),
      cell(`${lost} / ${duplicated} / ${outOfOrder}`, lost + duplicated + outOfOrder > 0),
      relay === undefined
        ? cell('–')
        : relay.saturated
          ? cell(`flagged: ${relay.reasons.join('; ')}`, true)
          : cell(`ok (CPU ${(relay.cpuUtilization * 100).toFixed(0)} %, event loop ${(relay.eventLoopUtilization * 100).toFixed(0)} %)`),
      cell(point.scenario.generator.saturated ? `flagged: ${point.scenario.generator.reasons.join('; ')}` : 'ok', point.scenario.generator.saturated),
    ];
  });
  return {
    id: 'networks',
    title: `Networks: ${clients} subscribers, ${rateText(rate)}`,
    intro:
      "The headline scenario of every transport with its subscribers and voter behind an emulated network (a relay process adding the delay; see Method). Latency is from the vote's send, so it includes the vote's own trip to the server. The model is the same transport's loopback p50 plus what the network should add. Per-event figures are at the server's sockets, as in the other tables. A relay that was busy most of the window is flagged: its delay would then be its own, not the network's.",
    columns: [
      'Transport',
      'network',
      'RTT ms',
      'p50 ms',
      'p99 ms',
      'model p50 ms',
      'model',
      'requests / event',
      'bytes / event ↓',
      'bytes / event ↑',
      'lost / dup / out of order',
      'relay',
      'load generator',
    ],
    rows: tableRows,
    notes: [
      ...networks.profiles.map((p) => `${p.name}: ${profileText(p)}.`),
      ...(notAsked.length === 0 ? [] : [`Not run: ${notAsked.join(', ')} (${NETWORK_COMMAND} runs them).`]),
    ],
  };
}

/** The network paragraph of the method. */
export function networkMethod(results: BenchResults): string {
  const networks = results.networks;
  if (networks === undefined) return `Networks: loopback only; ${NETWORK_COMMAND} adds the emulated networks.`;
  return `Networks: for each network but loopback, the headline scenario of every transport (${networks.clients} subscribers at ${rateText(networks.rate)}) runs once on a fresh server with its subscribers, their sessions and the voter connecting through a TCP relay in a process of its own (\`bench/network/relay-process.ts\`, pinned with the load generator), told the relay's origin as an allowed one. Each chunk the relay reads is written on in the same direction at max(now + RTT/2 + a uniform draw from [0, jitter], the previous chunk's time), so jitter never reorders bytes; with a bandwidth cap a chunk also waits until the previous ones have drained at the cap. The server's metrics are read directly, not through the relay. The relay's CPU and event-loop utilisation over the window are recorded; a scenario is flagged above ${RELAY_SATURATION.cpuUtilization * 100} % CPU or ${RELAY_SATURATION.eventLoopUtilization * 100} % event-loop utilisation. Profiles: ${networks.profiles.map((p) => `${p.name} (${profileText(p)})`).join('; ')}.`;
}

/** One sentence per emulated network: each transport's p50 / p99 there, and where the measurement left the model. */
export function networkConclusions(results: BenchResults, rows: readonly ScenarioRow[]): string[] {
  const networks = results.networks;
  if (networks === undefined) return [];
  const loopbackP50 = new Map(headlineRows(results, rows).map((row) => [row.variant, row.figures.p50Ms.median]));
  const points = networkPoints(results, rows);
  const sentences: string[] = [];
  for (const profile of networks.profiles.filter((p) => p.name !== 'loopback')) {
    const here = points.filter((p) => p.profile.name === profile.name);
    if (here.length === 0) continue;
    const figures = here.map((p) => `${VARIANTS[p.variant].label} ${ms(p.p50Ms)} / ${ms(p.p99Ms)}`).join(', ');
    const beyond = here.filter((p) => {
      const base = loopbackP50.get(p.variant);
      if (base === undefined) return false;
      const high = base + networkTerm(VARIANTS[p.variant], profile).highMs;
      return p.p50Ms > high + Math.max(5, 0.2 * high);
    });
    const flagged = here.filter((p) => p.scenario.relay?.saturated === true);
    sentences.push(
      `On ${profile.name} (${profileText(profile)}), p50 / p99 ms: ${figures}. ` +
        (beyond.length === 0
          ? 'Every p50 is within its model (loopback p50 plus what the network adds), give or take 20 % or 5 ms.'
          : `Above its model by more than 20 % or 5 ms: ${beyond.map((p) => VARIANTS[p.variant].label).join(', ')}.`) +
        (flagged.length === 0
          ? ''
          : ` The relay was flagged for ${flagged.map((p) => VARIANTS[p.variant].label).join(', ')}: those latencies include its own queueing.`),
    );
  }
  return sentences;
}
