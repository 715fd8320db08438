import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { expect } from 'vitest';
import { ErrorBody, type ErrorCode } from '../../src/contract.ts';

/** Asserts that `value` matches `schema` (src/contract.ts), listing every mismatch when it does not. */
export function expectToMatchSchema<S extends TSchema>(schema: S, value: unknown): asserts value is Static<S> {
  const problems = [...Value.Errors(schema, value)].map((error) => `${error.path || '/'}: ${error.message}`);
  expect(problems, `${String(schema.title)} ${JSON.stringify(value)}`).toEqual([]);
}

/** An error answer or frame body: an `ErrorBody` with exactly the keys `error` and `message`, and this code. */
export function expectErrorBody(body: unknown, code: ErrorCode): void {
  expectToMatchSchema(ErrorBody, body);
  expect(body.error).toBe(code);
  expect(Object.keys(body).sort()).toEqual(['error', 'message']);
}
