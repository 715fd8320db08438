import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './errors.ts';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * An onRequest hook that lets a request through only with `Authorization: Bearer <token>`; anything else
 * gets 401 `unauthorized`. Both sides are hashed first so the comparison is constant-time whatever the
 * length of what the client sent.
 */
export function requireBearerToken(token: string, what: string) {
  const expected = digest(token);
  return async function checkBearerToken(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // Stryker disable next-line StringLiteral: a missing header fails the match whatever string stands in for it
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? '');
    if (match !== null && timingSafeEqual(digest(match[1]!), expected)) return;
    reply.header('www-authenticate', 'Bearer');
    throw new HttpError(401, 'unauthorized', `${what} need a token: send Authorization: Bearer <METRICS_TOKEN>`);
  };
}
