import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { EventLoopDelayMonitor } from './event-loop-delay.ts';
import type { ProcessFigures } from './metrics-json.ts';

/**
 * CPU, memory and event-loop figures of this process, in the shape of /api/metrics. The reference
 * servers of the bench report theirs with the same function, so the figures compare like for like.
 */
export function readProcessFigures(eventLoopAtStart: EventLoopUtilization, delay: EventLoopDelayMonitor): ProcessFigures {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    pid: process.pid,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    eventLoopUtilization: performance.eventLoopUtilization(eventLoopAtStart).utilization,
    eventLoopDelay: delay.read(),
  };
}
