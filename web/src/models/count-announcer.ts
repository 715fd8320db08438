import type { Candidate } from '../../../src/feed/types.ts';

/** At 20 votes a second, a screen reader that spoke every change would never stop: one summary per this long, at most. */
export const ANNOUNCE_EVERY_MS = 5000;

/**
 * What the page's polite live region says: a summary of the counts, only when they changed, and at most
 * once every `everyMs`. Changes inside that time are not dropped: the next summary (due at the end of
 * the quiet time) carries them. The counts the page opens with are not announced; they are on screen.
 */
export class CountAnnouncer {
  readonly #everyMs: number;
  #announced: string | undefined;
  #lastAt = Number.NEGATIVE_INFINITY;

  constructor(everyMs = ANNOUNCE_EVERY_MS) {
    this.#everyMs = everyMs;
  }

  /** Call as often as you like (every frame); returns the sentence to announce now, or undefined. */
  next(candidates: readonly Candidate[], now: number): string | undefined {
    if (candidates.length === 0) return undefined;
    const summary = `Votes: ${candidates.map((c) => `${c.name} ${c.count}`).join(', ')}.`;
    if (this.#announced === undefined) {
      this.#announced = summary;
      return undefined;
    }
    if (summary === this.#announced || now - this.#lastAt < this.#everyMs) return undefined;
    this.#announced = summary;
    this.#lastAt = now;
    return summary;
  }
}
