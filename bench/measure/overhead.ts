import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { request } from 'undici';
import { browserHeaders } from '../load/browser-headers.ts';
import { openSession } from '../load/session.ts';
import type { OverheadResult } from '../results/types.ts';
import { readServerMetrics, serverDelta } from './server-metrics.ts';

export interface OverheadOptions {
  baseUrl: string;
  candidateId: string;
  durationMs: number;
  connections: number;
  onPhase?: (phase: string) => void;
}

/**
 * The cost of one request, measured with autocannon: GET /api/ballot as a full 200 and as a 304, and
 * POST /api/votes, with browser-like headers and no pipelining (browsers don't pipeline).
 * autocannon is closed-loop and its latency has a 1 ms floor, so only throughput and bytes are
 * taken from it; server CPU per request comes from the server's own process counters.
 */
export async function measureOverhead(options: OverheadOptions): Promise<OverheadResult[]> {
  const { baseUrl } = options;
  const headers = browserHeaders(baseUrl);
  const cookie = await openSession(baseUrl, 'bench-autocannon');
  const head = await currentEtag(baseUrl, headers);
  const runs: Omit<OverheadRun, 'baseUrl' | 'durationMs' | 'connections'>[] = [
    { name: 'ballot-200', method: 'GET', path: '/api/ballot', expectedStatus: 200, headers: { ...headers, cookie } },
    { name: 'ballot-304', method: 'GET', path: '/api/ballot', expectedStatus: 304, headers: { ...headers, cookie, 'if-none-match': head } },
    {
      name: 'vote-201',
      method: 'POST',
      path: '/api/votes',
      expectedStatus: 201,
      headers: { ...headers, cookie, origin: baseUrl, 'content-type': 'application/json' },
      body: JSON.stringify({ candidateId: options.candidateId }),
    },
  ];
  const results: OverheadResult[] = [];
  for (const run of runs) {
    options.onPhase?.(run.name);
    results.push(await measureOne({ ...run, baseUrl, durationMs: options.durationMs, connections: options.connections }));
  }
  return results;
}

interface OverheadRun {
  name: OverheadResult['name'];
  method: 'GET' | 'POST';
  path: string;
  expectedStatus: number;
  headers: Record<string, string>;
  body?: string;
  baseUrl: string;
  durationMs: number;
  connections: number;
}

async function measureOne(run: OverheadRun): Promise<OverheadResult> {
  const before = await readServerMetrics(run.baseUrl);
  const startedAt = performance.now();
  const result = await autocannon({
    url: run.baseUrl + run.path,
    method: run.method,
    headers: run.headers,
    ...(run.body === undefined ? {} : { body: run.body }),
    connections: run.connections,
    pipelining: 1,
    duration: run.durationMs / 1000,
    timeout: 10,
  });
  const wallMs = performance.now() - startedAt;
  const after = await readServerMetrics(run.baseUrl);
  // Every label: a vote counts as "other", a poll as "polling"; the two metric reads are ~2 requests of noise.
  const server = serverDelta(before, after, 'all');
  const requests = result.requests.total;
  const expected = result.statusCodeStats[String(run.expectedStatus)]?.count ?? 0;
  const cpuSeconds = server.cpuMs / 1000;
  return {
    name: run.name,
    method: run.method,
    path: run.path,
    expectedStatus: run.expectedStatus,
    connections: run.connections,
    durationMs: Math.round(wallMs),
    requests,
    requestsPerSecond: requests / (result.duration || wallMs / 1000),
    unexpected: requests - expected,
    errors: result.errors + result.timeouts,
    bytesInPerRequest: requests > 0 ? server.counters.bytesIn / requests : 0,
    bytesOutPerRequest: requests > 0 ? server.counters.bytesOut / requests : 0,
    serverCpuMs: server.cpuMs,
    serverCpuUtilization: server.wallMs > 0 ? server.cpuMs / server.wallMs : 0,
    requestsPerCpuSecond: cpuSeconds > 0 ? requests / cpuSeconds : 0,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}

/** The ETag of the ballot as it is now, for the 304 run. */
async function currentEtag(baseUrl: string, headers: Record<string, string>): Promise<string> {
  const response = await request(`${baseUrl}/api/ballot`, { headers });
  await response.body.dump();
  const etag = response.headers.etag;
  if (typeof etag !== 'string') throw new Error('GET /api/ballot sent no ETag');
  return etag;
}
