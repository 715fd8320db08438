import websocket from '@fastify/websocket';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import type { ErrorCode } from '../contract.ts';
import { sendError } from '../http/errors.ts';
import { refuseForeignOrigin } from '../http/origin.ts';
import { verifiedSessionOf, type VerifiedSession } from '../http/session.ts';
import { transportSocketOf } from '../http/transport-socket.ts';
import { castVote } from '../http/vote-intake.ts';
import { CursorParam, parseCursor } from './cursor.ts';
import { PushFanOut, type CloseReason, type PushConnection, type PushFormat } from './push.ts';
import { catchUpTo } from './resume.ts';
import { CloseCode, errorFrame, frameText, parseClientFrame } from './ws-frames.ts';

/** One options object for every send: the event Buffer goes out as a text frame, uncompressed. */
const TEXT_FRAME = Object.freeze({ binary: false, compress: false });

const WsQuery = Type.Object({ since: Type.Optional(CursorParam) }, { additionalProperties: false });

/**
 * A WebSocket's session is the cookie its upgrade request carried: a session made after connecting needs
 * a new connection, which the HTTP edge's message would not say.
 */
const NO_SESSION_ON_SOCKET = 'Voting needs a session: POST /api/session before connecting';

/** The WebSocket wire: one text frame per event, the snapshot as one frame. */
const WS_FORMAT: PushFormat = {
  opening: (resume) => (resume.kind === 'events' ? resume.entries.map((entry) => entry.json) : [JSON.stringify(resume.snapshot)]),
  event: (entry) => Buffer.from(entry.json),
  snapshot: (snapshot) => Buffer.from(JSON.stringify(snapshot)),
};

/**
 * One WebSocket client: its socket, and the session of its upgrade request, which its votes are cast with.
 * The peer keeps only what it needs of that request (the session, the request id for its log lines): the
 * request itself would hold its headers, its response object and the buffer it was read into for as long
 * as the connection lives, most of what a connection costs beyond `ws`'s own.
 */
class WebSocketPeer implements PushConnection {
  readonly socket: WebSocket;
  readonly session: VerifiedSession | null;
  readonly requestId: string;
  /** Cleared at each ping, set by the pong: a peer still false at the next ping is dead. */
  alive = true;
  /** Frames are handled one after another, so a peer's votes and error frames keep their order. */
  pending: Promise<void> = Promise.resolve();

  constructor(socket: WebSocket, request: FastifyRequest) {
    this.socket = socket;
    this.session = verifiedSessionOf(request);
    this.requestId = request.id;
  }

  get unsentBytes(): number {
    return this.socket.bufferedAmount;
  }

  send(message: string | Buffer): void {
    this.socket.send(message, TEXT_FRAME);
  }

  heartbeat(): boolean {
    if (!this.alive) return false;
    this.alive = false;
    this.socket.ping();
    return true;
  }

  close(reason: CloseReason): void {
    switch (reason) {
      case 'too_slow':
        this.socket.close(CloseCode.TOO_SLOW, 'too slow: unsent data passed the limit');
        return;
      case 'dead':
        // No close handshake with a peer that does not answer.
        this.socket.terminate();
        return;
      case 'shutting_down':
        this.socket.close(CloseCode.GOING_AWAY, 'server shutting down');
        return;
    }
  }
}

/**
 * WebSocket push over `ws`: a snapshot (or the missed events, with `?since=`) on connect, then one
 * text frame per vote, by the fan-out it shares with SSE (src/transports/push.ts): each event becomes
 * one Buffer shared by all peers, and a peer whose unsent data passes PUSH_MAX_BUFFERED_BYTES is closed
 * with 4008 instead of slowing the broadcast for the others. Vote frames are the WebSocket edge of the
 * vote intake (src/http/vote-intake.ts).
 */
const websocketTransport: FastifyPluginAsyncTypebox = async (app) => {
  const { feed, config, metrics } = app;
  const counters = metrics.counters.websocket;
  const fanOut = new PushFanOut({
    feed,
    format: WS_FORMAT,
    counters,
    maxUnsentBytes: config.pushMaxBufferedBytes,
    sliceSize: config.pushFanOutSlice,
    heartbeatMs: config.wsPingIntervalMs,
    lifecycle: app.lifecycle,
  });

  function onSocketError(error: Error, socket: Pick<WebSocket, 'terminate'>, remoteAddress: string | undefined, log: FastifyBaseLogger): void {
    const code = (error as Error & { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('WS_ERR_')) {
      // The client broke the protocol (unmasked frame, bad opcode, bad UTF-8, too big): ws has already sent
      // the matching close frame (1002, 1007, 1009). That is the client's fault, not an error of ours.
      app.clientFaults.warn({ code, remoteAddress }, error.message);
    } else {
      log.error({ err: error }, 'websocket handler failed');
    }
    socket.terminate();
  }

  await app.register(websocket, {
    // @fastify/websocket would hand ws its 100 MiB default: a hostile client could make us buffer that much.
    options: { maxPayload: config.wsMaxPayloadBytes, perMessageDeflate: false },
    // Errors of the connection handler itself; the socket's own errors go to the listener it sets (below).
    errorHandler: function onHandlerError(error, socket, request) {
      onSocketError(error, socket, request.socket.remoteAddress, request.log);
    },
  });

  /**
   * The response object @fastify/websocket made for each upgrade, until the connection handler lets go of it.
   * Keyed by the raw request, so one that never reaches the handler (refused before the upgrade) is dropped with it.
   */
  const upgradeResponses = new WeakMap<FastifyRequest['raw'], ServerResponse>();

  /**
   * Lets go of what @fastify/websocket keeps of the upgrade request for the connection's life: the response
   * object it made, which stays the socket's current message (and holds the request), and the error listener
   * it puts on the socket, whose closure holds the request and its reply. Our own listener takes the errors.
   */
  function releaseUpgrade({ socket }: WebSocketPeer, request: FastifyRequest): void {
    upgradeResponses.get(request.raw)?.detachSocket(request.raw.socket);
    // Stryker disable next-line CallExpression: a WeakMap entry goes with its key, the upgrade request, which nothing keeps once the handler returns
    upgradeResponses.delete(request.raw);
    const remoteAddress = request.socket.remoteAddress;
    socket.removeAllListeners('error');
    socket.on('error', function onError(error) {
      onSocketError(error, socket, remoteAddress, app.log);
    });
  }

  // A peer that has not answered our close frame by the end of the grace period is cut off.
  app.lifecycle.onTerminate(function terminatePeers() {
    for (const socket of app.websocketServer.clients) socket.terminate();
  });

  function sendErrorFrame(peer: WebSocketPeer, error: ErrorCode, message: string): void {
    fanOut.sendTo(peer, errorFrame(error, message));
  }

  async function handleVoteFrame(peer: WebSocketPeer, data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) {
      peer.socket.close(CloseCode.UNSUPPORTED_DATA, 'binary frames are not accepted');
      return;
    }
    const parsed = parseClientFrame(frameText(data));
    if (!parsed.ok) {
      sendErrorFrame(peer, parsed.error, parsed.message);
      return;
    }
    // An accepted vote gets no reply frame: its event comes to every peer, this one included. A repeated
    // voteId gets none either (its event was already sent), and counts nothing.
    const outcome = await castVote(app, peer.session, parsed.vote);
    if (!outcome.ok) sendErrorFrame(peer, outcome.code, outcome.code === 'no_session' ? NO_SESSION_ON_SOCKET : outcome.message);
  }

  app.route({
    method: 'GET',
    url: '/api/ws',
    schema: { querystring: WsQuery },
    config: { transport: 'websocket' },
    preValidation: refuseForeignOrigin(app.originPolicy),
    // Before the upgrade: the connection handler below resumes and subscribes in one tick.
    preHandler: async function catchUpWithClient(request, reply) {
      upgradeResponses.set(request.raw, reply.raw);
      await catchUpTo(feed, parseCursor(request.query.since));
    },
    // A plain GET (or HEAD) without `Upgrade: websocket`.
    handler: function upgradeRequired(_request, reply) {
      reply.header('upgrade', 'websocket');
      return sendError(reply, 426, 'upgrade_required', 'This is a WebSocket endpoint: connect with Upgrade: websocket');
    },
    wsHandler: function onConnection(socket, request) {
      // @fastify/websocket hands over the socket ws made for this upgrade; the rule cannot see who constructed it.
      // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
      const peer = new WebSocketPeer(socket, request);
      releaseUpgrade(peer, request);
      if (app.lifecycle.closing) {
        // The upgrade raced the shutdown: the peers were closed already, so this one is closed the same way.
        peer.close('shutting_down');
        return;
      }
      metrics.trackLongLived(transportSocketOf(request.raw));
      counters.open++;
      fanOut.open(peer, parseCursor(request.query.since));

      socket.on('pong', function onPong() {
        peer.alive = true;
      });
      socket.on('message', function onMessage(data, isBinary) {
        peer.pending = peer.pending
          .then(() => handleVoteFrame(peer, data, isBinary))
          .catch((error: unknown) => {
            app.log.error({ err: error, reqId: peer.requestId }, 'websocket vote failed');
            sendErrorFrame(peer, 'internal_error', 'The vote could not be recorded');
          });
      });
      socket.on('close', function onClose() {
        fanOut.remove(peer);
        counters.open--;
      });
    },
  });
};

export default websocketTransport;
