import { Type } from '@sinclair/typebox';

/**
 * A seq cursor as it arrives in a query string. Kept a string in the schema (ajv does not coerce here,
 * so that a body's `"1"` is never taken for `1`) and turned into a number by `parseCursor`.
 */
export const CursorParam = Type.String({ pattern: '^(0|[1-9][0-9]{0,14})$', description: 'a seq: a non-negative integer' });

export function parseCursor(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

/** Parses a Last-Event-ID header; anything that is not a plain seq is ignored, as if absent. */
export function parseLastEventId(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]{0,14})$/.test(value)) return undefined;
  return Number(value);
}
