import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { Agent, request } from 'undici';
import { NO_SESSION_MESSAGE } from '../../src/http/session.ts';
import { castVote, createSession, startServerForTest, type RunningServer, type Session } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { openSocketForTest } from '../helpers/ws-client.ts';
import { RawConnection } from '../helpers/raw-http.ts';

const agents: Agent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
});

/** POST /api/session from a given loopback address (the whole 127.0.0.0/8 reaches a server on 127.0.0.1). */
async function postSession(url: string, fromAddress = '127.0.0.1') {
  const dispatcher = new Agent({ localAddress: fromAddress });
  agents.push(dispatcher);
  const response = await request(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    dispatcher,
  });
  return { status: response.statusCode, headers: response.headers, body: (await response.body.json()) as Record<string, unknown> };
}

/** A `sid` cookie signed with the server's own secret, as the server signs it. */
function signedCookie(s: RunningServer, value: string): Session {
  return { cookie: `sid=${encodeURIComponent(s.app.signCookie(value))}`, userId: value.split('.')[0]!, name: 'crafted' };
}

/**
 * Freezes Date (timers still run, so sockets work) at a whole second, which is when a session made now was
 * issued: its expiry is then exactly that plus SESSION_TTL_S. Returns that time (ms since the epoch).
 */
function freezeClock(): number {
  const at = (Math.floor(Date.now() / 1000) + 1) * 1000;
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(at);
  onTestFinished(() => {
    vi.useRealTimers();
  });
  return at;
}

async function longPollStatus(url: string, session: Session): Promise<number> {
  const response = await fetch(`${url}/api/long-poll?client=a&since=0&timeout=0`, { headers: { cookie: session.cookie } });
  await response.arrayBuffer();
  return response.status;
}

describe('session creation limit', () => {
  it('answers 429 rate_limited with Retry-After to the session past SESSIONS_PER_MINUTE_PER_IP from one address, not to another address', async () => {
    const server = await startServerForTest({ sessionsPerMinutePerIp: 3 });
    for (let i = 0; i < 3; i++) expect((await postSession(server.url)).status).toBe(200);
    const refused = await postSession(server.url);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: 'rate_limited', message: expect.stringMatching(/At most 3 new sessions per minute/) as unknown });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.headers['set-cookie']).toBeUndefined();
    // Another address has its own allowance.
    expect((await postSession(server.url, '127.0.0.2')).status).toBe(200);
  });

  it('makes sessions without limit when SESSIONS_PER_MINUTE_PER_IP is 0', async () => {
    const server = await startServerForTest({ sessionsPerMinutePerIp: 0 });
    const statuses = [];
    // More than the default allowance of 60.
    for (let i = 0; i < 61; i++) statuses.push((await postSession(server.url)).status);
    expect(statuses.every((status) => status === 200)).toBe(true);
  });
});

describe('session expiry', () => {
  it('sets Max-Age to SESSION_TTL_S on the session cookie', async () => {
    const server = await startServerForTest({ sessionTtlS: 3600 });
    const response = await postSession(server.url);
    expect(String(response.headers['set-cookie'])).toMatch(/^sid=[^;]+;.*Max-Age=3600/);
  });

  it('answers 401 no_session to a correctly signed cookie issued longer ago than SESSION_TTL_S', async () => {
    const server = await startServerForTest({ sessionTtlS: 3600 });
    const nowS = Math.floor(Date.now() / 1000);
    const fresh = signedCookie(server, `u_crafted.${nowS - 3500}`);
    const stale = signedCookie(server, `u_crafted.${nowS - 3601}`);
    expect(await longPollStatus(server.url, fresh)).toBe(204);
    expect(await longPollStatus(server.url, stale)).toBe(401);
    const vote = await castVote(server.url, stale, { candidateId: 'push' });
    expect(vote).toEqual({ status: 401, body: { error: 'no_session', message: expect.any(String) as unknown } });
    expect(server.feed.head()).toBe(0);
  });

  it('answers 401 no_session to a cookie of the old form, a signed user id without an issue time', async () => {
    const server = await startServerForTest();
    const old = signedCookie(server, 'u_oldstyle');
    expect(await longPollStatus(server.url, old)).toBe(401);
  });

  it('accepts a session up to the millisecond before it expires and answers 401 no_session from that instant on', async () => {
    const server = await startServerForTest({ sessionTtlS: 60 });
    const issuedAt = freezeClock();
    const session = await createSession(server.url);
    const expiresAt = issuedAt + 60_000;
    // Verified (and remembered) while valid ...
    expect(await longPollStatus(server.url, session)).toBe(204);
    vi.setSystemTime(expiresAt - 1);
    expect(await longPollStatus(server.url, session)).toBe(204);
    // ... and refused the instant it expires, although the remembered value is the same.
    vi.setSystemTime(expiresAt);
    const refused = await castVote(server.url, session, { candidateId: 'push' });
    expect(refused).toEqual({ status: 401, body: { error: 'no_session', message: NO_SESSION_MESSAGE } });
    expect(await longPollStatus(server.url, session)).toBe(401);
    expect(server.feed.head()).toBe(0);
  });

  it('checks a cookie’s signature once while its session holds, and again on every request once it has expired', async () => {
    const server = await startServerForTest({ sessionTtlS: 60 });
    const issuedAt = freezeClock();
    const session = await createSession(server.url);
    const expiresAt = issuedAt + 60_000;
    const signatureChecks = vi.spyOn(server.app, 'unsignCookie');
    for (let i = 0; i < 3; i++) expect(await longPollStatus(server.url, session)).toBe(204);
    vi.setSystemTime(expiresAt - 1);
    expect(await longPollStatus(server.url, session)).toBe(204);
    // One HMAC for four requests: the verified value was remembered.
    expect(signatureChecks).toHaveBeenCalledTimes(1);
    vi.setSystemTime(expiresAt);
    expect(await longPollStatus(server.url, session)).toBe(401);
    // Forgotten once expired, and an expired session is never remembered again: each request checks anew.
    expect(await longPollStatus(server.url, session)).toBe(401);
    expect(await longPollStatus(server.url, session)).toBe(401);
    expect(signatureChecks).toHaveBeenCalledTimes(3);
  });

  it('refuses the vote frames of an open WebSocket from the instant its session expires', async () => {
    const server = await startServerForTest({ sessionTtlS: 60 });
    const issuedAt = freezeClock();
    const session = await createSession(server.url);
    const expiresAt = issuedAt + 60_000;
    const peer = await openSocketForTest(server.url, '/api/ws', { headers: { cookie: session.cookie } });
    await waitFor('the snapshot', () => peer.frames.length === 1);
    /** Sends a vote frame and returns the frame that answers it (the vote itself, or an error frame). */
    async function voteOverSocket(): Promise<Record<string, unknown>> {
      const seen = peer.frames.length;
      peer.socket.send(JSON.stringify({ type: 'vote', candidateId: 'push' }));
      return waitFor('the answer to the vote frame', () => peer.frames[seen]);
    }
    vi.setSystemTime(expiresAt - 1);
    expect(await voteOverSocket()).toMatchObject({ type: 'vote', seq: 1 });
    vi.setSystemTime(expiresAt);
    expect(await voteOverSocket()).toMatchObject({ type: 'error', error: 'no_session' });
    expect(server.feed.head()).toBe(1);
  });
});

describe('the session cookie', () => {
  it('is sent on every path, HttpOnly and SameSite=Lax, in an answer no cache keeps', async () => {
    const server = await startServerForTest();
    const response = await postSession(server.url);
    expect(response.status).toBe(200);
    const attributes = String(response.headers['set-cookie'])
      .split(';')
      .map((attribute) => attribute.trim());
    expect(attributes).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Lax']));
    expect(response.headers['cache-control']).toBe('no-store');
  });
});

describe('sessions on a keep-alive connection', () => {
  /** POST /api/votes on `connection`, the request written by hand so every one goes over that one socket. */
  async function voteOn(connection: RawConnection, cookie: string | undefined, voteId: string): Promise<{ status: number; seq?: number }> {
    connection.received = Buffer.alloc(0);
    const body = JSON.stringify({ candidateId: 'push', voteId });
    connection.write(
      `POST /api/votes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `${cookie === undefined ? '' : `Cookie: ${cookie}\r\n`}\r\n${body}`,
    );
    const response = await connection.response();
    const answer = JSON.parse(response.body) as { event?: { seq: number } };
    return answer.event === undefined ? { status: response.status } : { status: response.status, seq: answer.event.seq };
  }

  it('tells apart the users whose requests share one connection, as a proxy sends them, and refuses a cookie that no longer checks out there', async () => {
    const server = await startServerForTest();
    const alice = await createSession(server.url);
    const bob = await createSession(server.url);
    const connection = await RawConnection.open(server.url);
    onTestFinished(() => connection.destroy());
    // A voteId counts once per user: Bob's vote with Alice's voteId is his own, and counts.
    expect(await voteOn(connection, alice.cookie, 'same-key')).toEqual({ status: 201, seq: 1 });
    expect(await voteOn(connection, bob.cookie, 'same-key')).toEqual({ status: 201, seq: 2 });
    expect(await voteOn(connection, alice.cookie, 'same-key')).toEqual({ status: 201, seq: 1 });
    // The session the connection carried before does not stand in for a missing or forged cookie.
    expect(await voteOn(connection, undefined, 'other-key')).toEqual({ status: 401 });
    expect(await voteOn(connection, `${alice.cookie.slice(0, -2)}AA`, 'other-key')).toEqual({ status: 401 });
    expect(await voteOn(connection, bob.cookie, 'other-key')).toEqual({ status: 201, seq: 3 });
    expect(server.feed.head()).toBe(3);
  });
});
