/**
 * The part of autocannon's API the bench uses (the package ships no types). Only what
 * bench/measure/overhead.ts reads is declared, so a change upstream shows up as a type error here.
 */
declare module 'autocannon' {
  interface AutocannonOptions {
    url: string;
    method?: 'GET' | 'POST';
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    pipelining?: number;
    /** Seconds. */
    duration?: number;
    timeout?: number;
  }

  interface LatencyStats {
    p50: number;
    p99: number;
    average: number;
    max: number;
  }

  interface AutocannonResult {
    /** total: completed requests; sent: requests sent. */
    requests: { total: number; sent: number; average: number };
    /** total: response bytes read. */
    throughput: { total: number };
    errors: number;
    timeouts: number;
    non2xx: number;
    statusCodeStats: Record<string, { count: number }>;
    /** Seconds. */
    duration: number;
    latency: LatencyStats;
  }

  function autocannon(options: AutocannonOptions): Promise<AutocannonResult>;
  export default autocannon;
}
