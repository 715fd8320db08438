import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { RawConnection, silentWebSocketPeer } from '../helpers/raw-http.ts';
import { createSession } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { openSocket } from '../helpers/ws-client.ts';
import { killAllServerProcesses, ServerProcess } from '../redis/helpers/server-process.ts';

afterEach(async () => {
  await killAllServerProcesses();
});

/** A server process on the memory feed (the Redis helper's process, without Redis). */
function startServerProcess(args: string[] = []): Promise<ServerProcess> {
  return ServerProcess.start({ feed: 'memory', prefix: 'unused:', args });
}

describe('graceful shutdown', () => {
  it('the server process closes WebSockets with 1001 and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['src/server.ts', '--port', '0', '--log-level', 'info'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const url = await waitFor('the listening line', () => /Votewire listening on (http:\/\/[\d.]+:\d+)/.exec(output)?.[1], { timeoutMs: 20_000 });
      expect(output).toContain('with the memory feed');
      const ws = await openSocket(url);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect((await ws.closed).code).toBe(1001);
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('exits 0 once the grace period is over when a WebSocket peer never returns the close frame and a POST body trickles in', async () => {
    const process = await startServerProcess(['--shutdown-grace-ms', '500']);
    const session = await createSession(process.url);
    const peer = await silentWebSocketPeer(process.url);
    const trickler = await RawConnection.open(process.url);
    trickler.write(
      `POST /api/votes HTTP/1.1\r\nHost: x\r\nCookie: ${session.cookie}\r\nContent-Type: application/json\r\n` +
        'Content-Length: 100\r\nExpect: 100-continue\r\n\r\n{',
    );
    // "100 Continue" says the server has read the headers: the request is in flight.
    await trickler.until((data) => (data.includes('100 Continue') ? true : undefined), 'the server to take the request');
    const trickle = setInterval(() => trickler.write(' '), 100);
    try {
      const code = await process.stop();
      expect(code).toBe(0);
      // It was the grace period that ended them, not the peers giving up.
      expect(process.output).toMatch(/connections still open after 500 ms; cutting them/);
      await peer.closed;
      await trickler.closed;
    } finally {
      clearInterval(trickle);
      peer.destroy();
      trickler.destroy();
    }
  });

  it('answers every vote in flight at SIGTERM with 201 or 503, none with a broken connection', async () => {
    const process = await startServerProcess();
    const session = await createSession(process.url);
    const pool = new Pool(process.url, { connections: 16, pipelining: 1 });
    const outcomes: string[] = [];
    // Each voter votes back to back on its own keep-alive connection until it is turned away.
    async function voter(): Promise<void> {
      for (;;) {
        try {
          const response = await pool.request({
            path: '/api/votes',
            method: 'POST',
            headers: { 'content-type': 'application/json', cookie: session.cookie },
            body: '{"candidateId":"push"}',
          });
          await response.body.text();
          outcomes.push(String(response.statusCode));
          if (response.statusCode !== 201) return;
        } catch (error) {
          const { code, cause } = error as { code?: string; cause?: { code?: string } };
          outcomes.push(cause?.code ?? code ?? String(error));
          return;
        }
      }
    }
    try {
      const voters = Array.from({ length: 16 }, voter);
      await waitFor('voting in full swing', () => outcomes.length >= 300, { timeoutMs: 10_000 });
      const exited = process.stop();
      await Promise.all(voters);
      expect(await exited).toBe(0);
      // A connection refused after the listener closed carried no vote: the client may simply retry elsewhere.
      const broken = outcomes.filter((outcome) => !['201', '503', 'ECONNREFUSED'].includes(outcome));
      expect(broken).toEqual([]);
      expect(outcomes.filter((outcome) => outcome === '201').length).toBeGreaterThanOrEqual(300 - 16);
    } finally {
      await pool.destroy();
    }
  });

  it('refuses --workers above 1 with the memory feed, with a message that says what to do', async () => {
    const child = spawn(process.execPath, ['src/server.ts', '--workers', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(stderr).toMatch(/--workers 2 needs a shared feed.*FEED=redis:\/\//s);
  });
});
