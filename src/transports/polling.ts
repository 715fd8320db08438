import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** Reads the seq out of an If-None-Match header: `"12"`, `W/"12"` or a list of them. */
export function seqFromIfNoneMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  let best: number | undefined;
  for (const match of header.matchAll(/(?:W\/)?"(0|[1-9][0-9]{0,14})"/g)) {
    const seq = Number(match[1]);
    if (best === undefined || seq > best) best = seq;
  }
  return best;
}

/**
 * Interval polling: GET /api/ballot returns the snapshot with `ETag: "<seq>"`, or 304 when the
 * client's If-None-Match already names the current seq. The body for a seq is built once and shared
 * by every poller until the next vote.
 */
const pollingTransport: FastifyPluginAsyncTypebox = async (app) => {
  const counters = app.metrics.counters.polling;
  let cachedSeq = -1;
  let cachedBody = '';
  let cachedEtag = '';

  app.get('/api/ballot', { config: { transport: 'polling' } }, async function getBallot(request, reply) {
    const head = app.feed.head();
    if (head !== cachedSeq) {
      cachedSeq = head;
      cachedBody = JSON.stringify(app.feed.snapshot());
      cachedEtag = `"${head}"`;
    }
    reply.header('cache-control', 'no-store').header('etag', cachedEtag);
    const known = seqFromIfNoneMatch(request.headers['if-none-match']);
    if (known === head) {
      counters.emptyResponses++;
      return reply.code(304).send();
    }
    if (known !== undefined && known < head) counters.deliveries += head - known;
    return reply.type('application/json; charset=utf-8').send(cachedBody);
  });
};

export default pollingTransport;
