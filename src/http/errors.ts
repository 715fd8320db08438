import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { ErrorBody } from '../feed/types.ts';

/** An error the routes throw on purpose: it carries its status and stable code. */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  constructor(statusCode: number, code: string, message: string) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
  }
}

/** Fastify's own error codes, mapped to the stable codes of our `Error` body. */
const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_content_length'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_VALIDATION: [400, 'invalid_request'],
};

export function sendError(reply: FastifyReply, statusCode: number, code: string, message: string): FastifyReply {
  const body: ErrorBody = { error: code, message };
  return reply.code(statusCode).header('cache-control', 'no-store').send(body);
}

/** Every error leaves as the JSON `Error` shape with a 4xx/5xx status; nothing leaks a stack. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler(function onError(error: FastifyError, request, reply) {
    if (error instanceof HttpError) return sendError(reply, error.statusCode, error.code, error.message);
    const known = error.code === undefined ? undefined : FASTIFY_CODES[error.code];
    if (known !== undefined) return sendError(reply, known[0], known[1], error.message);
    if (error instanceof SyntaxError) {
      // secure-json-parse rejects __proto__ / constructor.prototype keys with a SyntaxError.
      return sendError(reply, 400, 'invalid_json', error.message);
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return sendError(reply, status, 'internal_error', 'The server failed to handle this request');
    }
    if (status === 429) return sendError(reply, 429, 'rate_limited', error.message);
    return sendError(reply, status, 'bad_request', error.message);
  });
  app.setNotFoundHandler(function onNotFound(request, reply) {
    return sendError(reply, 404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}`);
  });
}
