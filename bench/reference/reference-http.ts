/**
 * What both reference servers (bare ws, Socket.IO polling) share: a tiny ballot whose events have the
 * real feed's keys in the real feed's order (so frames weigh the same bytes), and the few routes of our
 * contract the bench calls on them: POST /api/session, POST /api/votes, GET /api/ballot, GET /api/metrics.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { DEFAULT_CANDIDATES } from '../../src/feed/ballot.ts';
import type { Snapshot, VoteEvent } from '../../src/feed/types.ts';
import type { MetricsBody, TransportCounters } from '../../src/metrics/metrics-json.ts';
import { EventLoopDelayMonitor } from '../../src/metrics/event-loop-delay.ts';
import { readProcessFigures } from '../../src/metrics/process-figures.ts';

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
const now = (): number => performance.timeOrigin + performance.now();

/**
 * A session cookie as long as the real server's (a user id "u_" + 12 characters, the time it was issued,
 * and 43 characters of HMAC), so the requests of a reference's subscribers weigh the same bytes as the real server's.
 */
export function realLengthSessionCookie(): string {
  const issuedAtS = Math.floor(Date.now() / 1000);
  return `sid=u_${randomBytes(9).toString('base64url')}.${issuedAtS}.${randomBytes(32).toString('base64url')}; Path=/; HttpOnly; SameSite=Lax`;
}

export interface ReferenceRoutes {
  /** The Set-Cookie value a new session gets. */
  sessionCookie(): string;
  /** Broadcasts the event to every subscriber; returns how many it went to at once (later deliveries go in `counters`). */
  broadcast(event: VoteEvent): number;
  /** This server's one transport and its counters, for GET /api/metrics. */
  counters(): { transport: string; counters: TransportCounters };
}

/**
 * A reference server's counters in the real server's shape: the connections, requests and socket bytes it
 * has; none of the real server's own figures (deliveries are added by the ballot, queues it has none of).
 */
export function referenceCounters(figures: Pick<TransportCounters, 'open' | 'requests' | 'bytesIn' | 'bytesOut'>): TransportCounters {
  return { ...figures, deliveries: 0, emptyResponses: 0, queues: 0, queueDepth: 0, resets: 0, drops: 0 };
}

export interface ReferenceBallot {
  snapshot(): Snapshot;
  /** Answers the request if it is one of the shared routes; false when it is not. */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
}

export function referenceBallot(routes: ReferenceRoutes): ReferenceBallot {
  const candidates = DEFAULT_CANDIDATES.map((c) => ({ ...c, count: 0 }));
  let seq = 0;
  let deliveries = 0;
  // Utilisation and uptime from the same moment, as the real server reports them.
  const startedAt = performance.now();
  const eventLoopAtStart = performance.eventLoopUtilization();
  const eventLoopDelay = new EventLoopDelayMonitor();

  const snapshot = (): Snapshot => ({ type: 'snapshot', seq, candidates: candidates.map((c) => ({ ...c })), at: now() });

  function vote(input: { candidateId: string; voteId?: string }): VoteEvent {
    const candidate = candidates.find((c) => c.id === input.candidateId) ?? candidates[0]!;
    candidate.count++;
    const event: VoteEvent = { type: 'vote', seq: ++seq, candidateId: candidate.id, count: candidate.count, votedAt: now() };
    if (input.voteId !== undefined) event.voteId = input.voteId;
    return event;
  }

  function metrics(): MetricsBody {
    const { transport, counters } = routes.counters();
    return {
      feed: { kind: 'reference', head: seq },
      uptimeMs: performance.now() - startedAt,
      process: readProcessFigures(eventLoopAtStart, eventLoopDelay),
      transports: { [transport]: { ...counters, deliveries: counters.deliveries + deliveries } },
    };
  }

  function handle(request: IncomingMessage, response: ServerResponse): boolean {
    if (request.method === 'POST' && request.url === '/api/session') {
      response.writeHead(200, { ...JSON_HEADERS, 'set-cookie': routes.sessionCookie() });
      response.end(JSON.stringify({ userId: 'reference', name: 'reference' }));
    } else if (request.method === 'POST' && request.url === '/api/votes') {
      void readBody(request).then((text) => {
        const event = vote(JSON.parse(text) as { candidateId: string; voteId?: string });
        deliveries += routes.broadcast(event);
        response.writeHead(201, JSON_HEADERS).end(JSON.stringify({ event }));
      });
    } else if (request.method === 'GET' && request.url === '/api/ballot') {
      response.writeHead(200, { ...JSON_HEADERS, etag: `"${seq}"` }).end(JSON.stringify(snapshot()));
    } else if (request.method === 'GET' && request.url === '/api/metrics') {
      response.writeHead(200, JSON_HEADERS).end(JSON.stringify(metrics()));
    } else {
      return false;
    }
    return true;
  }

  return { snapshot, handle };
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  return body;
}

export function notFound(response: ServerResponse): void {
  response.writeHead(404, JSON_HEADERS).end(JSON.stringify({ error: 'not_found', message: 'not here' }));
}
