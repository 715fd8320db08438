import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fp from 'fastify-plugin';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors.ts';

export const SESSION_COOKIE = 'sid';

declare module 'fastify' {
  interface FastifyRequest {
    /** The session's user once read: null without a valid session, undefined before anyone asked. */
    sessionUserId: string | null | undefined;
  }
  interface FastifyInstance {
    /** The user id of a signed `sid` value, or null when the signature is wrong. */
    verifySessionCookie(raw: string): string | null;
  }
}

/** How many verified cookie values are remembered (a long poller sends the same one every time). */
const VERIFIED_CACHE_SIZE = 10_000;

const GUEST_ADJECTIVES = ['Swift', 'Quiet', 'Brave', 'Lucky', 'Bright', 'Calm', 'Eager', 'Merry'];
const GUEST_NOUNS = ['Otter', 'Falcon', 'Badger', 'Heron', 'Lynx', 'Panda', 'Robin', 'Marten'];

function guestName(): string {
  const [a, b, c] = randomBytes(3);
  return `${GUEST_ADJECTIVES[a! % GUEST_ADJECTIVES.length]} ${GUEST_NOUNS[b! % GUEST_NOUNS.length]} ${c! % 100}`;
}

const SessionBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })) },
  { additionalProperties: false },
);
const SessionReply = Type.Object({ userId: Type.String(), name: Type.String() });

/**
 * The user of the request's signed `sid` cookie, or null. Read on demand and remembered: the polling
 * endpoint, the busiest of all, never pays for cookie parsing and an HMAC it does not need.
 */
export function sessionUser(request: FastifyRequest): string | null {
  if (request.sessionUserId !== undefined) return request.sessionUserId;
  let userId: string | null = null;
  const header = request.headers.cookie;
  if (header !== undefined) {
    const raw = request.server.parseCookie(header)[SESSION_COOKIE];
    if (raw !== undefined) userId = request.server.verifySessionCookie(raw);
  }
  request.sessionUserId = userId;
  return userId;
}

/** Throws 401 unless the request carries a valid session; returns the user id. */
export function requireUser(request: FastifyRequest): string {
  const userId = sessionUser(request);
  if (userId === null) {
    throw new HttpError(401, 'no_session', 'This needs a session: POST /api/session first (the sid cookie)');
  }
  return userId;
}

/**
 * Sessions are a signed cookie holding a random user id: nothing is stored on the server, so any
 * process that shares SESSION_SECRET accepts them.
 */
const sessionPlugin: FastifyPluginAsyncTypebox<{ secret: string }> = async (app, options) => {
  // hook: false — no cookie parsing on every request; sessionUser() parses when a route needs it.
  await app.register(fastifyCookie, { secret: options.secret, hook: false });
  app.decorateRequest('sessionUserId', undefined);

  // An HMAC per long poll was a tenth of the server's CPU under load. Only values whose signature
  // checked out are remembered, so a forged cookie still pays for (and fails) the HMAC every time.
  const verified = new Map<string, string>();
  app.decorate('verifySessionCookie', function verifySessionCookie(raw: string): string | null {
    const known = verified.get(raw);
    if (known !== undefined) return known;
    const unsigned = app.unsignCookie(raw);
    if (!unsigned.valid || unsigned.value === null) return null;
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
    verified.set(raw, unsigned.value);
    return unsigned.value;
  });

  app.post(
    '/api/session',
    {
      schema: { body: SessionBody, response: { 200: SessionReply } },
      // `curl -X POST /api/session` with no body at all asks for a guest: validate it as {}.
      preValidation: async function defaultEmptyBody(request) {
        request.body ??= {};
      },
    },
    async function createSession(request, reply) {
      const userId = `u_${randomBytes(9).toString('base64url')}`;
      const name = request.body.name ?? guestName();
      reply.setCookie(SESSION_COOKIE, userId, { signed: true, httpOnly: true, sameSite: 'lax', path: '/' });
      reply.header('cache-control', 'no-store');
      return { userId, name };
    },
  );
};

export default fp(sessionPlugin, { name: 'votewire-session' });
