import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeAccept, WEBSOCKET_GUID } from '../../web/src/models/ws-accept.ts';

describe('computeAccept', () => {
  it('turns RFC 6455’s example key into its example accept value, keeping each step', async () => {
    const steps = await computeAccept('dGhlIHNhbXBsZSBub25jZQ==');
    expect(steps.keyWithGuid).toBe('dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
    expect(steps.sha1Hex).toBe('b37a4f2cc0624f1690f64606cf385945b2bec4ea');
    expect(steps.accept).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('agrees with Node’s own SHA-1 on another key', async () => {
    const key = 'x3JJHMbDL1EzLkh9GBhXDw==';
    const expected = createHash('sha1')
      .update(key + WEBSOCKET_GUID)
      .digest('base64');
    expect((await computeAccept(key)).accept).toBe(expected);
  });
});
