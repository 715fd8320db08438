import { browserHeaders } from '../load/browser-headers.ts';
import type { ProtocolName, WireProbe } from '../results/types.ts';

/**
 * What one poll or one pushed event should weigh on the wire over each protocol, from the HTTP/1.1 wire
 * probes of the same run: the model the report sets beside the measured figures.
 *
 * - TLS 1.3 wraps each write in a record: 5 B header, 1 B inner content type, 16 B AEAD tag.
 * - HTTP/2 frames each carry a 9 B header: a poll is a HEADERS frame up, a HEADERS and a DATA frame down.
 * - HPACK: the first request of a session sends its headers as literals (about the HTTP/1.1 size); later
 *   ones index every field already in the table at about 1 B each. Fields whose value changes are sent as
 *   literals again: the response `date` (a new second), and `etag`/`content-length` when the ballot changed.
 */
export const TLS_RECORD_BYTES = 22;
export const H2_FRAME_HEADER_BYTES = 9;
/** An HTTP date in HPACK's Huffman code, with its indexed name: about 22 B of value and 2 of name and length. */
const HPACK_DATE_BYTES = 24;

/** Request header fields of a subscriber's poll: :method, :scheme, :authority, :path, the browser's headers and the cookie. */
const REQUEST_FIELDS = 4 + Object.keys(browserHeaders('https://127.0.0.1')).length + 1;
/** Response fields of a 200 snapshot: :status, content-type, cache-control, etag, content-length, date. */
const RESPONSE_FIELDS_200 = 6;

export interface PollModel {
  /** Both directions, one poll, the connection already warm (after the first request of a session). */
  laterBytes: number;
  /** Both directions, the first poll of a connection (HPACK table empty); the TLS handshake is not in it. */
  firstBytes: number;
  formula: string;
}

/** One poll's weight over `protocol`, from the probe of the same exchange over cleartext HTTP/1.1. */
export function pollModel(probe: WireProbe, protocol: ProtocolName): PollModel {
  const h1 = probe.requestBytes + probe.responseHeaderBytes + probe.responseBodyBytes;
  if (protocol === 'h1') return { laterBytes: h1, firstBytes: h1, formula: 'HTTP/1.1 probe: request + response head + body' };
  if (protocol === 'h1-tls') {
    return {
      laterBytes: h1 + 2 * TLS_RECORD_BYTES,
      firstBytes: h1 + 2 * TLS_RECORD_BYTES,
      formula: `HTTP/1.1 probe + ${TLS_RECORD_BYTES} B TLS record each way`,
    };
  }
  const frames = (probe.responseBodyBytes > 0 ? 3 : 2) * H2_FRAME_HEADER_BYTES;
  const later = REQUEST_FIELDS + RESPONSE_FIELDS_200 + HPACK_DATE_BYTES + probe.responseBodyBytes + frames + 2 * TLS_RECORD_BYTES;
  // The first request: every field a literal, about as long as on HTTP/1.1 (Huffman coding saves a little, pseudo-headers cost a little).
  const first = probe.requestBytes + probe.responseHeaderBytes + probe.responseBodyBytes + frames + 2 * TLS_RECORD_BYTES;
  return {
    laterBytes: later,
    firstBytes: first,
    formula: `≈1 B per indexed header field (${REQUEST_FIELDS} up, ${RESPONSE_FIELDS_200} down) + date ${HPACK_DATE_BYTES} B + body + ${H2_FRAME_HEADER_BYTES} B per frame + ${TLS_RECORD_BYTES} B TLS record each way`,
  };
}

/** One pushed event's weight (an SSE message or a WebSocket frame) over `protocol`, from its HTTP/1.1 probe. */
export function eventModel(probe: WireProbe, protocol: ProtocolName): { bytes: number; formula: string } {
  const message = probe.responseBodyBytes;
  if (protocol === 'h1') return { bytes: message, formula: 'the message as probed' };
  if (protocol === 'h1-tls') return { bytes: message + TLS_RECORD_BYTES, formula: `message + ${TLS_RECORD_BYTES} B TLS record` };
  return {
    bytes: message + H2_FRAME_HEADER_BYTES + TLS_RECORD_BYTES,
    formula: `message + ${H2_FRAME_HEADER_BYTES} B DATA frame + ${TLS_RECORD_BYTES} B TLS record`,
  };
}
