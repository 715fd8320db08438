import websocket from '@fastify/websocket';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import { sendError } from '../http/errors.ts';
import { refuseForeignOrigin } from '../http/origin.ts';
import { castVote } from '../http/vote-intake.ts';
import { CursorParam, parseCursor } from './cursor.ts';
import { catchUpTo, resumeFrom } from './resume.ts';
import { CloseCode, errorFrame, parseClientFrame } from './ws-frames.ts';

/** One options object for every send: the event Buffer goes out as a text frame, uncompressed. */
const TEXT_FRAME = Object.freeze({ binary: false, compress: false });

const WsQuery = Type.Object({ since: Type.Optional(CursorParam) }, { additionalProperties: false });

/**
 * The session is read from the upgrade request, once per connection: a session made after connecting
 * needs a new connection, which the HTTP edge's message would not tell.
 */
const NO_SESSION_ON_SOCKET = 'Voting needs a session: POST /api/session before connecting';

interface Peer {
  /** Cleared at each ping, set by the pong: a peer still false at the next ping is dead. */
  alive: boolean;
  request: FastifyRequest;
  /** Frames are handled one after another, so a peer's votes and error frames keep their order. */
  pending: Promise<void>;
}

/**
 * WebSocket push over `ws`: a snapshot (or the missed events, with `?since=`) on connect, then one
 * text frame per vote. Each event becomes one Buffer shared by all peers; a peer whose unsent data
 * passes PUSH_MAX_BUFFERED_BYTES is closed with 4008 instead of slowing the broadcast for the others.
 * Vote frames are the WebSocket edge of the vote intake (src/http/vote-intake.ts).
 */
const websocketTransport: FastifyPluginAsyncTypebox = async (app) => {
  const { feed, config, metrics } = app;
  const counters = metrics.counters.websocket;
  const peers = new Map<WebSocket, Peer>();

  await app.register(websocket, {
    // @fastify/websocket would hand ws its 100 MiB default: a hostile client could make us buffer that much.
    options: { maxPayload: config.wsMaxPayloadBytes, perMessageDeflate: false },
    errorHandler: function onSocketError(error, socket, request) {
      const code = (error as Error & { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('WS_ERR_')) {
        // The client broke the protocol (unmasked frame, bad opcode, bad UTF-8, too big): ws has already sent
        // the matching close frame (1002, 1007, 1009). That is the client's fault, not an error of ours.
        app.clientFaults.warn({ code, remoteAddress: request.socket.remoteAddress }, error.message);
      } else {
        request.log.error({ err: error }, 'websocket handler failed');
      }
      socket.terminate();
    },
  });

  function dropSlowPeer(socket: WebSocket): void {
    peers.delete(socket);
    counters.drops++;
    socket.close(CloseCode.TOO_SLOW, 'too slow: unsent data passed the limit');
  }

  /** Error frames obey the same limit as votes: a client that floods us with bad frames and never reads is dropped. */
  function sendErrorFrame(socket: WebSocket, error: string, message: string): void {
    if (!peers.has(socket)) return;
    if (socket.bufferedAmount > config.pushMaxBufferedBytes) {
      dropSlowPeer(socket);
      return;
    }
    socket.send(errorFrame(error, message));
  }

  const unsubscribe = feed.subscribe(function broadcastVote(entry) {
    if (peers.size === 0) return;
    const frame = Buffer.from(entry.json);
    let sent = 0;
    for (const socket of peers.keys()) {
      if (socket.bufferedAmount > config.pushMaxBufferedBytes) {
        dropSlowPeer(socket);
        continue;
      }
      socket.send(frame, TEXT_FRAME);
      sent++;
    }
    counters.deliveries += sent;
  });

  // The feed started over: the seqs the peers hold name events that are gone. A snapshot frame on the
  // same connection puts each of them on the new history; the events after it follow as usual.
  const stopResetListener = feed.onReset(function sendFreshSnapshot(snapshot) {
    if (peers.size === 0) return;
    const frame = Buffer.from(JSON.stringify(snapshot));
    for (const socket of peers.keys()) {
      if (socket.bufferedAmount > config.pushMaxBufferedBytes) {
        dropSlowPeer(socket);
        continue;
      }
      socket.send(frame, TEXT_FRAME);
    }
  });

  const heartbeat = setInterval(function pingPeers() {
    for (const [socket, peer] of peers) {
      if (!peer.alive) {
        peers.delete(socket);
        counters.drops++;
        socket.terminate();
        continue;
      }
      peer.alive = false;
      socket.ping();
    }
  }, config.wsPingIntervalMs);
  heartbeat.unref();

  app.lifecycle.onShutdown(function closePeers() {
    clearInterval(heartbeat);
    unsubscribe();
    stopResetListener();
    for (const socket of peers.keys()) socket.close(CloseCode.GOING_AWAY, 'server shutting down');
    peers.clear();
  });
  // A peer that has not answered our close frame by the end of the grace period is cut off.
  app.lifecycle.onTerminate(function terminatePeers() {
    for (const socket of app.websocketServer.clients) socket.terminate();
  });

  async function handleVoteFrame(socket: WebSocket, peer: Peer, data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) {
      socket.close(CloseCode.UNSUPPORTED_DATA, 'binary frames are not accepted');
      return;
    }
    const parsed = parseClientFrame(data.toString());
    if (!parsed.ok) {
      sendErrorFrame(socket, parsed.error, parsed.message);
      return;
    }
    // An accepted vote gets no reply frame: its event comes to every peer, this one included. A repeated
    // voteId gets none either (its event was already sent), and counts nothing.
    const outcome = await castVote(app, peer.request, parsed.vote);
    if (!outcome.ok) sendErrorFrame(socket, outcome.code, outcome.code === 'no_session' ? NO_SESSION_ON_SOCKET : outcome.message);
  }

  app.route({
    method: 'GET',
    url: '/api/ws',
    schema: { querystring: WsQuery },
    config: { transport: 'websocket' },
    preValidation: refuseForeignOrigin(app.originPolicy),
    // With a shared feed the client may hold a seq another process accepted a moment ago.
    preHandler: async function catchUpWithClient(request) {
      await catchUpTo(feed, parseCursor(request.query.since));
    },
    // A plain GET (or HEAD) without `Upgrade: websocket`.
    handler: function upgradeRequired(_request, reply) {
      reply.header('upgrade', 'websocket');
      return sendError(reply, 426, 'upgrade_required', 'This is a WebSocket endpoint: connect with Upgrade: websocket');
    },
    wsHandler: function onConnection(socket, request) {
      if (app.lifecycle.closing) {
        // The upgrade raced the shutdown: the peers were closed already, so this one is closed the same way.
        socket.close(CloseCode.GOING_AWAY, 'server shutting down');
        return;
      }
      const peer: Peer = { alive: true, request, pending: Promise.resolve() };
      const raw = request.raw.socket as Socket;
      metrics.trackLongLived(raw);
      counters.open++;

      // Resume and subscribe in the same tick: no event can fall between the two.
      const since = parseCursor(request.query.since);
      const resume = resumeFrom(feed, since);
      if (resume.kind === 'events') {
        for (const entry of resume.entries) socket.send(entry.json);
        counters.deliveries += resume.entries.length;
      } else {
        socket.send(JSON.stringify(resume.snapshot));
      }
      peers.set(socket, peer);

      socket.on('pong', function onPong() {
        peer.alive = true;
      });
      socket.on('message', function onMessage(data, isBinary) {
        peer.pending = peer.pending
          .then(() => handleVoteFrame(socket, peer, data, isBinary))
          .catch((error: unknown) => {
            request.log.error({ err: error }, 'websocket vote failed');
            sendErrorFrame(socket, 'internal_error', 'The vote could not be recorded');
          });
      });
      socket.on('close', function onClose() {
        peers.delete(socket);
        counters.open--;
      });
    },
  });
};

export default websocketTransport;
