/**
 * `--workers N` (node:cluster) and startup failures, on real processes.
 */
import { request } from 'node:http';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { REDIS_URL, deleteKeys, freePort, uniquePrefix } from './helpers/redis.ts';
import { sharedRedisAvailable } from './helpers/needs-redis.ts';
import { ServerProcess, killAllServerProcesses, newSecret } from './helpers/server-process.ts';

const prefixes: string[] = [];

afterEach(async () => {
  await killAllServerProcesses();
});

afterAll(async () => {
  for (const prefix of prefixes) await deleteKeys(REDIS_URL, prefix);
});

/** One request on a connection of its own (no keep-alive), so the cluster may hand it to any worker. */
function freshRequest(
  url: string,
  method: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    // A connection handed to a worker that is dying may never be answered: fail it rather than hang.
    req.setTimeout(3000, () => req.destroy(new Error(`no answer from ${method} ${url} within 3 s`)));
    req.end(body);
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Each real server process takes seconds to start on a busy CI machine: more room than the default 30 s.
describe('npm start -- --workers N', { timeout: 90_000 }, () => {
  it.runIf(sharedRedisAvailable())('spreads connections over the workers, which share sessions and one feed, and stops them all on SIGTERM', async () => {
    const prefix = uniquePrefix('workers');
    prefixes.push(prefix);
    // No SESSION_SECRET: the primary makes one and hands it to every worker.
    const server = await ServerProcess.start({ feed: REDIS_URL, prefix, args: ['--workers', '2'] });

    // Both workers must be up before the spread can show: ask until two pids have answered.
    const pids = new Set<number>();
    const deadline = Date.now() + 20_000;
    while (pids.size < 2 && Date.now() < deadline) {
      const { status, text } = await freshRequest(`${server.url}/api/metrics`, 'GET');
      if (status === 200) pids.add((JSON.parse(text) as { process: { pid: number } }).process.pid);
    }
    expect(pids.size).toBe(2);

    // A session made on one worker is valid on every worker: the primary hands the fresh connections
    // of these votes to the workers in turn, and a worker with another secret would answer 401.
    const session = await freshRequest(`${server.url}/api/session`, 'POST', { 'content-type': 'application/json' }, '{"name":"roamer"}');
    expect(session.status).toBe(200);
    const cookie = String(session.headers['set-cookie']).split(';')[0]!;
    const seqs: number[] = [];
    for (let i = 0; i < 12; i++) {
      const voted = await freshRequest(`${server.url}/api/votes`, 'POST', { 'content-type': 'application/json', cookie }, '{"candidateId":"push"}');
      expect(voted.status, voted.text).toBe(201);
      seqs.push((JSON.parse(voted.text) as { event: { seq: number } }).event.seq);
    }
    expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));

    // Whichever worker answers, it has the same counts.
    for (let i = 0; i < 4; i++) {
      const { text } = await freshRequest(`${server.url}/api/ballot`, 'GET');
      const ballot = JSON.parse(text) as { seq: number; candidates: { id: string; count: number }[] };
      expect(ballot.seq).toBe(12);
      expect(ballot.candidates.find((c) => c.id === 'push')?.count).toBe(12);
    }

    // A worker that dies is replaced; the feed's counts are untouched by it.
    const [victim, survivor] = [...pids] as [number, number];
    process.kill(victim, 'SIGKILL');
    const replaced = new Set<number>();
    const replaceDeadline = Date.now() + 20_000;
    while (Date.now() < replaceDeadline && ![...replaced].some((pid) => !pids.has(pid))) {
      const { status, text } = await freshRequest(`${server.url}/api/metrics`, 'GET').catch(() => ({ status: 0, text: '' }));
      if (status === 200) replaced.add((JSON.parse(text) as { process: { pid: number } }).process.pid);
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const newcomer = [...replaced].find((pid) => !pids.has(pid));
    expect(newcomer, 'a new worker').toBeDefined();
    const { text } = await freshRequest(`${server.url}/api/ballot`, 'GET');
    expect((JSON.parse(text) as { seq: number }).seq).toBe(12);

    expect(await server.stop()).toBe(0);
    for (const pid of [survivor, newcomer!]) expect(isAlive(pid)).toBe(false);
  });

  it('refuses --workers above 1 with the memory feed, saying why', async () => {
    const server = ServerProcess.spawn({ feed: 'memory', prefix: 'unused:', secret: newSecret(), args: ['--workers', '2'] }, await freePort());
    expect(await server.exited).toBe(2);
    expect(server.output).toMatch(/--workers 2 needs a shared feed/);
  });

  it('fails fast with a message naming the URL when Redis cannot be reached, with and without workers', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    for (const args of [[], ['--workers', '2']]) {
      const server = ServerProcess.spawn({ feed: url, prefix: 'unused:', secret: newSecret(), args }, await freePort());
      const code = await server.exited;
      expect(code, server.output).not.toBe(0);
      expect(server.output).toContain(`Cannot connect to Redis at ${url}`);
    }
  });
});
