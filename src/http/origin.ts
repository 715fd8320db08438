import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.ts';

/**
 * Browsers send `Origin` on WebSocket upgrades and cross-origin EventSource requests; a page from a
 * foreign site must not be able to ride the user's cookie into our feed. Requests without an Origin
 * (curl, the bench, other non-browser clients) are allowed, as docs/protocol.md says.
 */
export function isOriginAllowed(request: FastifyRequest, allowedOrigins: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const host = request.headers.host;
  if (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`)) return true;
  return allowedOrigins.includes(origin);
}

/** A preValidation hook that answers 403 `forbidden_origin` to a browser page from a foreign site. */
export function refuseForeignOrigin(allowedOrigins: readonly string[]) {
  return async function checkOrigin(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!isOriginAllowed(request, allowedOrigins)) {
      await sendError(reply, 403, 'forbidden_origin', `Origin ${request.headers.origin} may not open this feed`);
    }
  };
}
