import { describe, expect, it } from 'vitest';
import { errorFrame, frameText, parseClientFrame } from '../../src/transports/ws-frames.ts';

describe('parseClientFrame', () => {
  it('takes a vote frame, with or without a voteId', () => {
    expect(parseClientFrame('{"type":"vote","candidateId":"push"}')).toEqual({ ok: true, vote: { type: 'vote', candidateId: 'push' } });
    expect(parseClientFrame('{"type":"vote","candidateId":"push","voteId":"v1"}')).toEqual({
      ok: true,
      vote: { type: 'vote', candidateId: 'push', voteId: 'v1' },
    });
  });

  it('says where a frame breaks the contract: the field at fault, or "/" for the frame itself', () => {
    expect(parseClientFrame('{"type":"vote","candidateId":42}')).toEqual({
      ok: false,
      error: 'invalid_frame',
      message: 'Expected {"type":"vote","candidateId":string,"voteId"?:string} (/candidateId: Expected string)',
    });
    const notAnObject = parseClientFrame('42');
    expect(notAnObject).toMatchObject({ ok: false, error: 'invalid_frame' });
    expect(!notAnObject.ok && notAnObject.message).toMatch(/ \(\/: Expected object\)$/);
  });

  it('says why a frame is not JSON, and refuses a __proto__ or constructor.prototype key as not JSON it accepts', () => {
    const bad = parseClientFrame('{"type":');
    expect(bad).toMatchObject({ ok: false, error: 'invalid_json' });
    expect(!bad.ok && bad.message).toMatch(/^The frame is not valid JSON: ./);
    expect(parseClientFrame('{"type":"vote","candidateId":"push","__proto__":{}}')).toMatchObject({ ok: false, error: 'invalid_json' });
    expect(parseClientFrame('{"type":"vote","candidateId":"push","constructor":{"prototype":{}}}')).toMatchObject({ ok: false, error: 'invalid_json' });
  });
});

describe('errorFrame', () => {
  it('is the ErrorFrame of the contract as JSON', () => {
    expect(JSON.parse(errorFrame('rate_limited', 'slow down'))).toEqual({ type: 'error', error: 'rate_limited', message: 'slow down' });
  });
});

describe('frameText', () => {
  it('reads a message as UTF-8 text in each shape ws hands it over: a Buffer, fragments, an ArrayBuffer', () => {
    const text = '{"type":"vote","candidateId":"péché"}';
    const bytes = Buffer.from(text, 'utf8');
    expect(frameText(bytes)).toBe(text);
    expect(frameText([bytes.subarray(0, 30), bytes.subarray(30)])).toBe(text);
    const copy = new ArrayBuffer(bytes.length);
    new Uint8Array(copy).set(bytes);
    expect(frameText(copy)).toBe(text);
  });
});
