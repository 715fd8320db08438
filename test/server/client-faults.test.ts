import { describe, expect, it } from 'vitest';
import { CLIENT_FAULT_LINES_PER_SECOND } from '../../src/http/client-fault-log.ts';
import { captureLog, WARN, type LogLine } from '../helpers/log-capture.ts';
import { RawConnection, silentWebSocketPeer } from '../helpers/raw-http.ts';
import { openConnections, startServerForTest } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

/** An unmasked text frame "hi": every frame from a client must be masked (RFC 6455 5.1). */
const UNMASKED_FRAME = Buffer.from([0x81, 0x02, 0x68, 0x69]);

describe('log lines for faults of clients', () => {
  it('logs a WebSocket protocol violation as a short warn without a stack, at most 10 lines a second, and counts the rest', async () => {
    const { lines, logger } = captureLog();
    const server = await startServerForTest({}, undefined, logger);
    const violators = 30;
    const peers = await Promise.all(Array.from({ length: violators }, () => silentWebSocketPeer(server.url)));
    // All at once, so the faults fall within one or two of the limiter's one-second windows.
    for (const peer of peers) peer.write(UNMASKED_FRAME);
    await Promise.all(peers.map((peer) => peer.closed));

    const faults = (): LogLine[] => lines.filter((line) => line.code === 'WS_ERR_EXPECTED_MASK');
    const suppressed = (): number => lines.reduce((sum, line) => sum + (line.suppressed ?? 0), 0);
    await waitFor('every fault logged or counted', () => faults().length + suppressed() === violators);

    expect(faults().length).toBeGreaterThan(0);
    expect(faults().length).toBeLessThanOrEqual(2 * CLIENT_FAULT_LINES_PER_SECOND);
    for (const line of faults()) {
      expect(line.level).toBe(WARN);
      expect(line.msg).toMatch(/MASK must be set/);
      expect(line.err).toBeUndefined();
      expect(line.text).not.toMatch(/stack|at Receiver/);
      expect(line.text.length).toBeLessThan(300);
    }
    const summaries = lines.filter((line) => line.suppressed !== undefined);
    expect(summaries.length).toBeGreaterThan(0);
    for (const summary of summaries) {
      expect(summary.level).toBe(WARN);
      expect(summary.msg).toMatch(/^\d+ more client faults in the last second were not logged$/);
    }
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  });

  it('logs one line for one WebSocket protocol violation', async () => {
    const { lines, logger } = captureLog();
    const server = await startServerForTest({}, undefined, logger);
    const peer = await silentWebSocketPeer(server.url);
    peer.write(UNMASKED_FRAME);
    await waitFor('the violating peer to be closed', () => peer.isClosed);
    const faults = lines.filter((line) => line.code === 'WS_ERR_EXPECTED_MASK');
    expect(faults).toHaveLength(1);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  });

  it('lets go of a peer that breaks the protocol at once, even one that keeps its half of the connection open', async () => {
    const server = await startServerForTest();
    const peer = await silentWebSocketPeer(server.url, '/api/ws', { allowHalfOpen: true });
    peer.write(UNMASKED_FRAME);
    // ws alone would only end its side and wait 30 s for this peer to end its own.
    await waitFor('the server to close the connection', async () => (await openConnections(server)) === 0);
  });

  it('logs malformed HTTP and headers that stopped halfway as warns without a stack, and says nothing about a connection that sent nothing before its headers timeout', async () => {
    const { lines, logger } = captureLog();
    const server = await startServerForTest({ headersTimeoutMs: 200, requestTimeoutMs: 200 }, undefined, logger);
    const idle = await RawConnection.open(server.url);
    const bad = await RawConnection.open(server.url);
    bad.write('NOT HTTP AT ALL\r\n\r\n');
    expect((await bad.response()).status).toBe(400);
    expect((await idle.response()).status).toBe(408);
    // A line about the idle connection would have been written before its answer.
    expect(lines.filter((l) => l.code === 'ERR_HTTP_REQUEST_TIMEOUT')).toEqual([]);
    const halfway = await RawConnection.open(server.url);
    halfway.write('GET /api/ballot HTTP/1.1\r\nHost: x\r\n');
    expect((await halfway.response()).status).toBe(408);
    await waitFor('the malformed request logged', () => lines.find((line) => line.code === 'HPE_INVALID_METHOD'));
    const line = lines.find((l) => l.code === 'HPE_INVALID_METHOD')!;
    expect(line.level).toBe(WARN);
    expect(line.err).toBeUndefined();
    // One timeout is logged: the connection that had begun a request.
    await waitFor('the timeout logged', () => lines.find((l) => l.code === 'ERR_HTTP_REQUEST_TIMEOUT'));
    const timeouts = lines.filter((l) => l.code === 'ERR_HTTP_REQUEST_TIMEOUT');
    expect(timeouts.map((l) => [l.level, l.msg])).toEqual([[WARN, expect.stringMatching(/did not arrive in time/)]]);
  });

  it('says nothing about a connection its client reset in the middle of a request', async () => {
    const { lines, logger } = captureLog();
    const server = await startServerForTest({}, undefined, logger);
    const reset = await RawConnection.open(server.url);
    reset.write('GET /api/ballot HTTP/1.1\r\nHost: x\r\n');
    await waitFor('the server to hold the connection', async () => (await openConnections(server)) === 1);
    reset.socket.resetAndDestroy();
    await waitFor('the server to let go of the connection', async () => (await openConnections(server)) === 0);
    const bad = await RawConnection.open(server.url);
    bad.write('NOT HTTP AT ALL\r\n\r\n');
    expect((await bad.response()).status).toBe(400);
    // The fault after the reset is logged: had the reset been, its line would have come first.
    await waitFor('the malformed request logged', () => lines.find((line) => line.code === 'HPE_INVALID_METHOD'));
    expect(lines.filter((line) => line.level >= WARN).map((line) => line.code)).toEqual(['HPE_INVALID_METHOD']);
  });
});
