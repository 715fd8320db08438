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
    /** The signed-in user, or null when the request carries no valid session. Set by the session plugin. */
    userId: string | null;
  }
}

const GUEST_ADJECTIVES = ['Swift', 'Quiet', 'Brave', 'Lucky', 'Bright', 'Calm', 'Eager', 'Merry'];
const GUEST_NOUNS = ['Otter', 'Falcon', 'Badger', 'Heron', 'Lynx', 'Panda', 'Robin', 'Marten'];

function guestName(): string {
  const [a, b, c] = randomBytes(3);
  return `${GUEST_ADJECTIVES[a! % GUEST_ADJECTIVES.length]} ${GUEST_NOUNS[b! % GUEST_NOUNS.length]} ${c! % 100}`;
}

const SessionBody = Type.Optional(
  Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })) }, { additionalProperties: false }),
);
const SessionReply = Type.Object({ userId: Type.String(), name: Type.String() });

/** Throws 401 unless the request carries a valid session; returns the user id. */
export function requireUser(request: FastifyRequest): string {
  if (request.userId === null) {
    throw new HttpError(401, 'no_session', 'This needs a session: POST /api/session first (the sid cookie)');
  }
  return request.userId;
}

/**
 * Sessions are a signed cookie holding a random user id: nothing is stored on the server, so any
 * process that shares SESSION_SECRET accepts them.
 */
const sessionPlugin: FastifyPluginAsyncTypebox<{ secret: string }> = async (app, options) => {
  await app.register(fastifyCookie, { secret: options.secret, hook: 'onRequest' });
  app.decorateRequest('userId', null);
  app.addHook('onRequest', async function readSession(request) {
    const raw = request.cookies[SESSION_COOKIE];
    if (raw === undefined) return;
    const unsigned = request.unsignCookie(raw);
    if (unsigned.valid && unsigned.value !== null) request.userId = unsigned.value;
  });

  app.post(
    '/api/session',
    { schema: { body: SessionBody, response: { 200: SessionReply } } },
    async function createSession(request, reply) {
      const userId = `u_${randomBytes(9).toString('base64url')}`;
      const name = request.body?.name ?? guestName();
      reply.setCookie(SESSION_COOKIE, userId, { signed: true, httpOnly: true, sameSite: 'lax', path: '/' });
      reply.header('cache-control', 'no-store');
      return { userId, name };
    },
  );
};

export default fp(sessionPlugin, { name: 'votewire-session' });
