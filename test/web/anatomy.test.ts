import { describe, expect, it } from 'vitest';
import type { CapturedBytes, CapturedExchange } from '../../src/contract.ts';
import { headerValue, lastClientFrame, lastServerFrame, splitHttp, sseParts, statusOf } from '../../web/src/models/anatomy.ts';

const piece = (bytes: Buffer | string): CapturedBytes => {
  const buffer = Buffer.from(bytes);
  return { at: 0, base64: buffer.toString('base64'), total: buffer.length };
};

function exchange(
  transport: CapturedExchange['transport'],
  response: Buffer | string,
  fromServer: (Buffer | string)[] = [],
  fromClient: Buffer[] = [],
): CapturedExchange {
  return {
    id: 1,
    transport,
    startedAt: 0,
    complete: true,
    request: piece('GET / HTTP/1.1\r\n\r\n'),
    response: piece(response),
    fromServer: fromServer.map(piece),
    fromClient: fromClient.map(piece),
  };
}

describe('reading a capture', () => {
  it('splits an HTTP response at the blank line and reads its status and headers', () => {
    const message = splitHttp(new Uint8Array(Buffer.from('HTTP/1.1 304 Not Modified\r\nETag: "7"\r\n\r\n')))!;
    expect(message.headBytes).toBe(40);
    expect(message.body.length).toBe(0);
    expect(statusOf(message.head)).toBe(304);
    expect(headerValue(message.head, 'etag')).toBe('"7"');
    expect(splitHttp(new Uint8Array(Buffer.from('HTTP/1.1 200 OK\r\nContent-Le')))).toBeUndefined();
  });

  it('finds the last SSE event and heartbeat across the opening and later runs, leaving out a cut block', () => {
    const sse = exchange('sse', 'HTTP/1.1 200 OK\r\n\r\nretry: 1000\n\nid: 3\nevent: snapshot\ndata: {}\n\n', [
      'id: 4\nevent: vote\ndata: {"seq":4}\n\n',
      ': keep-alive\n\n',
      'id: 5\nevent: vote\ndata: {"se',
    ]);
    expect(sseParts(sse)).toEqual({ event: ['id: 4', 'event: vote', 'data: {"seq":4}'], heartbeat: [': keep-alive'] });
  });

  it('takes the last text frame each way, skipping pings and pongs, from frames written with the 101', () => {
    const text = (payload: string) => Buffer.concat([Buffer.from([0x81, payload.length]), Buffer.from(payload)]);
    const ws = exchange(
      'websocket',
      Buffer.concat([Buffer.from('HTTP/1.1 101 Switching Protocols\r\n\r\n'), text('{"a":1}')]),
      [Buffer.from([0x89, 0x00])],
      [Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x68, 0x69]), Buffer.from([0x8a, 0x80, 1, 2, 3, 4])],
    );
    expect(Buffer.from(lastServerFrame(ws)!.frame.payload).toString()).toBe('{"a":1}');
    expect(Buffer.from(lastClientFrame(ws)!.frame.payload).toString()).toBe('hi');
  });
});
