/**
 * RFC 6455 §5.2 frame decoding, field by field, for the Anatomy tab: every field keeps the byte range it
 * came from, so the page can colour and label the same bytes in the hex dump. Pure (no DOM, no Node): the
 * page and the unit tests import it alike. Captures hold only the first bytes of a frame, so a frame may
 * end early: its payload is then `truncated`, and the length field still says how long it was on the wire.
 */

/** The opcodes of RFC 6455 §5.2; any other value is reserved. */
const OPCODE_NAMES: Readonly<Record<number, string>> = {
  0x0: 'continuation',
  0x1: 'text',
  0x2: 'binary',
  0x8: 'close',
  0x9: 'ping',
  0xa: 'pong',
};

/** Which encoding the payload length used: 7 bits in byte 1, or 126/127 and a 16- or 64-bit number after it. */
export type LengthForm = '7-bit' | '16-bit' | '64-bit';

/** A run of bytes [start, end) of the decoded buffer. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export interface DecodedFrame {
  /** Where this frame starts in the buffer it was decoded from. */
  readonly offset: number;
  readonly fin: boolean;
  readonly rsv1: boolean;
  readonly rsv2: boolean;
  readonly rsv3: boolean;
  readonly opcode: number;
  /** `text`, `close`, … or `reserved`. */
  readonly opcodeName: string;
  readonly masked: boolean;
  readonly lengthForm: LengthForm;
  /** The payload length the header announces (what crossed the wire, even when the capture kept less). */
  readonly payloadLength: number;
  readonly maskingKey: Uint8Array | undefined;
  /** The payload bytes as they were on the wire (masked, for a client frame); as many as the buffer held. */
  readonly wirePayload: Uint8Array;
  /** The payload after XOR with the masking key (the same bytes when there is no mask). */
  readonly payload: Uint8Array;
  /** The buffer ended before the payload did. */
  readonly truncated: boolean;
  /** Byte ranges of each field in the decoded buffer, for the hex dump. */
  readonly ranges: {
    /** Byte 0: FIN, RSV1–3, opcode. */
    readonly flags: ByteRange;
    /** Byte 1: MASK and the 7-bit length (or 126/127). */
    readonly maskAndLength: ByteRange;
    /** The 16- or 64-bit extended length; empty for the 7-bit form. */
    readonly extendedLength: ByteRange;
    /** The 4-byte masking key; empty without a mask. */
    readonly maskingKey: ByteRange;
    readonly payload: ByteRange;
  };
}

/** XORs `bytes` with the 4-byte key, as RFC 6455 §5.3 masks and unmasks (the same operation both ways). */
export function applyMask(bytes: Uint8Array, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]! ^ key[i % 4]!;
  return out;
}

/**
 * Decodes the frame at `offset`, or returns undefined when the buffer ends inside its header (the header
 * itself is never guessed). A payload cut short by the buffer's end is returned with `truncated` set.
 */
export function decodeFrame(bytes: Uint8Array, offset = 0): DecodedFrame | undefined {
  if (bytes.length - offset < 2) return undefined;
  const b0 = bytes[offset]!;
  const b1 = bytes[offset + 1]!;
  const masked = (b1 & 0x80) !== 0;
  const length7 = b1 & 0x7f;
  let cursor = offset + 2;
  let lengthForm: LengthForm = '7-bit';
  let payloadLength = length7;
  if (length7 === 126) {
    if (bytes.length < cursor + 2) return undefined;
    lengthForm = '16-bit';
    payloadLength = (bytes[cursor]! << 8) | bytes[cursor + 1]!;
    cursor += 2;
  } else if (length7 === 127) {
    if (bytes.length < cursor + 8) return undefined;
    lengthForm = '64-bit';
    // A 64-bit big-endian number; the most significant bit must be 0 (§5.2). Lengths past 2^53 are not
    // exact as a JS number, and no frame this server accepts comes near that.
    let length = 0;
    for (let i = 0; i < 8; i++) length = length * 256 + bytes[cursor + i]!;
    payloadLength = length;
    cursor += 8;
  }
  const extendedLength = { start: offset + 2, end: cursor };
  let maskingKey: Uint8Array | undefined;
  const keyStart = cursor;
  if (masked) {
    if (bytes.length < cursor + 4) return undefined;
    maskingKey = bytes.slice(cursor, cursor + 4);
    cursor += 4;
  }
  const payloadEnd = Math.min(bytes.length, cursor + payloadLength);
  const wirePayload = bytes.slice(cursor, payloadEnd);
  return {
    offset,
    fin: (b0 & 0x80) !== 0,
    rsv1: (b0 & 0x40) !== 0,
    rsv2: (b0 & 0x20) !== 0,
    rsv3: (b0 & 0x10) !== 0,
    opcode: b0 & 0x0f,
    opcodeName: OPCODE_NAMES[b0 & 0x0f] ?? 'reserved',
    masked,
    lengthForm,
    payloadLength,
    maskingKey,
    wirePayload,
    payload: maskingKey === undefined ? wirePayload : applyMask(wirePayload, maskingKey),
    truncated: payloadEnd - cursor < payloadLength,
    ranges: {
      flags: { start: offset, end: offset + 1 },
      maskAndLength: { start: offset + 1, end: offset + 2 },
      extendedLength,
      maskingKey: { start: keyStart, end: cursor },
      payload: { start: cursor, end: payloadEnd },
    },
  };
}

/** Every frame in a run of captured bytes, in order; stops at the first one whose header is incomplete or whose payload was cut. */
export function decodeFrames(bytes: Uint8Array): DecodedFrame[] {
  const frames: DecodedFrame[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const frame = decodeFrame(bytes, offset);
    if (frame === undefined) break;
    frames.push(frame);
    if (frame.truncated) break;
    offset = frame.ranges.payload.end;
  }
  return frames;
}
