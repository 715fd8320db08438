import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServerResponse } from 'node:http';
import type { Snapshot } from '../feed/types.ts';
import { sendShuttingDown } from '../http/context.ts';
import { refuseForeignOrigin } from '../http/origin.ts';
import { CursorParam, parseCursor, parseLastEventId } from './cursor.ts';
import { catchUpTo, resumeFrom } from './resume.ts';

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

/**
 * Server-Sent Events: one long `text/event-stream` response per client. `Last-Event-ID` (sent by the
 * browser on reconnect) or `?since=` (for a first connection that already holds a cursor) resumes;
 * otherwise the stream opens with a snapshot. Each vote is formatted once and written to every stream.
 */
const sseTransport: FastifyPluginAsyncTypebox = async (app) => {
  const { feed, config, metrics } = app;
  const counters = metrics.counters.sse;
  const streams = new Set<ServerResponse>();

  function dropSlowStream(stream: ServerResponse): void {
    streams.delete(stream);
    counters.drops++;
    stream.destroy();
  }

  const unsubscribe = feed.subscribe(function broadcastVote(entry) {
    if (streams.size === 0) return;
    const message = Buffer.from(voteMessage(entry.event.seq, entry.json));
    for (const stream of streams) {
      if (stream.writableLength > config.pushMaxBufferedBytes) {
        dropSlowStream(stream);
        continue;
      }
      stream.write(message);
      counters.deliveries++;
    }
  });

  // The feed started over: the seqs the streams hold name events that are gone. A snapshot event (with
  // its id, so a reconnect resumes from the new history) puts each of them on the new history.
  const stopResetListener = feed.onReset(function sendFreshSnapshot(snapshot) {
    if (streams.size === 0) return;
    const message = Buffer.from(snapshotMessage(snapshot));
    for (const stream of streams) {
      if (stream.writableLength > config.pushMaxBufferedBytes) {
        dropSlowStream(stream);
        continue;
      }
      stream.write(message);
    }
  });

  // A comment line keeps proxies and load balancers from closing a quiet stream.
  const heartbeat = setInterval(function sendComment() {
    for (const stream of streams) stream.write(': keep-alive\n\n');
  }, config.sseHeartbeatMs);
  heartbeat.unref();

  app.lifecycle.onShutdown(function endStreams() {
    clearInterval(heartbeat);
    unsubscribe();
    stopResetListener();
    for (const stream of streams) stream.end();
    streams.clear();
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
      // With a shared feed the client may hold a seq another process accepted a moment ago.
      await catchUpTo(feed, since);
      if (app.lifecycle.closing) {
        // The streams were ended while this one waited: it would be left open past the shutdown.
        return sendShuttingDown(reply);
      }
      reply.hijack();
      const stream = reply.raw;
      // The stream ends only when the connection does, so it needs no chunked framing: without it each
      // event is one plain socket write (and ~8 bytes lighter), as cheap as a WebSocket frame.
      // Node then sends `Connection: close`, which is true: this connection carries nothing else.
      stream.useChunkedEncodingByDefault = false;
      stream.writeHead(200, STREAM_HEADERS);
      metrics.trackLongLived(request.raw.socket);

      // Resume and subscribe in the same tick: no event can fall between the two.
      let opening = `retry: ${RETRY_MS}\n\n`;
      const resume = resumeFrom(feed, since);
      if (resume.kind === 'events') {
        for (const entry of resume.entries) opening += voteMessage(entry.event.seq, entry.json);
        counters.deliveries += resume.entries.length;
      } else {
        opening += snapshotMessage(resume.snapshot);
      }
      stream.write(opening);
      streams.add(stream);
      stream.once('close', function onStreamClosed() {
        streams.delete(stream);
      });
      return reply;
    },
  );
};

export default sseTransport;
