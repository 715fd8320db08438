import type { FeedEntry } from './types.ts';

/**
 * A bounded, seq-ordered log of the most recent feed entries (a ring buffer).
 * It answers "what happened after seq N?" for clients that resume, or says they are too far behind.
 */
export class EventLog {
  readonly #capacity: number;
  readonly #ring: (FeedEntry | undefined)[];
  #start = 0; // index of the oldest entry
  #size = 0;

  /** @param capacity how many entries are kept @default 1000 */
  constructor(capacity = 1000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('log capacity must be a positive integer');
    this.#capacity = capacity;
    // Stryker disable next-line ArrayDeclaration: slots fill in order from 0 until full, so an empty array grows to the same one; only preallocation differs
    this.#ring = new Array<FeedEntry | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** seq of the oldest retained entry, or undefined when empty. */
  get oldestSeq(): number | undefined {
    // Stryker disable next-line ConditionalExpression: the log never shrinks, so while it is empty ring[start] was never set and `?.` gives undefined too
    return this.#size === 0 ? undefined : this.#ring[this.#start]?.event.seq;
  }

  /** seq of the newest retained entry, or undefined when empty. */
  get newestSeq(): number | undefined {
    return this.#size === 0 ? undefined : this.#at(this.#size - 1).event.seq;
  }

  /** Appends an entry; seqs must be strictly increasing. The oldest entry falls off when full. */
  append(entry: FeedEntry): void {
    const newest = this.newestSeq;
    if (newest !== undefined && entry.event.seq <= newest) {
      throw new RangeError(`seq ${entry.event.seq} does not follow ${newest}`);
    }
    if (this.#size < this.#capacity) {
      this.#ring[(this.#start + this.#size) % this.#capacity] = entry;
      this.#size++;
    } else {
      this.#ring[this.#start] = entry;
      this.#start = (this.#start + 1) % this.#capacity;
    }
  }

  /**
   * Entries with seq > `since`, oldest first, when the log still holds all of them;
   * `undefined` when some were already dropped (the caller must fall back to a snapshot).
   * `head` is the feed's latest seq: entries in the log are contiguous up to it.
   */
  after(since: number, head: number): FeedEntry[] | undefined {
    if (since >= head) return [];
    const oldest = this.oldestSeq;
    if (oldest === undefined || since < oldest - 1) return undefined;
    const out: FeedEntry[] = [];
    // Seqs are contiguous in one feed, so the first wanted entry is found by offset, not by search.
    let index = since - oldest + 1;
    for (; index < this.#size; index++) out.push(this.#at(index));
    return out;
  }

  #at(offset: number): FeedEntry {
    const entry = this.#ring[(this.#start + offset) % this.#capacity];
    if (entry === undefined) throw new RangeError(`no entry at offset ${offset}`);
    return entry;
  }
}
