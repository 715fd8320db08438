import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLIENT_FAULT_LINES_PER_SECOND, ClientFaultLog } from '../../src/http/client-fault-log.ts';
import { captureLog, type LogLine } from '../helpers/log-capture.ts';

/** The log of a real Fastify logger, the lines it wrote, and a fault to report. */
function setup(): { log: ClientFaultLog; faults: () => LogLine[]; summaries: () => LogLine[] } {
  const { lines, logger } = captureLog();
  const log = new ClientFaultLog(Fastify({ logger }).log);
  return {
    log,
    faults: () => lines.filter((line) => line.code === 'HPE_INVALID_METHOD'),
    summaries: () => lines.filter((line) => line.suppressed !== undefined),
  };
}

const FAULT = { code: 'HPE_INVALID_METHOD', remoteAddress: '192.0.2.1' };

describe('ClientFaultLog', () => {
  // The clock is the test's: a second passes when the test says so.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the first 10 faults of a second, then one line at the end of that second with how many more there were', () => {
    const { log, faults, summaries } = setup();
    for (let i = 0; i < CLIENT_FAULT_LINES_PER_SECOND + 5; i++) log.warn(FAULT, 'Malformed HTTP request');
    expect(faults()).toHaveLength(CLIENT_FAULT_LINES_PER_SECOND);
    vi.advanceTimersByTime(999);
    expect(summaries()).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(summaries().map((line) => [line.suppressed, line.msg])).toEqual([[5, '5 more client faults in the last second were not logged']]);
    // Nothing more to say after that.
    vi.advanceTimersByTime(5000);
    expect(summaries()).toHaveLength(1);
  });

  it('writes faults again once the second is over, the next 10 of the new second', () => {
    const { log, faults, summaries } = setup();
    for (let i = 0; i < CLIENT_FAULT_LINES_PER_SECOND + 1; i++) log.warn(FAULT, 'Malformed HTTP request');
    vi.advanceTimersByTime(1000);
    expect(summaries().map((line) => line.suppressed)).toEqual([1]);
    for (let i = 0; i < CLIENT_FAULT_LINES_PER_SECOND + 2; i++) log.warn(FAULT, 'Malformed HTTP request');
    expect(faults()).toHaveLength(2 * CLIENT_FAULT_LINES_PER_SECOND);
    vi.advanceTimersByTime(1000);
    expect(summaries().map((line) => line.suppressed)).toEqual([1, 2]);
  });
});
