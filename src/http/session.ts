import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { SessionReply, SessionRequest } from '../contract.ts';
import { HttpError } from './errors.ts';

export const SESSION_COOKIE = 'sid';

declare module 'fastify' {
  interface FastifyRequest {
    /** The session once read: null without a valid session, undefined before anyone asked. */
    verifiedSession: VerifiedSession | null | undefined;
  }
  interface FastifyInstance {
    /** The session of a signed `sid` value, or null when the signature is wrong or the session expired. */
    verifySessionCookie(raw: string): VerifiedSession | null;
  }
}

/** A session whose cookie checked out: who it is, and until when (ms since the epoch) it holds. */
export interface VerifiedSession {
  userId: string;
  expiresAt: number;
}

export interface SessionOptions {
  secret: string;
  /** A session holds this long after it was made; its cookie carries the same Max-Age. */
  ttlS: number;
  /** New sessions per IP address per minute; 0 = no limit. */
  perMinutePerIp: number;
  /** Served over TLS: the cookie is `Secure`, so a browser never sends it over plain HTTP. */
  secure: boolean;
}

/**
 * The signed part of the cookie: `<userId>.<issued at, seconds since the epoch>`. The issue time is inside
 * the signature, so a client cannot extend its session; a cookie of any other form is no session.
 */
const SESSION_VALUE = /^(u_[A-Za-z0-9_-]+)\.([0-9]{1,12})$/;

function sessionValue(userId: string, issuedAtS: number): string {
  return `${userId}.${issuedAtS}`;
}

/** How many verified cookie values are remembered (a long poller sends the same one every time). */
const VERIFIED_CACHE_SIZE = 10_000;

const GUEST_ADJECTIVES = ['Swift', 'Quiet', 'Brave', 'Lucky', 'Bright', 'Calm', 'Eager', 'Merry'];
const GUEST_NOUNS = ['Otter', 'Falcon', 'Badger', 'Heron', 'Lynx', 'Panda', 'Robin', 'Marten'];

function guestName(): string {
  const [a, b, c] = randomBytes(3);
  return `${GUEST_ADJECTIVES[a! % GUEST_ADJECTIVES.length]} ${GUEST_NOUNS[b! % GUEST_NOUNS.length]} ${c! % 100}`;
}

/**
 * The last `Cookie` header each connection sent and the live session it carried. A browser tab, or a long
 * poller, sends the same header on every request of its keep-alive connection: comparing it with the last
 * one spares parsing it and looking its value up again. Keyed by the TCP connection, which belongs to one
 * server; a connection that carries several users' requests (a proxy's) only finds its memo less often.
 */
const sessionByConnection = new WeakMap<Socket, { header: string; session: VerifiedSession }>();

/**
 * The request's signed `sid` cookie, verified, or null. Read on demand and remembered: the polling
 * endpoint, the busiest of all, never pays for cookie parsing and an HMAC it does not need.
 */
export function verifiedSessionOf(request: FastifyRequest): VerifiedSession | null {
  // Stryker disable next-line ConditionalExpression: reading the cookie again gives the same session (its HMAC is remembered); only the work differs
  if (request.verifiedSession === undefined) request.verifiedSession = sessionOfCookie(request);
  return request.verifiedSession;
}

function sessionOfCookie(request: FastifyRequest): VerifiedSession | null {
  const header = request.headers.cookie;
  if (header === undefined) return null;
  const connection = request.transportSocket;
  const known = connection === null ? undefined : sessionByConnection.get(connection);
  // An expired session is not answered from here: verifySessionCookie forgets it.
  if (known?.header === header && Date.now() < known.session.expiresAt) return known.session;
  const raw = request.server.parseCookie(header)[SESSION_COOKIE];
  const session = raw === undefined ? null : request.server.verifySessionCookie(raw);
  if (session !== null && connection !== null) sessionByConnection.set(connection, { header, session });
  return session;
}

/**
 * The user of a verified session while it holds, or null. The expiry is checked on every call: a WebSocket
 * keeps the session of its upgrade request as long as the connection and its votes.
 */
export function liveUser(session: VerifiedSession | null, now = Date.now()): string | null {
  return session !== null && now < session.expiresAt ? session.userId : null;
}

/** The user of the request's signed `sid` cookie while its session holds, or null. */
export function sessionUser(request: FastifyRequest): string | null {
  return liveUser(verifiedSessionOf(request));
}

/** What a request without a valid session is told (401 `no_session`). */
export const NO_SESSION_MESSAGE = 'This needs a session: POST /api/session first (the sid cookie; sessions expire)';

/** Throws 401 unless the request carries a valid session; returns the user id. */
export function requireUser(request: FastifyRequest): string {
  const userId = sessionUser(request);
  if (userId === null) throw new HttpError(401, 'no_session', NO_SESSION_MESSAGE);
  return userId;
}

/**
 * Sessions are a signed cookie holding a random user id and the time it was made: nothing is stored on
 * the server, so any process that shares SESSION_SECRET accepts them, until SESSION_TTL_S has passed.
 */
const sessionPlugin: FastifyPluginAsyncTypebox<SessionOptions> = async (app, options) => {
  const ttlMs = options.ttlS * 1000;
  // hook: false — no cookie parsing on every request; sessionUser() parses when a route needs it.
  await app.register(fastifyCookie, { secret: options.secret, hook: false });
  // Stryker disable next-line StringLiteral: the declaration only gives requests their shape up front; an undeclared property reads undefined all the same
  app.decorateRequest('verifiedSession', undefined);

  // An HMAC per long poll was a tenth of the server's CPU under load. Only values whose signature
  // checked out are remembered, so a forged cookie still pays for (and fails) the HMAC every time.
  // A remembered session keeps its expiry and is forgotten once that has passed.
  const verified = new Map<string, VerifiedSession>();
  app.decorate('verifySessionCookie', function verifySessionCookie(raw: string): VerifiedSession | null {
    const now = Date.now();
    const known = verified.get(raw);
    if (known !== undefined) {
      if (now < known.expiresAt) return known;
      verified.delete(raw);
      return null;
    }
    const unsigned = app.unsignCookie(raw);
    if (!unsigned.valid) return null;
    const parts = SESSION_VALUE.exec(unsigned.value);
    if (parts === null) return null;
    const session: VerifiedSession = { userId: parts[1]!, expiresAt: Number(parts[2]) * 1000 + ttlMs };
    if (now >= session.expiresAt) return null;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: the bound only limits memory; every answer is the same
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
    verified.set(raw, session);
    return session;
  });

  // Its own scope: the per-IP limit applies to this route only, with a store of its own.
  await app.register(async function sessionRoutes(scope) {
    if (options.perMinutePerIp > 0) {
      await scope.register(rateLimit, {
        // Stryker disable next-line BooleanLiteral: the scope's one route has its own rateLimit config, which wins over the global one
        global: false,
        errorResponseBuilder: (_request, context) =>
          new HttpError(429, 'rate_limited', `At most ${options.perMinutePerIp} new sessions per minute from one address; try again in ${context.after}`),
      });
    }
    const typed = scope.withTypeProvider<TypeBoxTypeProvider>();
    typed.post(
      '/api/session',
      {
        schema: { body: SessionRequest, response: { 200: SessionReply } },
        config: options.perMinutePerIp > 0 ? { rateLimit: { max: options.perMinutePerIp, timeWindow: 60_000 } } : {},
        // `curl -X POST /api/session` with no body at all asks for a guest: validate it as {}.
        preValidation: async function defaultEmptyBody(request) {
          // The type says a body is there (the schema requires one), but preValidation runs before the schema does.
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
          request.body ??= {};
        },
      },
      async function createSession(request, reply) {
        const userId = `u_${randomBytes(9).toString('base64url')}`;
        const name = request.body.name ?? guestName();
        const value = sessionValue(userId, Math.floor(Date.now() / 1000));
        reply.setCookie(SESSION_COOKIE, value, { signed: true, httpOnly: true, secure: options.secure, sameSite: 'lax', path: '/', maxAge: options.ttlS });
        reply.header('cache-control', 'no-store');
        return { userId, name };
      },
    );
  });
};

export default fp(sessionPlugin, { name: 'votewire-session' });
