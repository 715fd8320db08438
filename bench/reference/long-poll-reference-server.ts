/**
 * The floor of long polling in Node: a bare `node:http` server with the feed's event bytes and nothing
 * else (no framework, no sessions, no validation beyond what it needs to answer, no log lines). The bench
 * measures it with the same long-poll clients as the real server, so our long polling's cost can be read
 * against what long polling itself must cost.
 *
 * It speaks just enough of the wire contract for those clients: POST /api/session (a cookie as long as a
 * real session's), POST /api/votes, GET /api/ballot, GET /api/metrics (same shape as the real server's,
 * socket byte counters included) and GET /api/long-poll?since=…&timeout=…: the events after `since` at
 * once when there are any (at most 500), the snapshot when `since` is missing or out of its log, otherwise
 * held until the next vote (200 with the events) or the timeout (204). Answers carry the real server's
 * headers (content type, `cache-control: no-store`, length) and one body is prepared per cursor, shared by
 * every poll waiting there. Run: PORT=4002 node bench/reference/long-poll-reference-server.ts
 */
import { createServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { notFound, realLengthSessionCookie, referenceBallot, referenceCounters } from './reference-http.ts';

/** The real server's defaults: LONG_POLL_TIMEOUT_MS, LOG_SIZE and LONG_POLL_QUEUE_MAX. */
const TIMEOUT_MS = Number(process.env.LONG_POLL_TIMEOUT_MS ?? 25_000);
const LOG_SIZE = 1000;
const MAX_EVENTS_PER_ANSWER = 500;

const NO_CONTENT_HEADERS = ['cache-control', 'no-store'];

interface Parked {
  response: ServerResponse;
  since: number;
  timer: NodeJS.Timeout;
}

/** Event JSON by seq: `log[i]` is the event with seq `firstSeq + i`. */
let log: string[] = [];
let firstSeq = 1;
let head = 0;
/** Answers prepared for the current head, by the `since` they answer. */
let prepared = new Map<number, { headers: string[]; body: Buffer; events: number }>();
const parked = new Set<Parked>();
const lp = { requests: 0, deliveries: 0, emptyResponses: 0, closedIn: 0, closedOut: 0, sockets: new Set<Socket>() };

const ballot = referenceBallot({
  sessionCookie: realLengthSessionCookie,
  broadcast(event) {
    log.push(JSON.stringify(event));
    head = event.seq;
    if (log.length > 2 * LOG_SIZE) {
      log = log.slice(-LOG_SIZE);
      firstSeq = head - log.length + 1;
    }
    prepared = new Map();
    const waiting = [...parked];
    parked.clear();
    for (const poll of waiting) {
      clearTimeout(poll.timer);
      answer(poll.response, poll.since);
    }
    // Deliveries are counted as answers are written (polls that were behind get this event later).
    return 0;
  },
  counters() {
    let bytesIn = lp.closedIn;
    let bytesOut = lp.closedOut;
    for (const socket of lp.sockets) {
      bytesIn += socket.bytesRead;
      bytesOut += socket.bytesWritten;
    }
    const { requests, emptyResponses } = lp;
    return {
      transport: 'long-polling',
      counters: { ...referenceCounters({ open: parked.size, requests, bytesIn, bytesOut }), deliveries: lp.deliveries, emptyResponses },
    };
  },
});

/** The answer for a client holding `since` at the current head, prepared on first use. */
function preparedAnswer(since: number | undefined): { headers: string[]; body: Buffer; events: number } {
  const key = since ?? -1;
  let ready = prepared.get(key);
  if (ready === undefined) {
    let text: string;
    let events = 0;
    if (since === undefined || since > head || since < firstSeq - 1) {
      text = `{"snapshot":${JSON.stringify(ballot.snapshot())}}`;
    } else {
      const page = log.slice(since - firstSeq + 1, since - firstSeq + 1 + MAX_EVENTS_PER_ANSWER);
      events = page.length;
      text = `{"events":[${page.join(',')}]}`;
    }
    const body = Buffer.from(text);
    ready = { headers: ['content-type', 'application/json; charset=utf-8', 'cache-control', 'no-store', 'content-length', String(body.length)], body, events };
    prepared.set(key, ready);
  }
  return ready;
}

function answer(response: ServerResponse, since: number | undefined): void {
  const { headers, body, events } = preparedAnswer(since);
  response.writeHead(200, headers).end(body);
  lp.deliveries += events;
}

function longPoll(response: ServerResponse, query: string): void {
  const params = new URLSearchParams(query);
  const sinceText = params.get('since');
  const timeoutText = params.get('timeout');
  const since = sinceText === null ? undefined : Number(sinceText);
  const timeout = timeoutText === null ? TIMEOUT_MS : Math.min(Number(timeoutText), TIMEOUT_MS);
  if ((since !== undefined && !Number.isSafeInteger(since)) || !(timeout >= 0)) {
    response.writeHead(400, { 'content-type': 'application/json; charset=utf-8' }).end('{"error":"invalid_request","message":"bad since or timeout"}');
    return;
  }
  if (since !== head) {
    answer(response, since);
    return;
  }
  const poll: Parked = {
    response,
    since,
    timer: setTimeout(() => {
      parked.delete(poll);
      lp.emptyResponses++;
      response.writeHead(204, NO_CONTENT_HEADERS).end();
    }, timeout),
  };
  parked.add(poll);
  response.once('close', () => {
    // The client hung up before an answer (after one, the poll is no longer parked).
    if (parked.delete(poll)) clearTimeout(poll.timer);
  });
}

const server = createServer((request, response) => {
  const url = request.url ?? '';
  if (request.method === 'GET' && (url === '/api/long-poll' || url.startsWith('/api/long-poll?'))) {
    countSocket(request.socket);
    lp.requests++;
    longPoll(response, url.slice('/api/long-poll?'.length));
  } else if (!ballot.handle(request, response)) {
    notFound(response);
  }
});

/**
 * Bytes are counted on the sockets that carry long polls (a subscriber's connection carries nothing else
 * after its session), from their first byte: the same socket byte counts the real server reports.
 */
function countSocket(socket: Socket): void {
  if (lp.sockets.has(socket)) return;
  lp.sockets.add(socket);
  socket.once('close', () => {
    lp.closedIn += socket.bytesRead;
    lp.closedOut += socket.bytesWritten;
    lp.sockets.delete(socket);
  });
}

server.listen(Number(process.env.PORT ?? 4002), '127.0.0.1');
process.once('SIGTERM', () => {
  for (const poll of parked) {
    clearTimeout(poll.timer);
    poll.response.writeHead(204, NO_CONTENT_HEADERS).end();
  }
  parked.clear();
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
