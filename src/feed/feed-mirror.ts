import { Tally } from './ballot.ts';
import { now } from './clock.ts';
import { EventLog } from './event-log.ts';
import type { FeedListener, FeedResetListener, Resume } from './feed.ts';
import type { CandidateInfo, FeedEntry, Snapshot } from './types.ts';

/** Counts, head and recent log as loaded from a shared store. */
export interface MirrorState {
  counts: Record<string, number | string>;
  entries: readonly FeedEntry[];
  head: number;
}

/**
 * The local copy of a feed that every implementation keeps: the tally, the bounded log, the head
 * seq and the listeners. It answers the Feed's synchronous reads; `apply` is the only way forward, so
 * every listener sees every entry once and in order. The memory feed applies its own votes; the Redis
 * feed applies what its follower reads from the shared stream.
 */
export class FeedMirror {
  readonly #candidates: readonly CandidateInfo[];
  readonly #logSize: number;
  readonly #listeners = new Set<FeedListener>();
  readonly #resetListeners = new Set<FeedResetListener>();
  readonly #onListenerError: (error: unknown, entry: FeedEntry | Snapshot) => void;
  #tally: Tally;
  #log: EventLog;
  #head = 0;
  #snapshotCache: Snapshot | undefined;

  /**
   * @param logSize recent entries kept for resuming clients
   * @param onListenerError told when a listener throws (the others still get the entry or the snapshot)
   */
  constructor(candidates: readonly CandidateInfo[], logSize: number, onListenerError: (error: unknown, delivery: FeedEntry | Snapshot) => void) {
    this.#candidates = candidates;
    this.#logSize = logSize;
    this.#onListenerError = onListenerError;
    this.#tally = new Tally(candidates);
    this.#log = new EventLog(logSize);
  }

  get head(): number {
    return this.#head;
  }

  has(candidateId: string): boolean {
    return this.#tally.has(candidateId);
  }

  count(candidateId: string): number {
    return this.#tally.get(candidateId);
  }

  snapshot(): Snapshot {
    // One snapshot object per seq: pollers of an unchanged ballot share it.
    if (this.#snapshotCache?.seq !== this.#head) {
      this.#snapshotCache = { type: 'snapshot', seq: this.#head, candidates: this.#tally.candidates(), at: now() };
    }
    return this.#snapshotCache;
  }

  resume(since: number): Resume {
    if (since <= this.#head) {
      const entries = this.#log.after(since, this.#head);
      if (entries !== undefined) return { kind: 'events', entries };
    }
    return { kind: 'snapshot', snapshot: this.snapshot() };
  }

  /** The retained entry of `seq` (the very object the listeners got), if the log still holds it. */
  entryAt(seq: number): FeedEntry | undefined {
    return this.#log.after(seq - 1, this.#head)?.[0];
  }

  subscribe(listener: FeedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onReset(listener: FeedResetListener): () => void {
    this.#resetListeners.add(listener);
    return () => this.#resetListeners.delete(listener);
  }

  clearListeners(): void {
    this.#listeners.clear();
    this.#resetListeners.clear();
  }

  /** Moves the mirror one entry forward and tells every listener. */
  apply(entry: FeedEntry): void {
    const { event } = entry;
    this.#tally.set(event.candidateId, event.count);
    this.#log.append(entry);
    this.#head = event.seq;
    for (const listener of this.#listeners) {
      try {
        listener(entry);
      } catch (error) {
        // One transport's failure must not keep the event from the others; the vote itself stands.
        this.#onListenerError(error, entry);
      }
    }
  }

  /**
   * Replaces everything by a state loaded from a shared store. The listeners stay, and the reset
   * listeners are told with the new snapshot: whatever they handed out before belongs to the old history.
   */
  load(state: MirrorState): void {
    this.#tally = new Tally(this.#candidates);
    for (const [candidateId, count] of Object.entries(state.counts)) this.#tally.set(candidateId, Number(count));
    this.#log = new EventLog(this.#logSize);
    for (const entry of state.entries) this.#log.append(entry);
    this.#head = state.head;
    this.#snapshotCache = undefined;
    if (this.#resetListeners.size === 0) return;
    const snapshot = this.snapshot();
    for (const listener of this.#resetListeners) {
      try {
        listener(snapshot);
      } catch (error) {
        this.#onListenerError(error, snapshot);
      }
    }
  }
}
