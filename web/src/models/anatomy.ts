/**
 * Reading a wire capture (GET /api/capture) for the Anatomy tab: which exchange to show, where an HTTP
 * head ends, which frames and SSE events the captured runs hold. Pure, like the frame decoder it uses.
 */
import type { CaptureReply, CapturedBytes, CapturedExchange, CapturedTransport } from '../../../src/contract.ts';
import { decodeFrames, type DecodedFrame } from './ws-frame.ts';

export function bytesOf(piece: CapturedBytes): Uint8Array {
  return Uint8Array.from(atob(piece.base64), (c) => c.charCodeAt(0));
}

/** Bytes as text one byte per character (what a head is), or as UTF-8 (a body, a payload). */
export function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}
export function utf8(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

export interface HttpMessage {
  /** Status line and headers, up to and with the blank line. */
  readonly head: string;
  readonly headBytes: number;
  /** The kept bytes after the head. */
  readonly body: Uint8Array;
}

/** Splits captured HTTP bytes at the blank line; undefined when the head was not all kept. */
export function splitHttp(bytes: Uint8Array): HttpMessage | undefined {
  for (let i = 3; i < bytes.length; i++) {
    if (bytes[i - 3] === 13 && bytes[i - 2] === 10 && bytes[i - 1] === 13 && bytes[i] === 10) {
      return { head: latin1(bytes.subarray(0, i + 1)), headBytes: i + 1, body: bytes.subarray(i + 1) };
    }
  }
  return undefined;
}

export function statusOf(head: string): number | undefined {
  const match = /^HTTP\/1\.[01] ([0-9]{3})/.exec(head);
  return match === null ? undefined : Number(match[1]);
}

export function headerValue(head: string, name: string): string | undefined {
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === name.toLowerCase()) return line.slice(colon + 1).trim();
  }
  return undefined;
}

/** The newest exchange of a transport; for polling kinds, the newest whose response was written in full. */
export function latestExchange(reply: CaptureReply | undefined, transport: CapturedTransport): CapturedExchange | undefined {
  return reply?.exchanges.find((e) => e.transport === transport && e.complete);
}

/** The runs a stream's server side wrote, in order: what followed the head in the opening, then the later runs. */
function serverRuns(exchange: CapturedExchange): Uint8Array[] {
  const opening = splitHttp(bytesOf(exchange.response));
  return [opening?.body ?? new Uint8Array(), ...exchange.fromServer.map(bytesOf)];
}

export interface FrameInRun {
  readonly frame: DecodedFrame;
  /** The captured run the frame was decoded from (its byte ranges point into it). */
  readonly run: Uint8Array;
}

function lastTextFrame(runs: Uint8Array[]): FrameInRun | undefined {
  let last: FrameInRun | undefined;
  for (const run of runs) for (const frame of decodeFrames(run)) if (frame.opcodeName === 'text') last = { frame, run };
  return last;
}

/** The last text frame the server sent on this WebSocket (pings are skipped). */
export function lastServerFrame(exchange: CapturedExchange): FrameInRun | undefined {
  return lastTextFrame(serverRuns(exchange));
}

/** The last text frame the client sent (its votes; pongs are skipped). */
export function lastClientFrame(exchange: CapturedExchange): FrameInRun | undefined {
  return lastTextFrame(exchange.fromClient.map(bytesOf));
}

/** One SSE message: its lines as sent (without the newline), the blank line that ends it not included. */
export type SseBlock = readonly string[];

export interface SseParts {
  /** The last block with a `data:` line. */
  readonly event: SseBlock | undefined;
  /** The last block of comment lines only (`: keep-alive`). */
  readonly heartbeat: SseBlock | undefined;
}

/** The last event and the last heartbeat among the stream's captured runs (a cut-off last block is left out). */
export function sseParts(exchange: CapturedExchange): SseParts {
  let event: SseBlock | undefined;
  let heartbeat: SseBlock | undefined;
  for (const run of serverRuns(exchange)) {
    const blocks = utf8(run).split('\n\n');
    // What follows the last blank line is an unfinished (or cut) message.
    for (const block of blocks.slice(0, -1)) {
      const lines = block.split('\n');
      if (lines.some((line) => line.startsWith('data:'))) event = lines;
      else if (lines.every((line) => line.startsWith(':'))) heartbeat = lines;
    }
  }
  return { event, heartbeat };
}
