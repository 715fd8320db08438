import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exchangeText } from '../../bench/load/text-exchange.ts';

/** The requests the server has taken and not answered yet (a parked long poll, say). */
const held: ServerResponse[] = [];
let server: Server;
let origin: string;
let agent: Agent;

function answer(request: IncomingMessage, response: ServerResponse): void {
  if (request.url === '/held') {
    held.push(response);
    return;
  }
  if (request.url === '/chunked') {
    // Three writes with a turn of the event loop between them: the client reads the body in pieces.
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write('{"events":[');
    setImmediate(() => {
      response.write('"é",'.repeat(20_000));
      setImmediate(() => response.end('"last"]}'));
    });
    return;
  }
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (chunk: string) => (body += chunk));
  request.on('end', () => {
    response.writeHead(request.url === '/empty' ? 204 : 201, { 'x-method': request.method ?? '' });
    response.end(request.url === '/empty' ? undefined : `${request.method} ${request.headers.cookie ?? ''} ${body}`);
  });
}

beforeAll(async () => {
  server = createServer(answer).listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  for (const response of held.splice(0)) response.destroy();
  await agent.close();
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

function newAgent(): Agent {
  agent = new Agent({ connections: 1, pipelining: 1 });
  return agent;
}

describe('exchangeText, the bench pollers’ HTTP exchange', () => {
  it('reads the status and the whole body as text, however many pieces it arrives in', async () => {
    const { status, text } = await exchangeText(newAgent(), { origin, path: '/chunked', method: 'GET' }, null);
    expect(status).toBe(200);
    expect(text).toBe(`{"events":[${'"é",'.repeat(20_000)}"last"]}`);
  });

  it('sends the method, headers and body it is given, and reads an answer without a body as ""', async () => {
    const dispatcher = newAgent();
    const posted = await exchangeText(dispatcher, { origin, path: '/echo', method: 'POST', headers: { cookie: 'sid=abc' }, body: '{"a":1}' }, null);
    expect(posted).toEqual({ status: 201, text: 'POST sid=abc {"a":1}' });
    expect(await exchangeText(dispatcher, { origin, path: '/empty', method: 'GET' }, null)).toEqual({ status: 204, text: '' });
  });

  it('rejects with an AbortError when its signal aborts while the server holds the request, and frees the connection for the next', async () => {
    const dispatcher = newAgent();
    const abort = new AbortController();
    const parked = exchangeText(dispatcher, { origin, path: '/held', method: 'GET' }, abort.signal);
    await expect.poll(() => held.length).toBe(1);
    abort.abort();
    await expect(parked).rejects.toMatchObject({ name: 'AbortError' });
    // One connection per agent: the next exchange gets an answer only if the aborted one let go of it.
    expect(await exchangeText(dispatcher, { origin, path: '/empty', method: 'GET' }, null)).toEqual({ status: 204, text: '' });
  });

  it('rejects with an AbortError, sending nothing, when its signal aborted before it started', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(exchangeText(newAgent(), { origin, path: '/held', method: 'GET' }, abort.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(held).toHaveLength(0);
  });

  it('rejects with the network error when the server is not there', async () => {
    const closed = createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(exchangeText(newAgent(), { origin: `http://127.0.0.1:${port}`, path: '/', method: 'GET' }, null)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });
});
