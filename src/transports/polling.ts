import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Snapshot } from '../feed/types.ts';

/** Reads the seq out of an If-None-Match header: `"12"`, `W/"12"` or a list of them. */
export function seqFromIfNoneMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  let best: number | undefined;
  for (const match of header.matchAll(/(?:W\/)?"(0|[1-9][0-9]{0,14})"/g)) {
    const seq = Number(match[1]);
    best = best === undefined ? seq : Math.max(best, seq);
  }
  return best;
}

/**
 * Interval polling: GET /api/ballot returns the snapshot with `ETag: "<seq>"`, or 304 when the
 * client's If-None-Match already names the current seq. Any other seq, one ahead of the feed too (a
 * client from before the feed started over), gets the snapshot. The body of a snapshot is built once and
 * shared by every poller until the next vote.
 */
const pollingTransport: FastifyPluginAsyncTypebox = async (app) => {
  const counters = app.metrics.counters.polling;
  // Keyed by the snapshot object, not its seq: a feed that started over may reach the same seq again
  // with other counts, and the feed hands out a new snapshot object then.
  let cachedSnapshot: Snapshot | undefined;
  // Stryker disable next-line StringLiteral: the first poll sets both before either is sent (cachedSnapshot starts undefined)
  let cachedBody = '';
  // Stryker disable next-line StringLiteral: as above
  let cachedEtag = '';

  app.get('/api/ballot', { config: { transport: 'polling' } }, async function getBallot(request, reply) {
    const snapshot = app.feed.snapshot();
    const head = snapshot.seq;
    // Stryker disable next-line ConditionalExpression: rebuilding the body on every poll sends the same bytes; only the cost differs
    if (snapshot !== cachedSnapshot) {
      cachedSnapshot = snapshot;
      cachedBody = JSON.stringify(snapshot);
      cachedEtag = `"${head}"`;
    }
    reply.header('cache-control', 'no-store').header('etag', cachedEtag);
    const known = seqFromIfNoneMatch(request.headers['if-none-match']);
    if (known === head) {
      counters.emptyResponses++;
      return reply.code(304).send();
    }
    // Stryker disable next-line EqualityOperator: known === head was answered 304 just above
    if (known !== undefined && known < head) counters.deliveries += head - known;
    return reply.type('application/json; charset=utf-8').send(cachedBody);
  });
};

export default pollingTransport;
