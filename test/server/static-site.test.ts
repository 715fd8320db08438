/**
 * The demo's files as a browser and a security reviewer see them, over real sockets: compression, cache
 * headers, security headers; and the feed endpoints, which must stay exactly as the bench measures them.
 */
import { request } from 'node:http';
import { readFile } from 'node:fs/promises';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWeb, WEB_DIST } from '../../web/build.ts';
import { IMMUTABLE, REVALIDATE } from '../../src/http/static-site.ts';
import { startServerForTest } from '../helpers/server.ts';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET with exactly these headers, body bytes as they came off the socket (fetch would decompress). */
function get(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The hashed bundle names index.html points at. */
function referencedFiles(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="([a-z]+-[A-Z0-9]{8}\.(?:js|css))"/g)].map((m) => m[1] ?? '');
}

beforeAll(async () => {
  // The server serves web/dist only if it exists when the app is built.
  await buildWeb({ minify: false });
});

describe('the demo files', () => {
  it('are named by index.html with a content hash: app-<hash>.js and styles-<hash>.css', async () => {
    const server = await startServerForTest();
    const html = (await get(`${server.url}/`)).body.toString('utf8');
    const files = referencedFiles(html);
    expect(files).toEqual([expect.stringMatching(/^styles-/), expect.stringMatching(/^app-/)]);
    expect(html).not.toMatch(/src="app\.js"|href="styles\.css"/);
  });

  it.each([
    ['br', brotliDecompressSync],
    ['gzip', gunzipSync],
  ] as const)('sends the bundle %s-compressed to a client that accepts it, decompressing to the same bytes as the file', async (encoding, decompress) => {
    const server = await startServerForTest();
    const html = (await get(`${server.url}/`)).body.toString('utf8');
    for (const file of referencedFiles(html)) {
      const original = await readFile(`${WEB_DIST}${file}`);
      const response = await get(`${server.url}/${file}`, { 'accept-encoding': encoding === 'br' ? 'br, gzip' : 'gzip' });
      expect(response.status).toBe(200);
      expect(response.headers['content-encoding']).toBe(encoding);
      expect(response.headers.vary).toMatch(/accept-encoding/i);
      expect(response.headers['content-type']).toMatch(file.endsWith('.js') ? /javascript/ : /text\/css/);
      expect(response.body.length).toBeLessThan(original.length / 2);
      expect(decompress(response.body).equals(original)).toBe(true);
    }
  });

  it('sends the bundle uncompressed to a client that asks for no encoding', async () => {
    const server = await startServerForTest();
    const [, app] = referencedFiles((await get(`${server.url}/`)).body.toString('utf8'));
    const response = await get(`${server.url}/${app}`);
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.body.equals(await readFile(`${WEB_DIST}${app}`))).toBe(true);
  });

  it('lets a browser keep the hashed bundle for a year (immutable), compressed or not', async () => {
    const server = await startServerForTest();
    for (const file of referencedFiles((await get(`${server.url}/`)).body.toString('utf8'))) {
      for (const encoding of ['br', 'gzip', 'identity']) {
        const response = await get(`${server.url}/${file}`, { 'accept-encoding': encoding });
        expect(response.headers['cache-control'], `${file} ${encoding}`).toBe(IMMUTABLE);
      }
    }
  });

  it('makes index.html revalidate: no-cache with an ETag, and a 304 without a body when it is unchanged', async () => {
    const server = await startServerForTest();
    const first = await get(`${server.url}/`, { 'accept-encoding': 'br' });
    expect(first.headers['cache-control']).toBe(REVALIDATE);
    expect(first.headers['content-encoding']).toBe('br');
    const etag = first.headers.etag;
    expect(typeof etag).toBe('string');
    const again = await get(`${server.url}/`, { 'accept-encoding': 'br', 'if-none-match': String(etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('sends a Content-Security-Policy without inline scripts, nosniff, a Referrer-Policy and frame protection', async () => {
    const server = await startServerForTest();
    const response = await get(`${server.url}/`);
    const csp = String(response.headers['content-security-policy']);
    const directives = new Map(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/) as [string, ...string[]])
        .map(([name, ...values]) => [name, values]),
    );
    // Every directive the page gets, and nothing else (no defaults such as upgrade-insecure-requests).
    expect(Object.fromEntries(directives)).toEqual({
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'style-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'connect-src': ["'self'"],
      'font-src': ["'self'"],
      'object-src': ["'none'"],
      'base-uri': ["'none'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
    });
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['x-frame-options']).toBe('DENY');
    // HSTS is the deployment's decision: the demo is opened over plain http on a LAN too.
    expect(response.headers['strict-transport-security']).toBeUndefined();
    // The bundle gets them too: a script served as the wrong type must not run.
    const [, app] = referencedFiles(response.body.toString('utf8'));
    expect((await get(`${server.url}/${app}`)).headers['x-content-type-options']).toBe('nosniff');
  });

  it.each(['/api/ballot', '/api/metrics'])(
    'leaves %s as the bench measures it: no security or rate-limit headers, no compression even when asked',
    async (path) => {
      const server = await startServerForTest();
      const response = await get(`${server.url}${path}`, { 'accept-encoding': 'br, gzip' });
      expect(response.status).toBe(200);
      // No security headers, nor the vote limiter's rate-limit headers (it counts votes, not requests).
      for (const header of [
        'content-security-policy',
        'x-content-type-options',
        'referrer-policy',
        'x-frame-options',
        'content-encoding',
        'vary',
        'x-ratelimit-limit',
        'x-ratelimit-remaining',
        'x-ratelimit-reset',
      ]) {
        expect(response.headers[header], header).toBeUndefined();
      }
      // Plain JSON (or text) on the wire, readable without decompressing.
      expect(() => JSON.parse(response.body.toString('utf8')) as unknown).not.toThrow();
    },
  );
});
