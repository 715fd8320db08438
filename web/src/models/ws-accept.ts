/**
 * The WebSocket opening handshake's accept key (RFC 6455 §4.2.2), step by step so the Anatomy tab can show
 * each intermediate value: the client's Sec-WebSocket-Key, the key with the GUID appended, its SHA-1 and
 * that digest in base64, which the server must send back as Sec-WebSocket-Accept. SHA-1 comes from Web
 * Crypto (`crypto.subtle`), which browsers and Node both have; browsers offer it only in a secure context
 * (https, or http on localhost/127.0.0.1), so a caller on a plain-http LAN address gets an error.
 */

/** The fixed GUID of RFC 6455 §1.3. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface AcceptSteps {
  readonly key: string;
  readonly keyWithGuid: string;
  /** The 20-byte SHA-1 digest of keyWithGuid, as 40 lowercase hex digits. */
  readonly sha1Hex: string;
  /** The digest in base64: the Sec-WebSocket-Accept value. */
  readonly accept: string;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** Computes Sec-WebSocket-Accept from Sec-WebSocket-Key, keeping every step. */
export async function computeAccept(key: string): Promise<AcceptSteps> {
  // Missing outside a secure context, whatever the type says.
  const subtle = globalThis.crypto.subtle as typeof globalThis.crypto.subtle | undefined;
  if (subtle === undefined) throw new Error('Web Crypto (crypto.subtle) is only offered in a secure context: open the page over https or on localhost');
  const keyWithGuid = key + WEBSOCKET_GUID;
  const digest = new Uint8Array(await subtle.digest('SHA-1', new TextEncoder().encode(keyWithGuid)));
  return { key, keyWithGuid, sha1Hex: hex(digest), accept: base64(digest) };
}
