import type { FastifyRequest } from 'fastify';

/**
 * Browsers send `Origin` on WebSocket upgrades and cross-origin EventSource requests; a page from a
 * foreign site must not be able to ride the user's cookie into our feed. Requests without an Origin
 * (curl, the bench, other non-browser clients) are allowed, as DESIGN.md says.
 */
export function isOriginAllowed(request: FastifyRequest, allowedOrigins: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const host = request.headers.host;
  if (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`)) return true;
  return allowedOrigins.includes(origin);
}
