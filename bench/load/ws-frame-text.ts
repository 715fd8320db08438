import type { RawData } from 'ws';

/**
 * A `ws` message as text. With the default binaryType ('nodebuffer') ws hands a message over as one
 * Buffer; its type also names the shapes of the other binary types, which are decoded too rather than
 * stringified as "[object ArrayBuffer]".
 */
export function frameText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return data instanceof ArrayBuffer ? Buffer.from(data).toString('utf8') : data.toString('utf8');
}
