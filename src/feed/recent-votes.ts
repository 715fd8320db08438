import { performance } from 'node:perf_hooks';
import type { FeedEntry } from './types.ts';

/**
 * The one spelling of "this user's voteId", for the memory feed's map and the Redis feed's key alike.
 * User ids are escaped so that the first ':' always ends them: no (user, voteId) pair can pose as another.
 */
export function voteIdKey(userId: string, voteId: string): string {
  return `${encodeURIComponent(userId)}:${voteId}`;
}

interface Remembered {
  entry: FeedEntry;
  /** performance.now() after which the voteId is forgotten. */
  expiresAt: number;
}

/**
 * The memory feed's idempotency window: the entries of recent votes by (user, voteId), each kept for
 * `windowMs`, and never more than `capacity` of them (the oldest go first). One window for every vote
 * means insertion order is expiry order, so forgetting is a walk from the front of the Map, never a scan.
 */
export class RecentVotes {
  readonly #windowMs: number;
  readonly #capacity: number;
  readonly #byKey = new Map<string, Remembered>();

  constructor(windowMs: number, capacity: number) {
    if (!(windowMs > 0) || !Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError('RecentVotes needs windowMs > 0 and a positive integer capacity');
    }
    this.#windowMs = windowMs;
    this.#capacity = capacity;
  }

  /** The entry of this user's earlier vote with this voteId, while it is remembered. */
  find(userId: string, voteId: string): FeedEntry | undefined {
    this.#forgetExpired(performance.now());
    return this.#byKey.get(voteIdKey(userId, voteId))?.entry;
  }

  remember(userId: string, voteId: string, entry: FeedEntry): void {
    const at = performance.now();
    // Stryker disable next-line CallExpression: find() forgets the expired ones before every lookup, and eviction takes the oldest (an expired one first), so one lingering here is never seen
    this.#forgetExpired(at);
    const key = voteIdKey(userId, voteId);
    // To the back: the map's order is its expiry order, which #forgetExpired stops at the first unexpired entry of.
    this.#byKey.delete(key);
    if (this.#byKey.size >= this.#capacity) this.#byKey.delete(this.#byKey.keys().next().value!);
    this.#byKey.set(key, { entry, expiresAt: at + this.#windowMs });
  }

  #forgetExpired(at: number): void {
    for (const [key, remembered] of this.#byKey) {
      if (remembered.expiresAt > at) return;
      this.#byKey.delete(key);
    }
  }
}
