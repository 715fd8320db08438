import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { Resume } from '../feed/feed.ts';
import type { FeedEntry, Snapshot } from '../feed/types.ts';
import { sendError } from '../http/errors.ts';
import { transportSocketOf } from '../http/transport-socket.ts';
import { requireUser } from '../http/session.ts';
import { CursorParam, parseCursor } from './cursor.ts';
import { PollQueues, type ParkedPoll, type PollQueue, type PreparedAnswer } from './long-poll-queues.ts';
import { catchUpTo, isAheadOf, resumeFrom } from './resume.ts';

const LongPollQuery = Type.Object(
  {
    client: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'a per-tab id' }),
    since: Type.Optional(CursorParam),
    timeout: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,8})$', description: 'ms to hold the poll' })),
  },
  { additionalProperties: false },
);

export function eventsBody(entries: readonly FeedEntry[]): string {
  let body = '{"events":[';
  for (let i = 0; i < entries.length; i++) body += (i === 0 ? '' : ',') + entries[i]!.json;
  return body + ']}';
}

export function snapshotBody(snapshot: Snapshot): string {
  return `{"snapshot":${JSON.stringify(snapshot)}}`;
}

const NO_CONTENT_HEADERS = ['cache-control', 'no-store'];

function prepareAnswer(answer: { body: string; events: number; cursor: number }): PreparedAnswer {
  const body = Buffer.from(answer.body);
  const headers = ['content-type', 'application/json; charset=utf-8', 'cache-control', 'no-store', 'content-length', String(body.length)];
  return { headers, body, events: answer.events, cursor: answer.cursor };
}

function snapshotAnswer(snapshot: Snapshot): PreparedAnswer {
  return prepareAnswer({ body: snapshotBody(snapshot), events: 0, cursor: snapshot.seq });
}

/**
 * How many parked polls one turn of the event loop answers when an event wakes them: between slices the
 * loop runs everything else (votes, heartbeats, new polls), so waking ten thousand polls does not stall it.
 */
export const WAKE_SLICE = 128;

/** Distinct cursors whose answers are kept for the current head; beyond it answers are made per poll. */
const PREPARED_CURSORS_MAX = 1024;

/**
 * The answer to a resume, or null to wait when it holds no events yet: the events (the first `maxEvents`
 * of them; the client's next poll gets the rest), or the snapshot.
 */
function answerTo(resume: Resume, maxEvents: number): PreparedAnswer | null {
  if (resume.kind === 'snapshot') return snapshotAnswer(resume.snapshot);
  const { entries } = resume;
  if (entries.length === 0) return null;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: slicing entries no more than maxEvents long to maxEvents gives the same page
  const page = entries.length > maxEvents ? entries.slice(0, maxEvents) : entries;
  return prepareAnswer({ body: eventsBody(page), events: page.length, cursor: page.at(-1)!.event.seq });
}

/**
 * Long polling over a per-user queue: GET /api/long-poll answers at once when the client is behind,
 * otherwise parks until the next event (200 with the events), the timeout (204), or a newer poll on the
 * same queue (the older gets 204). `since` travels with every poll, so any process can answer any poll.
 */
const longPollingTransport: FastifyPluginAsyncTypebox = async (app) => {
  const { feed, config, metrics } = app;
  const counters = metrics.counters['long-polling'];
  const queues = new PollQueues({
    maxDepth: config.longPollQueueMax,
    idleMs: config.longPollQueueIdleMs,
    maxPerUser: config.longPollQueuesPerUser,
    maxQueues: config.longPollQueuesMax,
  });

  /**
   * Answers prepared for the current head, by the `since` they answer: polls that arrive behind at the same
   * cursor (every client that had the same last answer) and parked polls woken by an event all get the
   * same bytes, made once. A new head or a feed that started over makes them stale.
   */
  let preparedHead = Number.NaN;
  let prepared = new Map<number, { answer: PreparedAnswer | null; snapshot: boolean }>();
  function preparedFor(since: number | undefined): { answer: PreparedAnswer | null; snapshot: boolean } {
    const head = feed.head();
    // Stryker disable next-line ConditionalExpression: answers prepared anew on every call are the same bytes; only the cost differs
    if (head !== preparedHead) {
      preparedHead = head;
      prepared = new Map();
    }
    const key = since ?? -1;
    let ready = prepared.get(key);
    // Stryker disable next-line ConditionalExpression: an answer prepared again is the same bytes; only the cost differs
    if (ready === undefined) {
      const resume = resumeFrom(feed, since);
      ready = { answer: answerTo(resume, queues.maxEventsPerAnswer), snapshot: resume.kind === 'snapshot' };
      // Bounded: a client may send any `since`, and each distinct one would otherwise stay until the next event.
      // Stryker disable next-line EqualityOperator: the bound only limits memory; an answer not kept is prepared again, the same
      if (prepared.size < PREPARED_CURSORS_MAX) prepared.set(key, ready);
    }
    return ready;
  }

  metrics.addGaugeSource(function refreshQueueGauges() {
    counters.queues = queues.size;
    counters.queueDepth = queues.depth(feed.head());
    counters.resets = queues.resets;
  });

  /**
   * Every answer is written outside Fastify's reply pipeline: for a parked poll the whole answer (headers
   * and body) is prepared once per cursor, and every queue that waited at that cursor gets the same bytes.
   */
  function writeAnswer(reply: FastifyReply, answer: PreparedAnswer | null): void {
    // Stryker disable next-line CallExpression: the handler returns the reply, which tells Fastify the answer is written elsewhere; it writes nothing either way
    reply.hijack();
    const response = reply.raw;
    if (answer === null) {
      counters.emptyResponses++;
      response.writeHead(204, NO_CONTENT_HEADERS);
      response.end();
    } else {
      counters.deliveries += answer.events;
      response.writeHead(200, answer.headers);
      response.end(answer.body);
    }
    // end() handed everything to the socket synchronously: count it now, not only when Fastify's onResponse
    // hook flushes the socket again once the response has finished.
    // Stryker disable next-line CallExpression: Fastify's onResponse hook flushes the same socket when the response finishes, hijacked or not
    metrics.flush(transportSocketOf(reply.request.raw));
  }

  const unsubscribe = feed.subscribe(function wakeParkedPolls() {
    const parked = queues.takeParked();
    // Stryker disable next-line ConditionalExpression: answering an empty list of polls does nothing
    if (parked.length === 0) return;
    // The cursors they waited at, taken now: a queue's cursor may move while later slices wait their turn.
    const cursors = parked.map(([queue]) => queue.cursor);
    answerSlice(parked, cursors, 0);
  });

  /**
   * Answers the woken polls from `start`, WAKE_SLICE of them, and leaves the rest to the next turn of the
   * event loop. Each gets the answer for its cursor at the moment it is written (so a later slice may carry
   * events that arrived in between), prepared once per cursor. A poll whose client hung up, or timed out,
   * meanwhile is not parked any more and is skipped by its own answer(); a feed that started over meanwhile
   * gets the snapshot, as every parked poll did then.
   */
  function answerSlice(parked: [PollQueue, ParkedPoll][], cursors: number[], start: number): void {
    const end = Math.min(start + WAKE_SLICE, parked.length);
    for (let i = start; i < end; i++) {
      const [queue, poll] = parked[i]!;
      const answer = queues.isStale(queue) ? snapshotAnswer(feed.snapshot()) : preparedFor(cursors[i]).answer;
      if (answer !== null) queues.answered(queue, answer.cursor);
      // null cannot happen for a cursor behind the head; a 204 then loses nothing (the client polls again).
      poll.answer(answer);
    }
    if (end < parked.length) setImmediate(answerSlice, parked, cursors, end);
  }

  // The feed started over: the seqs clients hold name events that are gone. Parked polls get the new
  // snapshot now; every other queue's next poll gets it too, whatever its `since` (see isStale).
  const stopResetListener = feed.onReset(function answerParkedWithSnapshot(snapshot) {
    queues.startOver();
    preparedHead = Number.NaN;
    const answer = snapshotAnswer(snapshot);
    for (const [queue, poll] of queues.takeParked()) {
      queues.answered(queue, answer.cursor);
      poll.answer(answer);
    }
  });

  // Stryker disable next-line MethodExpression,ArithmeticOperator: how often the sweep runs only changes how long past the idle time a queue lingers, not which go
  const sweeper = setInterval(() => queues.sweep(Date.now()), Math.max(100, Math.min(config.longPollQueueIdleMs / 2, 10_000)));
  // Stryker disable next-line CallExpression: the sweeper is cleared at shutdown; unref only matters to a process that never closes the app
  sweeper.unref();

  app.lifecycle.onShutdown(function answerParkedPolls() {
    // Stryker disable next-line CallExpression: nothing parks once closing (park answers at once), so a later sweep only removes idle queues of a closed app
    clearInterval(sweeper);
    // Stryker disable next-line CallExpression: nothing parks once closing, so a later event wakes no poll
    unsubscribe();
    // Stryker disable next-line CallExpression: nothing parks once closing, so a later reset answers no poll
    stopResetListener();
    for (const [, poll] of queues.takeParked()) poll.answer(null);
  });

  // HEAD must be safe, and a poll is not: it moves the queue's cursor and may wait. It gets 405, not a parked request.
  app.head('/api/long-poll', { config: { transport: 'long-polling' } }, async function refuseHead(_request, reply) {
    reply.header('allow', 'GET');
    return sendError(reply, 405, 'method_not_allowed', 'A long poll is a GET: HEAD would have to wait for the answer it describes');
  });

  app.get(
    '/api/long-poll',
    // Stryker disable next-line BooleanLiteral: the HEAD route above is registered first, and Fastify adds no HEAD route where one exists
    { schema: { querystring: LongPollQuery }, config: { transport: 'long-polling' }, exposeHeadRoute: false },
    function longPoll(request, reply) {
      const userId = requireUser(request);
      const since = parseCursor(request.query.since);
      const timeout = Math.min(parseCursor(request.query.timeout) ?? config.longPollTimeoutMs, config.longPollTimeoutMs);
      // A plain function, not async: most polls are answered (or parked) without a promise and a turn of the
      // microtask queue; only a poll ahead of this process's feed waits for it, and returns that wait.
      if (isAheadOf(feed, since)) return catchUpTo(feed, since).then(() => answerPoll(userId, request.query.client, since, timeout, reply));
      answerPoll(userId, request.query.client, since, timeout, reply);
      // The answer was written or the poll parked (the reply is hijacked either way): nothing for Fastify to send.
      return undefined;
    },
  );

  /** Answers the poll of `userId`'s tab `clientId` at once, or parks it until the next event or `timeout` ms. */
  function answerPoll(userId: string, clientId: string, since: number | undefined, timeout: number, reply: FastifyReply): FastifyReply {
    const queue = queues.touch(userId, clientId, since ?? feed.head(), Date.now());

    // The feed started over since this queue's last answer: its `since` names an event that is gone.
    if (queues.isStale(queue)) return answerNow(queue, reply, snapshotAnswer(feed.snapshot()));
    // `since` is the client's truth, not the queue's cursor: whatever this process remembers of the
    // queue, a `since` still in the log gets exactly the events after it.
    const { answer, snapshot } = preparedFor(since);
    if (answer === null) {
      // Nothing after `since` yet, so `since` is the head: wait there for the next event.
      queue.cursor = feed.head();
      park(queue, reply, timeout);
      return reply;
    }
    // A snapshot for a `since` behind the head: the client fell out of the log (one ahead of the head
    // is from before the feed started over, and not this queue's fault; none at all is a first poll).
    if (snapshot && since !== undefined && since < feed.head()) queues.resets++;
    return answerNow(queue, reply, answer);
  }

  function answerNow(queue: PollQueue, reply: FastifyReply, answer: PreparedAnswer): FastifyReply {
    // A newer poll on the queue releases an older one still parked there (its client has moved on), as
    // a newer parked poll does: nothing is left waiting for an answer nobody reads.
    const older = queue.parked;
    if (older !== undefined && queues.unpark(queue, older)) older.answer(null);
    queues.answered(queue, answer.cursor);
    writeAnswer(reply, answer);
    return reply;
  }

  function park(queue: PollQueue, reply: FastifyReply, timeout: number): void {
    if (app.lifecycle.closing) {
      // The parked polls were answered already: this one, which waited on the feed meanwhile, is answered alike.
      writeAnswer(reply, null);
      return;
    }
    // Ours from now on: Fastify must not answer or time out a poll that waits for the feed.
    // Stryker disable next-line CallExpression: the handler returns the reply, which tells Fastify the answer is written elsewhere; it writes nothing either way
    reply.hijack();
    const response = reply.raw;
    let timer: NodeJS.Timeout | undefined;
    let answered = false;
    const poll: ParkedPoll = {
      answer(answer) {
        // Once only; and not to a client that hung up while its answer waited for its slice.
        // Stryker disable next-line ConditionalExpression: every path that answers a poll takes it off its queue first, so answer() never runs twice
        if (answered) return;
        // Stryker disable next-line BooleanLiteral: as above
        answered = true;
        // Stryker disable next-line ConditionalExpression,EqualityOperator: the timer is set before the poll parks, and one left to fire finds the poll unparked (unpark is false)
        if (timer !== undefined) clearTimeout(timer);
        if (response.destroyed) return;
        writeAnswer(reply, answer);
      },
    };
    function onClientGone(): void {
      // The client hung up before we answered: leave nothing parked for it. (After an answer the poll is
      // no longer parked, so the close that follows every answer finds nothing to do.)
      // Stryker disable next-line LogicalOperator,EqualityOperator: the timer is set before the poll parks, and one left to fire finds the poll unparked
      if (queues.unpark(queue, poll) && timer !== undefined) clearTimeout(timer);
    }
    // A response closes once: `on` spares the wrapper `once` makes and the removal an answer would pay for.
    response.on('close', onClientGone);
    timer = setTimeout(function onPollTimeout() {
      if (queues.unpark(queue, poll)) poll.answer(null);
    }, timeout);
    queues.park(queue, poll)?.answer(null);
  }
};

export default longPollingTransport;
