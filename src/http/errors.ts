import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody, ErrorCode } from '../contract.ts';
import { isHttp2 } from './transport-socket.ts';

/** An error the routes throw on purpose: it carries its status and stable code. */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: ErrorCode;
  constructor(statusCode: number, code: ErrorCode, message: string) {
    super(message);
    // Stryker disable next-line StringLiteral: an HttpError is answered, never logged nor shown with its name
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
  }
}

/** Fastify's own error codes, mapped to the stable codes of our `Error` body. */
const FASTIFY_CODES: Record<string, [number, ErrorCode]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_content_length'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_VALIDATION: [400, 'invalid_request'],
  FST_ERR_BAD_URL: [400, 'bad_url'],
};

/**
 * `sendError`, and the connection is closed after the answer. Node does that itself for `Connection: close`,
 * except on a WebSocket upgrade request: its socket left the HTTP server when the upgrade began, so it is
 * closed here once the answer is out.
 */
export function sendErrorAndClose(reply: FastifyReply, statusCode: number, code: ErrorCode, message: string): FastifyReply {
  const raw = reply.request.raw as IncomingMessage | Http2ServerRequest;
  if (isHttp2(raw)) {
    // HTTP/2 has no `Connection` header: the answer goes out, then GOAWAY ends the connection once its streams are done.
    const session = raw.stream.session;
    reply.raw.once('finish', () => session?.close());
    return sendError(reply, statusCode, code, message);
  }
  reply.header('connection', 'close');
  if (reply.request.headers.upgrade !== undefined) {
    const socket = reply.request.raw.socket;
    reply.raw.once('finish', () => socket.destroy());
  }
  return sendError(reply, statusCode, code, message);
}

/**
 * The code of each 4xx that a library may answer with on its own (@fastify/static: 400, 403, 404, 412, 416;
 * Fastify: 414), and of the ones it shares with our own answers. Any other 4xx is `bad_request`: the list of
 * codes stays closed (see `ErrorCode`), whatever status a library comes up with.
 */
const CODE_FOR_STATUS: Readonly<Partial<Record<number, ErrorCode>>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  412: 'precondition_failed',
  413: 'body_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  416: 'range_not_satisfiable',
  429: 'rate_limited',
  431: 'headers_too_large',
};

/** The code of an error that came with a 4xx status only (from a library such as @fastify/static). */
export function codeForStatus(status: number): ErrorCode {
  return CODE_FOR_STATUS[status] ?? 'bad_request';
}

export function sendError(reply: FastifyReply, statusCode: number, code: ErrorCode, message: string): FastifyReply {
  const body: ErrorBody = { error: code, message };
  return reply.code(statusCode).header('cache-control', 'no-store').send(body);
}

/**
 * Turns any error into the JSON `Error` shape with a 4xx/5xx status; nothing leaks a stack. It is also
 * Fastify's `frameworkErrors` handler, for what fails before routing (a URL that does not decode).
 */
export function replyWithError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof HttpError) return sendError(reply, error.statusCode, error.code, error.message);
  const known = FASTIFY_CODES[error.code];
  // (A body secure-json-parse refuses, with a __proto__ or constructor.prototype key, is FST_ERR_CTP_INVALID_JSON_BODY too.)
  if (known !== undefined) return sendError(reply, known[0], known[1], error.message);
  const status = error.statusCode ?? 500;
  if (status >= 500) {
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, status, 'internal_error', 'The server failed to handle this request');
  }
  return sendError(reply, status, codeForStatus(status), error.message);
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler(replyWithError);
  app.setNotFoundHandler(function onNotFound(request, reply) {
    return sendError(reply, 404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}`);
  });
}

/** What Node's HTTP parser and request timers report, as status, stable code and message. */
function describeClientError(error: ConnectionError): [number, ErrorCode, string] {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'request_timeout', 'The request (its headers, then its body) did not arrive in time'];
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'headers_too_large', 'The request headers are over the size limit'];
    default:
      return [400, 'bad_http', `Malformed HTTP request: ${error.message}`];
  }
}

/**
 * Fastify's `clientErrorHandler` (called with the app as `this`): errors below the routes (a request
 * Node's parser refuses, headers over the limit, headers or body too slow) get the JSON `Error` shape
 * too. There is no request or reply here, so the answer is written to the socket by hand.
 */
export function answerClientError(this: FastifyInstance, error: ConnectionError, socket: Socket): void {
  // A connection that failed (reset by its client, say) is destroyed already: nobody is left to answer.
  if (socket.destroyed) return;
  const [status, code, message] = describeClientError(error);
  // A browser's preconnect that never sent a request timed out; that is no fault of anyone's.
  if (!(status === 408 && socket.bytesRead === 0)) {
    this.clientFaults.warn({ code: error.code, remoteAddress: socket.remoteAddress }, message);
  }
  // As Node's own handler does: only when no answer has begun on this connection, or the bytes would mix.
  // (`_httpMessage` is the response in progress; Node has no public name for it.)
  const inProgress = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (socket.writable && inProgress?.headersSent !== true) {
    const body = JSON.stringify({ error: code, message } satisfies ErrorBody);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `cache-control: no-store\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
