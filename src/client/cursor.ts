import type { Candidate, Snapshot, VoteEvent } from '../feed/types.ts';
import type { SnapshotReason } from './types.ts';

/** The proof that nothing was lost or shown twice. All stay at zero in normal use. */
export interface IntegrityCounters {
  /** Times an event arrived with seq > cursor + 1. */
  gaps: number;
  /** Events skipped over by those gaps, summed. */
  missedEvents: number;
  /** Events that arrived with seq <= cursor (already held). */
  duplicates: number;
  /** Snapshots that replaced the state of a client that already held a cursor (polling excepted). */
  resyncs: number;
}

/** What applying one delivery did. */
export type Applied =
  | { kind: 'baseline'; seq: number }
  | { kind: 'advanced'; seq: number; covered: number }
  | { kind: 'unchanged'; seq: number }
  | { kind: 'duplicate'; seq: number }
  | { kind: 'gap'; seq: number; missing: number }
  | { kind: 'resync'; seq: number; previous: number };

/**
 * Holds the one cursor (`seq`) and the counts a client believes in, and checks every delivery against
 * them. It is transport-agnostic: on a transport switch the new transport starts from `tracker.seq`, and
 * the same tracker keeps judging, so a loss or a repeat across the switch shows up here.
 *
 * Seq numbers are contiguous (each accepted vote takes head + 1; see src/feed/memory-feed.ts), which is
 * what makes a gap detectable at all.
 */
export class CursorTracker {
  #seq: number | undefined;
  #candidates: Candidate[] = [];
  readonly #counters: IntegrityCounters = { gaps: 0, missedEvents: 0, duplicates: 0, resyncs: 0 };

  /** The last seq applied, or undefined before the first snapshot. */
  get seq(): number | undefined {
    return this.#seq;
  }

  get counters(): Readonly<IntegrityCounters> {
    return { ...this.#counters };
  }

  /** The candidates in ballot order with the counts as of `seq`. */
  get candidates(): readonly Candidate[] {
    return this.#candidates;
  }

  count(candidateId: string): number | undefined {
    return this.#candidates.find((c) => c.id === candidateId)?.count;
  }

  /**
   * A snapshot replaces the state. For polling ("poll") that is the normal delivery: it only counts as a
   * resync if the seq went backwards (the server lost its state, e.g. an in-memory feed restarted).
   * For every other transport a snapshot while holding a cursor means the server could not resume us.
   */
  applySnapshot(snapshot: Snapshot, reason: SnapshotReason = 'resync'): Applied {
    const previous = this.#seq;
    this.#replace(snapshot);
    if (previous === undefined) return { kind: 'baseline', seq: snapshot.seq };
    if (reason === 'poll' && snapshot.seq >= previous) {
      return snapshot.seq === previous ? { kind: 'unchanged', seq: snapshot.seq } : { kind: 'advanced', seq: snapshot.seq, covered: snapshot.seq - previous };
    }
    this.#counters.resyncs += 1;
    return { kind: 'resync', seq: snapshot.seq, previous };
  }

  /** Applies one vote event; a duplicate is dropped, a gap is counted and the event still applied. */
  applyEvent(event: VoteEvent): Applied {
    const previous = this.#seq;
    if (previous !== undefined && event.seq <= previous) {
      this.#counters.duplicates += 1;
      return { kind: 'duplicate', seq: event.seq };
    }
    // The event carries the candidate's absolute count, so applying it never double-counts.
    const candidate = this.#candidates.find((c) => c.id === event.candidateId);
    // Stryker disable next-line EqualityOperator: with equal counts the assignment writes the value already there
    if (candidate !== undefined && event.count > candidate.count) candidate.count = event.count;
    this.#seq = event.seq;
    if (previous !== undefined && event.seq > previous + 1) {
      const missing = event.seq - previous - 1;
      this.#counters.gaps += 1;
      this.#counters.missedEvents += missing;
      return { kind: 'gap', seq: event.seq, missing };
    }
    return { kind: 'advanced', seq: event.seq, covered: 1 };
  }

  #replace(snapshot: Snapshot): void {
    this.#seq = snapshot.seq;
    this.#candidates = snapshot.candidates.map((c) => ({ ...c }));
  }
}
