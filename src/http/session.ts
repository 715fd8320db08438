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
}

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
    if (raw !== undefined) {
      const unsigned = request.unsignCookie(raw);
      if (unsigned.valid && unsigned.value !== null) userId = unsigned.value;
    }
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
