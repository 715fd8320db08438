import type { Candidate, CandidateInfo } from './types.ts';

/** The ballot used when `CANDIDATES` is not set. */
export const DEFAULT_CANDIDATES: readonly CandidateInfo[] = Object.freeze([
  { id: 'polling', name: 'Polling' },
  { id: 'long-polling', name: 'Long polling' },
  { id: 'push', name: 'Push (WebSocket / SSE)' },
]);

const CANDIDATE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Checks a candidate list read from configuration and returns a frozen copy.
 * Throws with a message that names the offending entry: a bad ballot must stop startup, not a vote.
 */
export function validateCandidates(input: unknown): readonly CandidateInfo[] {
  if (!Array.isArray(input) || input.length === 0) {
    throw new Error('CANDIDATES must be a non-empty JSON array of {id, name}');
  }
  const seen = new Set<string>();
  const list = input.map((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null) {
      throw new Error(`CANDIDATES[${index}] must be an object {id, name}`);
    }
    const { id, name } = entry as Record<string, unknown>;
    if (typeof id !== 'string' || !CANDIDATE_ID.test(id)) {
      throw new Error(`CANDIDATES[${index}].id must be 1-64 characters of [A-Za-z0-9_-]`);
    }
    if (typeof name !== 'string' || name.length === 0 || name.length > 80) {
      throw new Error(`CANDIDATES[${index}].name must be a string of 1-80 characters`);
    }
    if (seen.has(id)) throw new Error(`CANDIDATES has the id "${id}" twice`);
    seen.add(id);
    return Object.freeze({ id, name });
  });
  return Object.freeze(list);
}

/** Vote counts per candidate, in ballot order. */
export class Tally {
  readonly #order: readonly CandidateInfo[];
  readonly #counts = new Map<string, number>();

  constructor(candidates: readonly CandidateInfo[]) {
    this.#order = candidates;
    for (const c of candidates) this.#counts.set(c.id, 0);
  }

  has(candidateId: string): boolean {
    return this.#counts.has(candidateId);
  }

  get(candidateId: string): number {
    return this.#counts.get(candidateId) ?? 0;
  }

  set(candidateId: string, count: number): void {
    if (this.#counts.has(candidateId)) this.#counts.set(candidateId, count);
  }

  candidates(): Candidate[] {
    return this.#order.map((c) => ({ id: c.id, name: c.name, count: this.get(c.id) }));
  }
}
