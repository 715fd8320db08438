/**
 * One run of bytes seen at a socket, of which only the first `limit` are kept: the capture's unit. Its
 * `total` still counts every byte that crossed, so sizes stay true when the kept bytes were cut.
 */
export class CapturedBytes {
  readonly at = Date.now();
  readonly #limit: number;
  readonly #parts: Buffer[] = [];
  /** Bytes kept (at most the limit). */
  kept = 0;
  /** Bytes that crossed the socket, kept or not. */
  total = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  append(bytes: Buffer): void {
    this.total += bytes.length;
    const room = this.#limit - this.kept;
    if (room <= 0) return;
    // A copy: the caller's buffer may be reused or shared by every subscriber of a broadcast.
    const part = Buffer.from(bytes.subarray(0, room));
    this.#parts.push(part);
    this.kept += part.length;
  }

  bytes(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

/** The bytes of whatever `socket.write` was handed: a Buffer, a typed array, or a string in an encoding. */
export function bytesOfWrite(data: unknown, encoding: unknown): Buffer | undefined {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === 'string') return Buffer.from(data, typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8');
  return undefined;
}
