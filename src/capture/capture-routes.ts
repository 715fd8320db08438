import fp from 'fastify-plugin';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import * as T from '@sinclair/typebox';
import { CaptureReply, CaptureRequest } from '../contract.ts';
import { requireUser } from '../http/session.ts';
import { WireCapture } from './wire-capture.ts';

declare module 'fastify' {
  interface FastifyInstance {
    wireCapture: WireCapture;
  }
}

const NoQuery = T.Object({}, { additionalProperties: false });

/**
 * The Anatomy tab's endpoint: POST /api/capture starts capturing this session's own feed connections,
 * GET /api/capture reads what was captured (and keeps it going), DELETE /api/capture stops and forgets.
 * A session that has not read its capture for CAPTURE_IDLE_MS is dropped. Register before the transports:
 * its onRequest hook opens an exchange for each of their requests while the session captures.
 */
const captureRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const capture = new WireCapture({ idleMs: app.config.captureIdleMs });
  app.decorate('wireCapture', capture);

  // With nobody capturing, this is all a request pays for: one size check.
  app.addHook('onRequest', function captureWire(request, reply, done) {
    if (capture.capturing) capture.onRequest(request, reply.raw, request.routeOptions.config.transport);
    done();
  });
  app.addHook('onClose', function stopCapturing(_app, done) {
    capture.close();
    done();
  });

  const noStore = { 'cache-control': 'no-store' } as const;
  app.post(
    '/api/capture',
    {
      schema: { querystring: NoQuery, body: CaptureRequest, response: { 200: CaptureReply } },
      // A POST without a body (what `fetch(url, { method: 'POST' })` sends) is validated as {}.
      preValidation: async function defaultEmptyBody(request) {
        // The type says a body is there (the schema requires one), but preValidation runs before the schema does.
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
        request.body ??= {};
      },
    },
    async function startCapture(request, reply) {
      const userId = requireUser(request);
      capture.start(userId);
      return reply.headers(noStore).send(capture.read(userId));
    },
  );
  app.get('/api/capture', { schema: { querystring: NoQuery, response: { 200: CaptureReply } } }, async function readCapture(request, reply) {
    return reply.headers(noStore).send(capture.read(requireUser(request)));
  });
  app.delete('/api/capture', { schema: { querystring: NoQuery } }, async function stopCapture(request, reply) {
    capture.stop(requireUser(request));
    return reply.code(204).headers(noStore).send();
  });
};

export default fp(captureRoutes, { name: 'votewire-capture', dependencies: ['votewire-context', 'votewire-session'] });
