import sjson from 'secure-json-parse';
import type { RawData } from 'ws';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { VoteFrame, type ErrorCode, type ErrorFrame } from '../contract.ts';

/** Close codes this server uses, beside the standard ones ws sends itself (1009 too big). */
export const CloseCode = {
  GOING_AWAY: 1001,
  UNSUPPORTED_DATA: 1003,
  TOO_SLOW: 4008,
} as const;

const checkVoteFrame = TypeCompiler.Compile(VoteFrame);

export function errorFrame(error: ErrorCode, message: string): string {
  const frame: ErrorFrame = { type: 'error', error, message };
  return JSON.stringify(frame);
}

/**
 * Parses a client's text frame into a vote, or says what is wrong with it in the shape of an
 * error frame. Keys like `__proto__` are refused rather than silently dropped.
 */
export function parseClientFrame(text: string): { ok: true; vote: VoteFrame } | { ok: false; error: ErrorCode; message: string } {
  let value: unknown;
  try {
    // Stryker disable next-line ObjectLiteral: these are secure-json-parse's defaults, spelled out so no upgrade can loosen them
    value = sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    return { ok: false, error: 'invalid_json', message: `The frame is not valid JSON: ${(error as Error).message}` };
  }
  if (!checkVoteFrame.Check(value)) {
    const first = checkVoteFrame.Errors(value).First();
    // Stryker disable next-line StringLiteral: TypeBox names at least one error for a value its Check refuses, so first is never undefined
    const where = first === undefined ? '' : ` (${first.path || '/'}: ${first.message})`;
    return { ok: false, error: 'invalid_frame', message: `Expected {"type":"vote","candidateId":string,"voteId"?:string}${where}` };
  }
  return { ok: true, vote: value };
}

/**
 * A `ws` message as text. With the default binaryType ('nodebuffer') ws hands a message over as one
 * Buffer; its type also names the shapes of the other binary types, which are decoded too rather than
 * stringified as "[object ArrayBuffer]".
 */
export function frameText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return data instanceof ArrayBuffer ? Buffer.from(data).toString('utf8') : data.toString('utf8');
}
