import { describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { captureLog, WARN } from '../helpers/log-capture.ts';
import { ignore } from '../helpers/quiet.ts';
import { startServerForTest } from '../helpers/server.ts';
import { tlsTestSettings } from '../helpers/tls-client.ts';
import { upgradeStatus } from '../helpers/ws-client.ts';

/** Opens GET /api/sse with the given headers and returns the status (and the Error code of a refusal). */
async function sseStatus(url: string, headers: Record<string, string>): Promise<{ status: number; error?: unknown }> {
  // A connection of its own, destroyed after: the stream must not outlive the check.
  const dispatcher = new Agent();
  try {
    const response = await request(`${url}/api/sse`, { headers, dispatcher });
    if (response.statusCode !== 200) return { status: response.statusCode, error: ((await response.body.json()) as { error: unknown }).error };
    // The stream would otherwise fail with "client destroyed" when its connection goes below.
    response.body.on('error', ignore).destroy();
    return { status: 200 };
  } finally {
    await dispatcher.destroy();
  }
}

describe('the Origin check of WebSocket and SSE', () => {
  it('refuses a foreign Origin with 403 forbidden_origin even when the Host header names that origin', async () => {
    const server = await startServerForTest();
    const headers = { origin: 'http://evil.example', host: 'evil.example' };
    expect(await upgradeStatus(server.url, '/api/ws', { headers })).toBe(403);
    expect(await sseStatus(server.url, headers)).toEqual({ status: 403, error: 'forbidden_origin' });
    const refused = await fetch(`${server.url}/api/sse`, { headers });
    expect(await refused.json()).toMatchObject({ message: 'Origin http://evil.example may not open this feed' });
  });

  it('accepts its own page opened by localhost, 127.0.0.1 or [::1] at its port on a loopback HOST', async () => {
    const server = await startServerForTest({ host: '127.0.0.1' });
    const { port } = new URL(server.url);
    for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`]) {
      expect(await upgradeStatus(server.url, '/api/ws', { headers: { origin } }), origin).toBe(101);
      expect(await sseStatus(server.url, { origin }), origin).toEqual({ status: 200 });
    }
    // The same names at another port are other servers.
    const elsewhere = `http://localhost:${Number(port) === 65535 ? 65534 : Number(port) + 1}`;
    expect(await upgradeStatus(server.url, '/api/ws', { headers: { origin: elsewhere } })).toBe(403);
  });

  it('accepts PUBLIC_ORIGIN and ALLOWED_ORIGINS entries, whatever the Host header says', async () => {
    const server = await startServerForTest({ publicOrigin: 'https://vote.example.com', allowedOrigins: ['https://friend.example'] });
    for (const origin of ['https://vote.example.com', 'https://friend.example']) {
      expect(await upgradeStatus(server.url, '/api/ws', { headers: { origin, host: 'unrelated.example' } }), origin).toBe(101);
      expect(await sseStatus(server.url, { origin, host: 'unrelated.example' }), origin).toEqual({ status: 200 });
    }
    expect(await upgradeStatus(server.url, '/api/ws', { headers: { origin: 'http://vote.example.com' } })).toBe(403);
  });
});

describe('the warning at start-up about the Origin check', () => {
  const tls = tlsTestSettings();

  it.each([
    ['http', {}],
    ['https', tls.overrides],
  ])('says which page origins are accepted on HOST=0.0.0.0 without PUBLIC_ORIGIN, and how to set it (%s)', async (scheme, overrides) => {
    const { lines, logger } = captureLog();
    const server = await startServerForTest({ ...overrides, host: '0.0.0.0' }, undefined, logger);
    const { port } = new URL(server.url);
    const warnings = lines.filter((line) => line.level === WARN).map((line) => line.msg);
    expect(warnings).toEqual([
      `HOST=0.0.0.0 without PUBLIC_ORIGIN: WebSocket and SSE accept pages from ${scheme}://localhost:${port}, ${scheme}://127.0.0.1:${port}, ${scheme}://[::1]:${port} only. ` +
        `Set PUBLIC_ORIGIN to the address people open the demo by (e.g. ${scheme}://192.168.1.20:3000).`,
    ]);
  });

  it('says nothing on a loopback HOST', async () => {
    const { lines, logger } = captureLog();
    await startServerForTest({ host: '127.0.0.1' }, undefined, logger);
    expect(lines.filter((line) => line.level >= WARN)).toEqual([]);
  });
});
