import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServerResponse } from 'node:http';
import type { Snapshot } from '../feed/types.ts';
import { sendShuttingDown } from '../http/context.ts';
import { refuseForeignOrigin } from '../http/origin.ts';
import { transportSocketOf } from '../http/transport-socket.ts';
import { CursorParam, parseCursor, parseLastEventId } from './cursor.ts';
import { PushFanOut, type CloseReason, type PushConnection, type PushFormat } from './push.ts';
import { catchUpTo } from './resume.ts';

const SseQuery = Type.Object({ since: Type.Optional(CursorParam) }, { additionalProperties: false });

/** How long a browser waits before reconnecting a dropped stream (the `retry:` field). */
const RETRY_MS = 1000;

const STREAM_HEADERS = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  // nginx buffers proxied responses unless told not to.
  'x-accel-buffering': 'no',
});

export function voteMessage(seq: number, json: string): string {
  return `id: ${seq}\nevent: vote\ndata: ${json}\n\n`;
}

export function snapshotMessage(snapshot: Snapshot): string {
  // The snapshot carries an id too, so a browser that reconnects right after it resumes from there.
  return `id: ${snapshot.seq}\nevent: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`;
}

/** The SSE wire: `id:`/`event:`/`data:` messages, a vote formatted once for every stream. */
const SSE_FORMAT: PushFormat = {
  opening(resume) {
    // One write: the reconnect delay, then the missed events or the snapshot.
    let opening = `retry: ${RETRY_MS}\n\n`;
    if (resume.kind === 'events') {
      for (const entry of resume.entries) opening += voteMessage(entry.event.seq, entry.json);
    } else {
      opening += snapshotMessage(resume.snapshot);
    }
    return [opening];
  },
  event: (entry) => Buffer.from(voteMessage(entry.event.seq, entry.json)),
  snapshot: (snapshot) => Buffer.from(snapshotMessage(snapshot)),
};

/** One open `text/event-stream` response. */
class SseStream implements PushConnection {
  readonly #response: ServerResponse;

  constructor(response: ServerResponse) {
    this.#response = response;
  }

  get unsentBytes(): number {
    return this.#response.writableLength;
  }

  send(message: string | Buffer): void {
    this.#response.write(message);
  }

  /** A comment line keeps proxies and load balancers from closing a quiet stream. The client owes no answer. */
  heartbeat(): boolean {
    this.#response.write(': keep-alive\n\n');
    return true;
  }

  /** At shutdown the stream ends cleanly; a stream too slow to take more is cut. */
  close(reason: CloseReason): void {
    if (reason === 'shutting_down') this.#response.end();
    else this.#response.destroy();
  }
}

/**
 * Server-Sent Events: one long `text/event-stream` response per client. `Last-Event-ID` (sent by the
 * browser on reconnect) or `?since=` (for a first connection that already holds a cursor) resumes;
 * otherwise the stream opens with a snapshot. Each vote is formatted once and written to every stream
 * by the fan-out it shares with the WebSocket transport (src/transports/push.ts).
 */
const sseTransport: FastifyPluginAsyncTypebox = async (app) => {
  const { feed, config, metrics } = app;
  const fanOut = new PushFanOut({
    feed,
    format: SSE_FORMAT,
    counters: metrics.counters.sse,
    maxUnsentBytes: config.pushMaxBufferedBytes,
    sliceSize: config.pushFanOutSlice,
    heartbeatMs: config.sseHeartbeatMs,
    lifecycle: app.lifecycle,
  });

  app.get(
    '/api/sse',
    {
      schema: { querystring: SseQuery },
      config: { transport: 'sse' },
      preValidation: refuseForeignOrigin(app.originPolicy),
    },
    async function openStream(request, reply) {
      if (request.method === 'HEAD') {
        // The headers a GET would get, and the end: no events, no subscription, nothing left open.
        return reply.code(200).headers(STREAM_HEADERS).send();
      }
      const since = parseLastEventId(request.headers['last-event-id']) ?? parseCursor(request.query.since);
      await catchUpTo(feed, since);
      if (app.lifecycle.closing) {
        // The streams were ended while this one waited: it would be left open past the shutdown.
        return sendShuttingDown(reply);
      }
      // Stryker disable next-line CallExpression: the handler returns the reply, which tells Fastify the answer is written elsewhere; it writes nothing either way
      reply.hijack();
      const response = reply.raw;
      // The stream ends only when the connection does, so it needs no chunked framing: without it each
      // event is one plain socket write (and ~8 bytes lighter), as cheap as a WebSocket frame.
      // Node then sends `Connection: close`, which is true: this connection carries nothing else.
      response.useChunkedEncodingByDefault = false;
      response.writeHead(200, STREAM_HEADERS);
      const socket = transportSocketOf(request.raw);
      metrics.trackLongLived(socket);
      // On HTTP/2 the connection may carry other requests meanwhile: its bytes count as SSE while the stream is open.
      metrics.hold(socket, 'sse');

      const stream = new SseStream(response);
      fanOut.open(stream, since);
      response.once('close', function onStreamClosed() {
        fanOut.remove(stream);
        metrics.release(socket);
      });
      return reply;
    },
  );
};

export default sseTransport;
