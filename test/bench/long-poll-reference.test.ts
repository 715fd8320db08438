import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CANDIDATES } from '../../src/feed/ballot.ts';
import type { MetricsBody } from '../../src/metrics/metrics-json.ts';
import { openSession } from '../../bench/load/session.ts';
import { Subscriber } from '../../bench/load/subscriber.ts';
import { VARIANTS } from '../../bench/plan/variants.ts';
import { SERVER_SCRIPTS } from '../../bench/process/fresh-servers.ts';
import { freePort } from '../../bench/process/free-port.ts';
import { killAllServerProcesses, ServerProcess } from '../../bench/process/server-process.ts';
import { waitFor } from '../helpers/wait.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

afterAll(killAllServerProcesses);

async function vote(baseUrl: string, cookie: string, candidateId: string): Promise<number> {
  const response = await request(`${baseUrl}/api/votes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ candidateId }),
  });
  expect(response.statusCode).toBe(201);
  return ((await response.body.json()) as { event: { seq: number } }).event.seq;
}

describe('the bare long-poll reference server', () => {
  it("hands the bench's long-poll subscribers every vote once and in order, across timeouts and votes that come while they are between polls", async () => {
    // A short hold, so some polls time out (204) and poll again in between votes.
    const server = await ServerProcess.start({
      script: SERVER_SCRIPTS['long-poll-reference'],
      port: await freePort(),
      env: { PATH: process.env.PATH ?? '', LONG_POLL_TIMEOUT_MS: '200' },
      cwd: ROOT,
      ownProcessGroup: true,
    });
    const spec = VARIANTS['long-poll-reference'];
    const subscribers: Subscriber[] = [];
    for (let i = 0; i < 3; i++) {
      const cookie = await openSession(server.url, `subscriber ${i}`);
      subscribers.push(new Subscriber({ spec, baseUrl: server.url, cookie, longPollTimeoutMs: 200 }));
    }
    try {
      for (const subscriber of subscribers) subscriber.start();
      await Promise.all(subscribers.map((s) => s.ready));
      const voterCookie = await openSession(server.url, 'voter');
      const seqs: number[] = [];
      // Bursts of votes sent together (answers with several events) and pauses longer than the hold (204s).
      for (let burst = 0; burst < 4; burst++) {
        const cast = await Promise.all([0, 1, 2].map((i) => vote(server.url, voterCookie, DEFAULT_CANDIDATES[i % DEFAULT_CANDIDATES.length]!.id)));
        seqs.push(...cast.sort((a, b) => a - b));
        await waitFor('every subscriber to hold the burst', () => subscribers.every((s) => s.ledger.lostOf(seqs) === 0), { timeoutMs: 5000 });
        if (burst % 2 === 1) await waitFor('a poll to time out', () => subscribers.every((s) => s.counters().emptyResponses > burst));
      }
      expect(seqs).toEqual([...Array(12).keys()].map((i) => i + 1));
      for (const subscriber of subscribers) {
        expect(subscriber.errors).toEqual([]);
        expect(subscriber.ledger.duplicated).toBe(0);
        expect(subscriber.ledger.outOfOrder).toBe(0);
        expect([...subscriber.ledger.arrivals.keys()]).toEqual(seqs);
      }
      const metrics = (await (await request(`${server.url}/api/metrics`)).body.json()) as MetricsBody;
      expect(metrics.transports['long-polling']?.deliveries).toBe(3 * seqs.length);
    } finally {
      await Promise.all(subscribers.map((s) => s.stop()));
      await server.stop();
    }
  });
});
