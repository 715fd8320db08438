import { describe, expect, it } from 'vitest';
import { decodeFrame, decodeFrames } from '../../web/src/models/ws-frame.ts';

const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

/**
 * A frame laid out by hand from RFC 6455 §5.2 (the typings of `ws` do not expose its encoder). The decoder is
 * also checked on frames `ws` and Chromium really sent, in test/server/wire-capture.test.ts and the browser tests.
 */
function wsFrame(payload: Buffer, options: { mask: boolean; opcode?: number; fin?: boolean }): Uint8Array {
  const size = payload.length;
  const lengthBytes = size > 65_535 ? 8 : size > 125 ? 2 : 0;
  const header = Buffer.alloc(2 + lengthBytes + (options.mask ? 4 : 0));
  header[0] = ((options.fin ?? true) ? 0x80 : 0) | (options.opcode ?? 0x1);
  header[1] = (options.mask ? 0x80 : 0) | (lengthBytes === 8 ? 127 : lengthBytes === 2 ? 126 : size);
  if (lengthBytes === 2) header.writeUInt16BE(size, 2);
  if (lengthBytes === 8) header.writeBigUInt64BE(BigInt(size), 2);
  const body = Buffer.from(payload);
  if (options.mask) {
    MASK.copy(header, 2 + lengthBytes);
    for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ MASK[i % 4]!;
  }
  return new Uint8Array(Buffer.concat([header, body]));
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

describe('decodeFrame', () => {
  it('decodes RFC 6455 §5.7’s unmasked "Hello" (7-bit length)', () => {
    const frame = decodeFrame(new Uint8Array([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]))!;
    expect(frame).toMatchObject({ fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: 1, opcodeName: 'text', masked: false });
    expect(frame.lengthForm).toBe('7-bit');
    expect(frame.payloadLength).toBe(5);
    expect(frame.maskingKey).toBeUndefined();
    expect(text(frame.payload)).toBe('Hello');
    expect(frame.truncated).toBe(false);
    expect(frame.ranges.payload).toEqual({ start: 2, end: 7 });
  });

  it('unmasks RFC 6455 §5.7’s masked "Hello" and keeps the masked bytes as sent', () => {
    const bytes = new Uint8Array([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    const frame = decodeFrame(bytes)!;
    expect(frame.masked).toBe(true);
    expect(Array.from(frame.maskingKey!)).toEqual([0x37, 0xfa, 0x21, 0x3d]);
    expect(Array.from(frame.wirePayload)).toEqual([0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    expect(text(frame.payload)).toBe('Hello');
    expect(frame.ranges.maskingKey).toEqual({ start: 2, end: 6 });
  });

  it.each([
    { size: 125, form: '7-bit', headerBytes: 2 },
    { size: 126, form: '16-bit', headerBytes: 4 },
    { size: 65_535, form: '16-bit', headerBytes: 4 },
    { size: 65_536, form: '64-bit', headerBytes: 10 },
  ] as const)('reads the $form length of a $size-byte payload, unmasked and masked', ({ size, form, headerBytes }) => {
    const payload = Buffer.alloc(size, 'x');
    for (const mask of [false, true]) {
      const frame = decodeFrame(wsFrame(payload, { mask }))!;
      expect(frame.lengthForm).toBe(form);
      expect(frame.payloadLength).toBe(size);
      expect(frame.masked).toBe(mask);
      expect(frame.ranges.payload.start).toBe(headerBytes + (mask ? 4 : 0));
      expect(frame.ranges.extendedLength.end - frame.ranges.extendedLength.start).toBe(headerBytes - 2);
      expect(Buffer.from(frame.payload).equals(payload)).toBe(true);
      if (mask) expect(Buffer.from(frame.wirePayload).equals(payload)).toBe(false);
    }
  });

  it('marks a payload cut short by the capture as truncated, with the announced length kept', () => {
    const whole = wsFrame(Buffer.alloc(300, 'y'), { mask: true });
    const frame = decodeFrame(whole.subarray(0, 50))!;
    expect(frame.truncated).toBe(true);
    expect(frame.payloadLength).toBe(300);
    expect(text(frame.payload)).toBe('y'.repeat(50 - 8));
  });

  it('returns undefined while the header itself is incomplete', () => {
    expect(decodeFrame(new Uint8Array([0x81]))).toBeUndefined();
    expect(decodeFrame(wsFrame(Buffer.alloc(200), { mask: false }).subarray(0, 3))).toBeUndefined();
    expect(decodeFrame(new Uint8Array([0x81, 0x85, 0x37, 0xfa]))).toBeUndefined();
  });

  it('names control frames and the flag bits', () => {
    const ping = decodeFrame(new Uint8Array([0x89, 0x00]))!;
    expect(ping.opcodeName).toBe('ping');
    expect(ping.payloadLength).toBe(0);
    const continued = decodeFrame(new Uint8Array([0x72, 0x00]))!;
    expect(continued).toMatchObject({ fin: false, rsv1: true, rsv2: true, rsv3: true, opcode: 2, opcodeName: 'binary' });
    expect(decodeFrame(new Uint8Array([0x83, 0x00]))!.opcodeName).toBe('reserved');
  });
});

describe('decodeFrames', () => {
  it('splits back-to-back frames in one capture and stops at a cut one', () => {
    const bytes = Buffer.concat([wsFrame(Buffer.from('{"a":1}'), { mask: false }), wsFrame(Buffer.from('second'), { mask: true }), Buffer.from([0x81, 0x7e])]);
    const frames = decodeFrames(new Uint8Array(bytes));
    expect(frames.map((f) => text(f.payload))).toEqual(['{"a":1}', 'second']);
    expect(frames[1]!.offset).toBe(9);
  });
});
