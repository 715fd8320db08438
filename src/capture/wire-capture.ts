import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { CaptureReply, CapturedExchange as CapturedExchangeJson, CapturedTransport } from '../contract.ts';
import type { TransportLabel } from '../metrics/transport-metrics.ts';
import { sessionUser } from '../http/session.ts';
import { bytesOfWrite, CapturedBytes } from './captured-bytes.ts';
import { maskSessionCookie } from './session-cookie-mask.ts';

/** How many bytes of one run (a request head, a response, one frame or event) are kept. */
export const CAPTURE_PIECE_BYTES = 640;
/** How many of a stream's most recent runs are kept each way after its opening. */
const STREAM_RUNS = 3;
/** At most this many bytes are kept per session, all exchanges together (older exchanges go first). */
export const CAPTURE_SESSION_BYTES = 6 * 1024;
/** At most this many exchanges per session. */
const MAX_EXCHANGES = 6;
/** At most this many sessions capture at once (6 MiB at most in all); beyond, the one that started first stops. */
export const MAX_CAPTURING_SESSIONS = 1000;

function isCapturedTransport(label: TransportLabel | undefined): label is CapturedTransport {
  return label === 'polling' || label === 'long-polling' || label === 'websocket' || label === 'sse';
}

/** The request line and headers as Node's parser read them: names, order and case as sent (`rawHeaders`). */
function requestHead(request: FastifyRequest): string {
  const raw = request.raw;
  let head = `${raw.method} ${raw.url} HTTP/${raw.httpVersion}\r\n`;
  const headers = raw.rawHeaders;
  for (let i = 0; i + 1 < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return maskSessionCookie(head + '\r\n');
}

/** One request and what answered it; for a stream, its opening and its latest runs each way. */
class Exchange {
  readonly id: number;
  readonly transport: CapturedTransport;
  readonly startedAt = Date.now();
  readonly request = new CapturedBytes(CAPTURE_PIECE_BYTES);
  /** HTTP: the whole response. Streams: the first run written (the 101 or the SSE headers, and what came with them). */
  readonly response = new CapturedBytes(CAPTURE_PIECE_BYTES);
  complete = false;
  readonly fromServer: CapturedBytes[] = [];
  readonly fromClient: CapturedBytes[] = [];

  constructor(id: number, transport: CapturedTransport, head: string) {
    this.id = id;
    this.transport = transport;
    this.request.append(Buffer.from(head, 'latin1'));
  }

  get isStream(): boolean {
    return this.transport === 'websocket' || this.transport === 'sse';
  }

  get keptBytes(): number {
    let kept = this.request.kept + this.response.kept;
    for (const run of this.fromServer) kept += run.kept;
    for (const run of this.fromClient) kept += run.kept;
    return kept;
  }

  /** A new run of a stream, the oldest one dropped beyond STREAM_RUNS. */
  newRun(direction: 'fromServer' | 'fromClient'): CapturedBytes {
    const runs = this[direction];
    const run = new CapturedBytes(CAPTURE_PIECE_BYTES);
    runs.push(run);
    if (runs.length > STREAM_RUNS) runs.shift();
    return run;
  }

  toJSON(): CapturedExchangeJson {
    const piece = (bytes: CapturedBytes, mask = false) => {
      let kept = bytes.bytes();
      // Only the head of a response can carry Set-Cookie; latin1 keeps every byte as one character and back.
      if (mask) kept = Buffer.from(maskSessionCookie(kept.toString('latin1')), 'latin1');
      return { at: bytes.at, base64: kept.toString('base64'), total: bytes.total };
    };
    return {
      id: this.id,
      transport: this.transport,
      startedAt: this.startedAt,
      complete: this.complete,
      request: piece(this.request),
      response: piece(this.response, true),
      fromServer: this.fromServer.map((run) => piece(run)),
      fromClient: this.fromClient.map((run) => piece(run)),
    };
  }
}

/** One session that asked for its capture: its recent exchanges, newest last, and the sockets it taps. */
class SessionCapture {
  lastReadAt = Date.now();
  readonly exchanges: Exchange[] = [];
  readonly taps = new Set<SocketTap>();

  add(exchange: Exchange): void {
    this.exchanges.push(exchange);
    if (this.exchanges.length > MAX_EXCHANGES) this.exchanges.shift();
    this.trim();
  }

  /** Drops the oldest exchanges until the session keeps at most CAPTURE_SESSION_BYTES (the newest always stays). */
  trim(): void {
    let kept = 0;
    for (const exchange of this.exchanges) kept += exchange.keptBytes;
    while (kept > CAPTURE_SESSION_BYTES && this.exchanges.length > 1) kept -= this.exchanges.shift()!.keptBytes;
  }
}

/**
 * A socket that carried a request of a capturing session: its `write` is wrapped (on this socket object
 * only; every other socket keeps the prototype's) and, once upgraded to a WebSocket, its reads are copied.
 * Requests of other sessions, or of other routes, on the same keep-alive socket set no exchange, so their
 * bytes are not kept.
 */
class SocketTap {
  readonly socket: Socket;
  readonly session: SessionCapture;
  exchange: Exchange | null = null;
  /** The run the current tick's writes go to: the writes of one tick are one frame or event (ws writes header and payload apart). */
  #run: CapturedBytes | undefined;
  #reading: ((chunk: Buffer) => void) | undefined;

  constructor(socket: Socket, session: SessionCapture) {
    this.socket = socket;
    this.session = session;
    const write = socket.write.bind(socket);
    // `write`'s overloads cannot be restated here; the arguments are passed on untouched.
    socket.write = ((...args: Parameters<Socket['write']>) => {
      this.#onWrite(args[0], args[1]);
      return write(...args);
    }) as Socket['write'];
  }

  #onWrite(data: unknown, encoding: unknown): void {
    const exchange = this.exchange;
    if (exchange === null) return;
    const bytes = bytesOfWrite(data, encoding);
    if (bytes === undefined) return;
    if (!exchange.isStream) {
      exchange.response.append(bytes);
    } else {
      if (this.#run === undefined) {
        // The first tick's writes are the stream's opening (the 101, or the SSE headers with the first events).
        this.#run = exchange.response.total === 0 ? exchange.response : exchange.newRun('fromServer');
        const opening = this.#run === exchange.response;
        queueMicrotask(() => {
          this.#run = undefined;
          if (!opening) return;
          exchange.complete = true;
          if (exchange.transport === 'websocket' && exchange.response.bytes().subarray(0, 12).toString('latin1') === 'HTTP/1.1 101') this.#readFrames(exchange);
        });
      }
      this.#run.append(bytes);
    }
    this.session.trim();
  }

  /**
   * After the 101, `ws` reads the client's frames with 'data' events (the HTTP parser no longer owns the
   * socket): one more listener sees the same raw bytes. It goes first, because `ws` unmasks payloads in
   * place, in the very buffer the event carries. Added a microtask after the 101 was written, when `ws`
   * has taken the socket over, and before any further read can arrive.
   */
  #readFrames(exchange: Exchange): void {
    if (this.socket.destroyed) return;
    this.#reading = (chunk: Buffer) => {
      exchange.newRun('fromClient').append(chunk);
      this.session.trim();
    };
    this.socket.prependListener('data', this.#reading);
  }

  /** Back to the plain socket: the prototype's write, no extra listener. */
  release(): void {
    // The wrapper is an own property; deleting it uncovers Socket.prototype.write again.
    delete (this.socket as Partial<Pick<Socket, 'write'>>).write;
    if (this.#reading !== undefined) this.socket.off('data', this.#reading);
    this.exchange = null;
  }
}

export interface WireCaptureOptions {
  /** A session that has not read its capture for this long is dropped, and capturing stops for it. */
  idleMs: number;
}

/**
 * The Anatomy tab's source: per session, and only while that session asks for it, the recent exchanges of
 * its own feed connections as they crossed the socket. Nobody else pays: with no session capturing, a
 * request costs one size check (`capturing`), and a socket is only ever wrapped once it carried a request
 * of a capturing session.
 */
export class WireCapture {
  readonly #idleMs: number;
  readonly #sessions = new Map<string, SessionCapture>();
  readonly #taps = new WeakMap<Socket, SocketTap>();
  #nextId = 1;
  #sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(options: WireCaptureOptions) {
    this.#idleMs = options.idleMs;
  }

  get idleMs(): number {
    return this.#idleMs;
  }

  /** Whether any session captures: the one check every request pays. */
  get capturing(): boolean {
    return this.#sessions.size !== 0;
  }

  /** Starts (or keeps) capturing for this user's session. */
  start(userId: string): void {
    const session = this.#sessions.get(userId);
    if (session !== undefined) {
      session.lastReadAt = Date.now();
      return;
    }
    if (this.#sessions.size >= MAX_CAPTURING_SESSIONS) this.stop(this.#sessions.keys().next().value!);
    this.#sessions.set(userId, new SessionCapture());
    this.#sweeper ??= setInterval(() => this.sweep(), Math.max(50, Math.min(5000, Math.floor(this.#idleMs / 2))));
    this.#sweeper.unref();
  }

  /** Stops capturing for this user and forgets what was kept. */
  stop(userId: string): void {
    const session = this.#sessions.get(userId);
    if (session === undefined) return;
    this.#sessions.delete(userId);
    for (const tap of session.taps) {
      tap.release();
      this.#taps.delete(tap.socket);
    }
    if (this.#sessions.size === 0) this.#stopSweeper();
  }

  /** What this user's session captured, newest first (and a read keeps it from going idle). */
  read(userId: string): CaptureReply {
    const session = this.#sessions.get(userId);
    if (session === undefined) return { capturing: false, idleMs: this.#idleMs, limitBytes: CAPTURE_SESSION_BYTES, exchanges: [] };
    session.lastReadAt = Date.now();
    return {
      capturing: true,
      idleMs: this.#idleMs,
      limitBytes: CAPTURE_SESSION_BYTES,
      exchanges: session.exchanges.map((exchange) => exchange.toJSON()).reverse(),
    };
  }

  /** Drops every session that has not read its capture within idleMs. */
  sweep(now = Date.now()): void {
    for (const [userId, session] of this.#sessions) if (now - session.lastReadAt > this.#idleMs) this.stop(userId);
  }

  /** Stops everything (the server is closing). */
  close(): void {
    for (const userId of [...this.#sessions.keys()]) this.stop(userId);
  }

  /**
   * A request started; call only while `capturing`. It opens an exchange when it is a feed request of a
   * capturing session; otherwise it makes sure a tapped keep-alive socket keeps nothing of it.
   */
  onRequest(request: FastifyRequest, response: ServerResponse, label: TransportLabel | undefined): void {
    const socket = request.raw.socket;
    let tap = this.#taps.get(socket);
    // HTTP/1 only: the bytes of an HTTP/2 stream are not its socket's alone.
    const captured = isCapturedTransport(label) && request.raw.httpVersionMajor === 1;
    const userId = captured ? sessionUser(request) : null;
    const session = userId === null ? undefined : this.#sessions.get(userId);
    if (session === undefined || !isCapturedTransport(label)) {
      if (tap !== undefined) tap.exchange = null;
      return;
    }
    if (tap !== undefined && tap.session !== session) {
      // The socket changed hands (a cookie changed on a keep-alive connection): it taps for the new session.
      tap.release();
      tap.session.taps.delete(tap);
      tap = undefined;
    }
    if (tap === undefined) {
      const created = new SocketTap(socket, session);
      tap = created;
      this.#taps.set(socket, created);
      session.taps.add(created);
      socket.once('close', () => session.taps.delete(created));
    }
    const exchange = new Exchange(this.#nextId++, label, requestHead(request));
    tap.exchange = exchange;
    session.add(exchange);
    // A response is whole once its last byte was handed to the socket; a stream once its opening was.
    if (!exchange.isStream) response.once('finish', () => (exchange.complete = true));
  }

  #stopSweeper(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }
}
