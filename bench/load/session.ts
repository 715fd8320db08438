import { request, type Dispatcher } from 'undici';
import { browserHeaders } from './browser-headers.ts';

/**
 * Opens a session (POST /api/session) and returns its cookie as a `Cookie` header value.
 * Node's fetch keeps no cookie jar, so every client passes the cookie on by hand.
 */
export async function openSession(baseUrl: string, name: string, dispatcher?: Dispatcher): Promise<string> {
  const response = await request(`${baseUrl}/api/session`, {
    method: 'POST',
    headers: { ...browserHeaders(baseUrl), 'content-type': 'application/json', origin: baseUrl },
    body: JSON.stringify({ name }),
    ...(dispatcher === undefined ? {} : { dispatcher }),
  });
  await response.body.dump();
  if (response.statusCode !== 200) throw new Error(`POST /api/session answered ${response.statusCode}`);
  return cookieHeader(response.headers['set-cookie']);
}

/** "sid=...; Path=/; HttpOnly" (one or several) -> "sid=..." */
export function cookieHeader(setCookie: string | string[] | undefined): string {
  const lines = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
  const pairs = lines.map((line) => line.split(';')[0]!.trim()).filter((pair) => pair.includes('='));
  if (pairs.length === 0) throw new Error('POST /api/session set no cookie');
  return pairs.join('; ');
}
