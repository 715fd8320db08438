import { Writable } from 'node:stream';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { deferredRequestLogger } from '../../src/http/request-logger.ts';

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  [field: string]: unknown;
}

const INFO = 30;
const WARN = 40;

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A Fastify server with a real pino logger writing JSON lines into `lines`, listening on a free port. */
async function serverLogging(lines: LogLine[], routes: (server: FastifyInstance) => void): Promise<string> {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString().split('\n')) if (text !== '') lines.push(JSON.parse(text) as LogLine);
      callback();
    },
  });
  app = Fastify({
    logger: { level: 'info', stream },
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: deferredRequestLogger,
  });
  routes(app);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  // From here on, only what the requests log.
  lines.length = 0;
  return url;
}

describe('the request logger made on first use', () => {
  it("writes each request's lines with that request's id, its fields and message, as pino's own child would", async () => {
    const lines: LogLine[] = [];
    const url = await serverLogging(lines, (server) => {
      server.get('/work', async (request) => {
        request.log.info({ step: 'start' }, 'working on %s', 'it');
        request.log.warn('plain message');
        return { id: request.id };
      });
    });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push(((await (await fetch(`${url}/work`)).json()) as { id: string }).id);

    expect(ids[0]).not.toBe(ids[1]);
    expect(lines.map(({ level, msg, reqId, step }) => ({ level, msg, reqId, step }))).toEqual([
      { level: INFO, msg: 'working on it', reqId: ids[0], step: 'start' },
      { level: WARN, msg: 'plain message', reqId: ids[0], step: undefined },
      { level: INFO, msg: 'working on it', reqId: ids[1], step: 'start' },
      { level: WARN, msg: 'plain message', reqId: ids[1], step: undefined },
    ]);
  });

  it("keeps a route's own log level: below it nothing is written, and the request's logger reports it", async () => {
    const lines: LogLine[] = [];
    const url = await serverLogging(lines, (server) => {
      server.get('/quiet', { logLevel: 'warn' }, async (request) => {
        request.log.info('not written');
        request.log.warn('written');
        return { level: request.log.level };
      });
    });
    const answer = (await (await fetch(`${url}/quiet`)).json()) as { level: string };

    expect(answer.level).toBe('warn');
    expect(lines.map((line) => line.msg)).toEqual(['written']);
  });

  it("gives a child of a request's logger both the request id and the child's own fields", async () => {
    const lines: LogLine[] = [];
    const url = await serverLogging(lines, (server) => {
      server.get('/child', async (request) => {
        request.log.child({ part: 'inner' }).error('from the child');
        return { id: request.id };
      });
    });
    const { id } = (await (await fetch(`${url}/child`)).json()) as { id: string };

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'from the child', reqId: id, part: 'inner', level: 50 });
  });
});
