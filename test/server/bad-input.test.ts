import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { ErrorCode } from '../../src/contract.ts';
import { DEFAULT_CANDIDATES } from '../../src/feed/ballot.ts';
import { MemoryFeed } from '../../src/feed/memory-feed.ts';
import type { FeedEntry } from '../../src/feed/types.ts';
import { expectErrorBody } from '../helpers/contract.ts';
import { captureLog, ERROR } from '../helpers/log-capture.ts';
import { RawConnection, rawRequest } from '../helpers/raw-http.ts';
import { ballot, castVote, createSession, startServer, startServerForTest, type RunningServer, type Session } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

let server: RunningServer;
let session: Session;
let url: string;

beforeAll(async () => {
  server = await startServer({ votesPerSecond: 0 });
  url = server.url;
  session = await createSession(url);
  await castVote(url, session, { candidateId: 'polling' });
});
afterAll(async () => {
  await server.close();
});

describe('POST /api/votes with bad input', () => {
  const cases: [string, string | object, Record<string, string>, number, ErrorCode][] = [
    ['malformed JSON', '{"candidateId": "polling"', {}, 400, 'invalid_json'],
    ['an empty body', '', {}, 400, 'invalid_json'],
    ['a number for candidateId', { candidateId: 7 }, {}, 400, 'invalid_request'],
    ['a numeric string where an object is expected', '"polling"', {}, 400, 'invalid_request'],
    ['an array body', '[{"candidateId":"polling"}]', {}, 400, 'invalid_request'],
    ['an unknown key', { candidateId: 'polling', extra: true }, {}, 400, 'invalid_request'],
    ['a voteId over 64 characters', { candidateId: 'polling', voteId: 'x'.repeat(65) }, {}, 400, 'invalid_request'],
    ['a __proto__ key', '{"candidateId":"polling","__proto__":{"admin":true}}', {}, 400, 'invalid_json'],
    ['a constructor.prototype key', '{"candidateId":"polling","constructor":{"prototype":{"admin":true}}}', {}, 400, 'invalid_json'],
    ['an unknown candidate', { candidateId: 'nobody' }, {}, 404, 'unknown_candidate'],
    ['a body over 4 KiB', { candidateId: 'polling', voteId: 'y'.repeat(5000) }, {}, 413, 'body_too_large'],
    ['text/plain', 'candidateId=polling', { 'content-type': 'text/plain' }, 415, 'unsupported_media_type'],
    ['form encoding', 'candidateId=polling', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
  ];

  it.each(cases)('rejects %s with the JSON Error shape and leaves the feed unchanged', async (_name, body, headers, status, code) => {
    const before = await ballot(url);
    const result = await castVote(url, session, body, headers);
    expect(result.status).toBe(status);
    expectErrorBody(result.body, code);
    const after = await ballot(url);
    expect(after.seq).toBe(before.seq);
    expect(after.candidates).toEqual(before.candidates);
  });

  it('rejects a vote without a session with 401', async () => {
    const result = await castVote(url, undefined, { candidateId: 'polling' });
    expect(result.status).toBe(401);
    expectErrorBody(result.body, 'no_session');
  });

  it('says when to retry (Retry-After) only to a vote refused by the limit, not to one refused for good', async () => {
    const vote = (body: string, cookie?: string) =>
      fetch(`${url}/api/votes`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie === undefined ? {} : { cookie }) }, body });
    const withoutSession = await vote('{"candidateId":"polling"}');
    const unknownCandidate = await vote('{"candidateId":"nobody"}', session.cookie);
    expect([withoutSession.status, unknownCandidate.status]).toEqual([401, 404]);
    expect([withoutSession.headers.get('retry-after'), unknownCandidate.headers.get('retry-after')]).toEqual([null, null]);
    await Promise.all([withoutSession.arrayBuffer(), unknownCandidate.arrayBuffer()]);
  });

  it('rejects a forged session cookie with 401', async () => {
    const forged = { ...session, cookie: 'sid=u_attacker.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' };
    const result = await castVote(url, forged, { candidateId: 'polling' });
    expect(result.status).toBe(401);
    const unsigned = { ...session, cookie: `sid=${session.userId}` };
    expect((await castVote(url, unsigned, { candidateId: 'polling' })).status).toBe(401);
    expect((await ballot(url)).seq).toBe(1);
  });
});

describe('per-user vote limit', () => {
  it('answers 429 beyond VOTES_PER_SECOND for one user while another user still votes', async () => {
    const limited = await startServer({ votesPerSecond: 3 });
    try {
      const eager = await createSession(limited.url);
      const calm = await createSession(limited.url);
      // Ten at once: even straddling a one-second window edge, at most 2 x 3 can pass.
      const vote = () =>
        fetch(`${limited.url}/api/votes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: eager.cookie },
          body: '{"candidateId":"push"}',
        });
      const responses = await Promise.all(Array.from({ length: 10 }, vote));
      const rejected = responses.filter((r) => r.status === 429);
      expect(rejected.length).toBeGreaterThanOrEqual(4);
      expect(responses.filter((r) => r.status === 201).length).toBe(10 - rejected.length);
      const refusal = (await rejected[0]!.json()) as Record<string, unknown>;
      expectErrorBody(refusal, 'rate_limited');
      expect(refusal.message).toBe('At most 3 votes per second per user');
      for (const response of rejected) expect(response.headers.get('retry-after')).toBe('1');
      // The votes that got in: their event as JSON, which no cache may keep.
      for (const response of responses.filter((r) => r.status === 201)) {
        expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(await response.json()).toMatchObject({ event: { type: 'vote', candidateId: 'push' } });
      }
      expect(limited.feed.head()).toBe(10 - rejected.length);
      expect((await castVote(limited.url, calm, { candidateId: 'push' })).status).toBe(201);
    } finally {
      await limited.close();
    }
  });
});

describe('query validation', () => {
  const bad: [string, string][] = [
    ['client with a space', 'client=a%20b&since=0'],
    ['client too long', `client=${'c'.repeat(65)}&since=0`],
    ['missing client', 'since=0'],
    ['negative since', 'client=a&since=-1'],
    ['fractional since', 'client=a&since=1.5'],
    ['since not a number', 'client=a&since=abc'],
    ['negative timeout', 'client=a&since=0&timeout=-5'],
    ['timeout not a number', 'client=a&since=0&timeout=soon'],
    ['an unknown parameter', 'client=a&since=0&debug=1'],
  ];
  it.each(bad)('GET /api/long-poll rejects %s with 400', async (_name, query) => {
    const response = await fetch(`${url}/api/long-poll?${query}`, { headers: { cookie: session.cookie } });
    expect(response.status).toBe(400);
    expectErrorBody(await response.json(), 'invalid_request');
  });

  it('GET /api/long-poll without a session is 401', async () => {
    const response = await fetch(`${url}/api/long-poll?client=a&since=0`);
    expect(response.status).toBe(401);
    expectErrorBody(await response.json(), 'no_session');
  });

  it('GET /api/sse rejects a bad since with 400 and ignores a garbage Last-Event-ID', async () => {
    const bad = await fetch(`${url}/api/sse?since=-3`);
    expect(bad.status).toBe(400);
    expectErrorBody(await bad.json(), 'invalid_request');
    const controller = new AbortController();
    const garbage = await fetch(`${url}/api/sse`, { headers: { 'last-event-id': 'abc' }, signal: controller.signal });
    expect(garbage.status).toBe(200);
    const reader = garbage.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('event: snapshot')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before a snapshot: ${text}`);
      text += value;
    }
    controller.abort();
  });

  it('POST /api/session rejects a name over 40 characters and an empty name', async () => {
    for (const name of ['n'.repeat(41), '']) {
      const response = await fetch(`${url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      expect(response.status).toBe(400);
      expectErrorBody(await response.json(), 'invalid_request');
    }
  });

  it('an unknown route is a JSON 404 that names the method and path, without the query', async () => {
    const response = await fetch(`${url}/api/nothing-here?x=1`, { method: 'DELETE' });
    expect(response.status).toBe(404);
    // An error answer is never cached: the same request may well succeed next time.
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await response.json();
    expectErrorBody(body, 'not_found');
    expect(body).toMatchObject({ message: 'No route DELETE /api/nothing-here' });
  });
});

describe('POST /api/session', () => {
  it('makes a guest from a request with no body at all, with a signed HttpOnly SameSite=Lax cookie', async () => {
    const response = await fetch(`${url}/api/session`, { method: 'POST' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { userId: string; name: string };
    expect(body.name.length).toBeGreaterThan(0);
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^sid=${body.userId}\\.`));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
  });

  it('names each guest "<Adjective> <Animal> <number below 100>"', async () => {
    for (let i = 0; i < 8; i++) {
      const guest = await createSession(url);
      expect(guest.name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+ \d{1,2}$/);
    }
  });

  it('keeps a given name', async () => {
    const response = await fetch(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Ada"}' });
    expect(await response.json()).toMatchObject({ name: 'Ada' });
  });
});

describe('errors below the routes, over raw TCP', () => {
  const host = 'Host: 127.0.0.1\r\n';

  it('answers a malformed request with 400 bad_http in the Error shape and closes the connection', async () => {
    const response = await rawRequest(url, 'NOT HTTP AT ALL\r\n\r\n');
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers.connection).toBe('close');
    const body = JSON.parse(response.body) as unknown;
    expectErrorBody(body, 'bad_http');
    // What the parser objected to, after what it means.
    expect(body).toMatchObject({ message: expect.stringMatching(/^Malformed HTTP request: .*method/i) as unknown });
  });

  it('closes a connection that sends garbage behind the request of its SSE stream, without mixing an answer into the stream', async () => {
    const connection = await RawConnection.open(url);
    try {
      connection.write(`GET /api/sse HTTP/1.1\r\n${host}\r\n`);
      await connection.until((data) => (data.includes('event: snapshot') ? true : undefined), 'the snapshot');
      connection.write('NOT HTTP AT ALL\r\n\r\n');
      await connection.closed;
      expect(connection.received.toString('latin1')).not.toContain('bad_http');
      expect(connection.received.toString('latin1').match(/HTTP\/1\.1 /g)).toHaveLength(1);
    } finally {
      connection.destroy();
    }
  });

  it('answers headers over the size limit with 431 headers_too_large', async () => {
    const response = await rawRequest(url, `GET /api/ballot HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(response.status).toBe(431);
    const body = JSON.parse(response.body) as unknown;
    expectErrorBody(body, 'headers_too_large');
    expect(body).toMatchObject({ message: expect.stringMatching(/headers are over the size limit/) as unknown });
  });

  it.each(['/%zz', '/api/ballot%zz', '/api/%E0%A4%A'])('answers %s, which does not decode, with 400 bad_url', async (path) => {
    const response = await rawRequest(url, `GET ${path} HTTP/1.1\r\n${host}\r\n`);
    expect(response.status).toBe(400);
    expectErrorBody(JSON.parse(response.body), 'bad_url');
  });

  it.each(['/../package.json', '/%2e%2e/package.json', '/%2e%2e%2fpackage.json', '/assets/..%2f..%2fpackage.json', '/..%5cpackage.json'])(
    'refuses the path traversal %s in the Error shape, never with a file from outside web/dist',
    async (path) => {
      // With the demo built, @fastify/static refuses the path (403); without it there is no such route (404).
      const home = await fetch(`${url}/`);
      const staticServed = (home.headers.get('content-type') ?? '').startsWith('text/html');
      await home.arrayBuffer();
      const response = await rawRequest(url, `GET ${path} HTTP/1.1\r\n${host}\r\n`);
      expect(response.body).not.toContain('"name": "votewire"');
      expect([403, 404]).toContain(response.status);
      expectErrorBody(JSON.parse(response.body), response.status === 403 ? 'forbidden' : 'not_found');
      if (!staticServed) expect(response.status).toBe(404);
    },
  );

  it('answers GET /api/ws without an Upgrade with 426 upgrade_required and says which upgrade', async () => {
    const response = await fetch(`${url}/api/ws`);
    expect(response.status).toBe(426);
    expect(response.headers.get('upgrade')).toBe('websocket');
    expectErrorBody(await response.json(), 'upgrade_required');
  });
});

describe('HEAD requests', () => {
  it('answers HEAD /api/sse with the stream headers and ends, leaving no stream open', async () => {
    const response = await fetch(`${url}/api/sse`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await response.text()).toBe('');
    await waitFor('no SSE stream open', () => server.app.metrics.collect().sse.open === 0);
  });

  it('answers HEAD /api/long-poll with 405 at once instead of parking it', async () => {
    const response = await fetch(`${url}/api/long-poll?client=head&since=1&timeout=20000`, {
      method: 'HEAD',
      headers: { cookie: session.cookie },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    await waitFor('no poll parked', () => server.app.metrics.collect()['long-polling'].open === 0);
  });

  it('answers HEAD /api/ws with 426 like a GET without Upgrade', async () => {
    const response = await fetch(`${url}/api/ws`, { method: 'HEAD' });
    expect(response.status).toBe(426);
    expect(response.headers.get('upgrade')).toBe('websocket');
  });

  it('still answers HEAD /api/ballot with the headers of a GET', async () => {
    const response = await fetch(`${url}/api/ballot`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toMatch(/^"\d+"$/);
  });
});

describe('a request the server fails on', () => {
  /** A feed with a bug: every vote throws an error that is not one of the feed's refusals. */
  class BrokenFeed extends MemoryFeed {
    override vote(): Promise<FeedEntry> {
      return Promise.reject(new Error('feed bug at /srv/votewire/feed.ts:42'));
    }
  }

  it('answers 500 internal_error without the error’s message, and logs the error with its stack', async () => {
    const { lines, logger } = captureLog();
    const feed = new BrokenFeed({ candidates: DEFAULT_CANDIDATES });
    onTestFinished(() => feed.close());
    const server = await startServerForTest({}, feed, logger);
    const voter = await createSession(server.url);
    const result = await castVote(server.url, voter, { candidateId: 'push' });
    expect(result).toEqual({ status: 500, body: { error: 'internal_error', message: 'The server failed to handle this request' } });
    const failure = await waitFor('the failure logged', () => lines.find((line) => line.level === ERROR));
    expect(failure.msg).toBe('request failed');
    expect(failure.err).toMatchObject({ message: 'feed bug at /srv/votewire/feed.ts:42', stack: expect.stringContaining('BrokenFeed.vote') as unknown });
  });
});
