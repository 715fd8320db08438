/**
 * "Choose for your app": what each transport would cost for a workload the reader describes, scaled from
 * this run's measured unit costs. `estimateCosts` is pure and self-contained (no imports, no closures):
 * the report serialises it into index.html so the page's calculator and report.md's presets table run
 * the very same arithmetic.
 */

/** One measured scenario of one transport, reduced to unit costs. */
export interface MeasuredPoint {
  clients: number;
  rate: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU ms per delivered event (push, long polling) or per request (interval polling). */
  cpuMsPerUnit: number;
  /** Bytes on the wire, both directions, per delivered event (push, long polling) or per request (polling). */
  bytesPerUnit: number;
  /** Long polling: requests per delivered event (below 1 when it batches). */
  requestsPerEvent: number;
}

export interface CalculatorTransport {
  label: string;
  kind: 'push' | 'long-polling' | 'polling';
  /** Polling: one request per subscriber per interval. */
  intervalMs?: number;
  points: MeasuredPoint[];
  /** Server memory per connected subscriber, at the largest subscriber count run. */
  memoryPerSubscriberBytes: number;
  /** What each network profile added to p50 and p99 at the headline scenario, measured. */
  network: Record<string, { addP50Ms: number; addP99Ms: number }>;
}

export interface CalculatorData {
  transports: CalculatorTransport[];
  /** Network profiles run besides loopback ('' is loopback). */
  profiles: string[];
}

export interface Workload {
  clients: number;
  updatesPerSecond: number;
  p99BudgetMs: number;
  /** A network profile name, or '' for loopback (no network). */
  profile: string;
}

export interface Estimate {
  label: string;
  p50Ms: number;
  p99Ms: number;
  requestsPerSecond: number;
  megabitsPerSecond: number;
  cores: number;
  memoryBytes: number;
  meetsBudget: boolean;
  cheapest: boolean;
  /** The measured scenario the figures are scaled from: "100 subscribers at 20 votes/s". */
  nearest: string;
}

/**
 * Expected latency, requests/s, bandwidth, server cores and memory of each transport for `workload`.
 * Latency is the nearest measured scenario's (nearest in log subscribers and log rate), plus what the
 * chosen network profile added in this run. Costs scale linearly: deliveries/s = clients × updates/s;
 * push and long polling pay their measured CPU and bytes per delivery (long polling also its measured
 * requests per event), polling pays per request, one per subscriber per interval. The cheapest is the
 * transport within the budget that needs the fewest cores.
 */
export function estimateCosts(data: CalculatorData, workload: Workload): Estimate[] {
  const deliveriesPerSecond = workload.clients * workload.updatesPerSecond;
  const distance = (p: MeasuredPoint): number =>
    Math.abs(Math.log(p.clients / workload.clients)) + Math.abs(Math.log(p.rate / Math.max(workload.updatesPerSecond, 1e-9)));
  const estimates: Estimate[] = [];
  for (const t of data.transports) {
    let nearest: MeasuredPoint | undefined;
    for (const p of t.points) if (nearest === undefined || distance(p) < distance(nearest)) nearest = p;
    if (nearest === undefined) continue;
    const network = t.network[workload.profile] ?? { addP50Ms: 0, addP99Ms: 0 };
    let requestsPerSecond = 0;
    let cpuMsPerSecond = deliveriesPerSecond * nearest.cpuMsPerUnit;
    let bytesPerSecond = deliveriesPerSecond * nearest.bytesPerUnit;
    if (t.kind === 'polling') {
      requestsPerSecond = (workload.clients * 1000) / (t.intervalMs ?? 1000);
      cpuMsPerSecond = requestsPerSecond * nearest.cpuMsPerUnit;
      bytesPerSecond = requestsPerSecond * nearest.bytesPerUnit;
    } else if (t.kind === 'long-polling') {
      requestsPerSecond = deliveriesPerSecond * nearest.requestsPerEvent;
    }
    const p99Ms = nearest.p99Ms + network.addP99Ms;
    estimates.push({
      label: t.label,
      p50Ms: nearest.p50Ms + network.addP50Ms,
      p99Ms,
      requestsPerSecond,
      megabitsPerSecond: (bytesPerSecond * 8) / 1e6,
      cores: cpuMsPerSecond / 1000,
      memoryBytes: workload.clients * Math.max(0, t.memoryPerSubscriberBytes),
      meetsBudget: p99Ms <= workload.p99BudgetMs,
      cheapest: false,
      nearest: `${nearest.clients} subscribers at ${nearest.rate} ${nearest.rate === 1 ? 'vote' : 'votes'}/s`,
    });
  }
  let cheapest: Estimate | undefined;
  for (const e of estimates) if (e.meetsBudget && (cheapest === undefined || e.cores < cheapest.cores)) cheapest = e;
  if (cheapest !== undefined) cheapest.cheapest = true;
  return estimates;
}

/** The three workloads report.md works out, with the p99 each would accept. */
export const PRESETS: readonly { name: string; workload: Workload }[] = [
  { name: 'Dashboard: 10,000 clients, 1 update/s, p99 ≤ 1 s', workload: { clients: 10_000, updatesPerSecond: 1, p99BudgetMs: 1000, profile: '' } },
  { name: 'Chat room: 200 clients, 20 updates/s, p99 ≤ 250 ms', workload: { clients: 200, updatesPerSecond: 20, p99BudgetMs: 250, profile: '' } },
  { name: 'Live vote: 100,000 clients, 1 update every 5 s, p99 ≤ 2 s', workload: { clients: 100_000, updatesPerSecond: 0.2, p99BudgetMs: 2000, profile: '' } },
];
