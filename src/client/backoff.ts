import type { BackoffOptions } from './types.ts';

/**
 * Exponential backoff with "equal jitter": attempt n waits between half and all of
 * min(max, initial * factor^(n-1)). The jitter spreads the reconnects of many clients after a server
 * restart (no thundering herd); the half that is never jittered away keeps a dead server from being
 * hammered by an unlucky run of tiny delays.
 */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? 250;
    this.#maxMs = options.maxMs ?? 10_000;
    this.#factor = options.factor ?? 2;
    this.#random = options.random ?? Math.random;
    if (!(this.#initialMs > 0) || !(this.#maxMs >= this.#initialMs) || !(this.#factor >= 1)) {
      throw new RangeError('Backoff needs initialMs > 0, maxMs >= initialMs and factor >= 1');
    }
  }

  /** How many delays were handed out since the last success. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt, in ms; each call counts as one more failed attempt. */
  next(): number {
    this.#attempt += 1;
    const ceiling = Math.min(this.#maxMs, this.#initialMs * this.#factor ** (this.#attempt - 1));
    return ceiling / 2 + this.#random() * (ceiling / 2);
  }

  /** Call after a success: the next failure starts from the initial delay again. */
  reset(): void {
    this.#attempt = 0;
  }
}
