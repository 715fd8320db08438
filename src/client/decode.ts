import type { Static, TSchema } from '@sinclair/typebox';
import { Check } from '@sinclair/typebox/value';

/** How much of a bad answer a ProtocolError quotes. */
const EXCERPT_CHARS = 120;

/**
 * An answer or a frame from the server that breaks the contract (src/contract.ts): not JSON, or JSON of
 * another shape. A client reports it (`onProtocolError`, and its status detail) and reconnects from the
 * cursor it holds; nothing of it reaches the handlers.
 */
export class ProtocolError extends Error {
  /** Where it came from, as the wire log names it: "GET /api/ballot", "ws frame", "sse event (vote)". */
  readonly source: string;
  /** The title of the schema it failed, e.g. "Snapshot". */
  readonly expected: string;
  /** What is wrong: "not JSON (...)", or the start of the JSON that does not match. */
  readonly problem: string;

  constructor(source: string, expected: string, problem: string) {
    super(`${source}: not a ${expected}: ${problem}`);
    this.name = 'ProtocolError';
    this.source = source;
    this.expected = expected;
    this.problem = problem;
  }
}

/**
 * Parses `data` as JSON and checks it against `schema`: the value, typed by the schema, or the
 * ProtocolError that says what is wrong. TypeBox's `Check` interprets the schema: no code generation, so no
 * `new Function` for a page's Content-Security-Policy to refuse, and a small bundle. (TypeBox's `Errors`
 * would name the failing property, but it would also add half again the demo's bundle; the error quotes
 * the start of the answer instead.)
 */
export function decodeJson<S extends TSchema>(schema: S, data: unknown, source: string): Static<S> | ProtocolError {
  const expected = typeof schema.title === 'string' ? schema.title : 'valid answer';
  if (typeof data !== 'string') return new ProtocolError(source, expected, 'not text');
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (error) {
    return new ProtocolError(source, expected, `not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (Check(schema, value)) return value;
  const excerpt = data.length > EXCERPT_CHARS ? `${data.slice(0, EXCERPT_CHARS)}...` : data;
  return new ProtocolError(source, expected, `got ${excerpt}`);
}
