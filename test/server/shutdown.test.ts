import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createSession, startServer, waitFor, type RunningServer } from '../helpers/server.ts';
import { openSocket } from '../helpers/ws-client.ts';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('graceful shutdown', () => {
  it('answers parked polls, closes WebSockets with 1001, ends SSE streams, and refuses new requests with 503', async () => {
    server = await startServer();
    const { url, app } = server;
    const session = await createSession(url);
    const parked = fetch(`${url}/api/long-poll?client=a&since=0&timeout=20000`, { headers: { cookie: session.cookie } });
    const ws = await openSocket(url);
    const sse = await request(`${url}/api/sse`, { bodyTimeout: 0 });
    const sseText = sse.body.text();
    const s = server;
    await waitFor(() => (s.app.metrics.collect()['long-polling'].open === 1 ? true : undefined), 5000, 'the poll to park');

    await app.lifecycle.shutdown();

    expect((await parked).status).toBe(204);
    expect((await ws.closed).code).toBe(1001);
    expect(await sseText).toContain('event: snapshot'); // the stream ended, so text() resolved
    const refused = await fetch(`${url}/api/ballot`);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: 'shutting_down' });
  });

  it('the server process closes WebSockets with 1001 and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['src/server.ts', '--port', '0', '--log-level', 'info'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const url = await waitFor(() => /Votewire listening on (http:\/\/[\d.]+:\d+)/.exec(output)?.[1], 20_000, 'the listening line');
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

  it('refuses --workers above 1 with the memory feed, with a message that says what to do', async () => {
    const child = spawn(process.execPath, ['src/server.ts', '--workers', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(stderr).toMatch(/--workers 2 needs a shared feed.*FEED=redis:\/\//s);
  });
});
