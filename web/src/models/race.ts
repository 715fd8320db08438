import type { Snapshot, VoteEvent } from '../../../src/feed/types.ts';
import { ClockOffset } from './clock-offset.ts';
import type { Applied } from '../../../src/client/cursor.ts';
import { RunningPercentiles } from './stats.ts';
import type { TransportName, WireRecord } from '../../../src/client/types.ts';

/** One vote as the race saw it: when it was cast and when each lane got it. */
export interface RaceVote {
  seq: number;
  candidateId: string | undefined;
  /** votedAt on the local clock; undefined until a lane that carries events delivered it. */
  votedAt: number | undefined;
  /** Local arrival time per lane. */
  arrivals: Partial<Record<TransportName, number>>;
}

export interface LaneSummary {
  lane: TransportName;
  received: number;
  p50: number | undefined;
  p95: number | undefined;
  last: number | undefined;
  /** Votes carried by the lane's most recent delivery that carried any (batching shows here). */
  lastBatch: number;
  largestBatch: number;
}

/** How many recent votes the race keeps for drawing. */
const KEEP_VOTES = 80;

/**
 * The race: the same votes delivered over several transports at once, each arrival timed against the
 * vote's `votedAt`. Polling only ever sees snapshots (no votedAt), so its arrival for a seq is the first
 * snapshot that covers it, and its delay is computed once another lane has told us that vote's votedAt
 * (in either order). Votes already contained in any lane's starting snapshot are not part of the race.
 */
export class RaceModel {
  readonly lanes: readonly TransportName[];
  readonly #clock: ClockOffset;
  readonly #baselines = new Map<TransportName, number>();
  readonly #votes = new Map<number, RaceVote>();
  readonly #stats = new Map<TransportName, RunningPercentiles>();
  readonly #batches = new Map<TransportName, { last: number; largest: number }>();
  #floor: number | undefined;

  constructor(lanes: readonly TransportName[], clock: ClockOffset = new ClockOffset()) {
    this.lanes = lanes;
    this.#clock = clock;
    for (const lane of lanes) {
      this.#stats.set(lane, new RunningPercentiles());
      this.#batches.set(lane, { last: 0, largest: 0 });
    }
  }

  /** True once every lane has its starting snapshot; arrivals before that are not timed. */
  get ready(): boolean {
    return this.#floor !== undefined;
  }

  onSnapshot(lane: TransportName, snapshot: Snapshot, applied: Applied, at: number): void {
    if (applied.kind === 'baseline') {
      this.#baselines.set(lane, snapshot.seq);
      if (this.#floor === undefined && this.lanes.every((l) => this.#baselines.has(l))) {
        this.#floor = Math.max(...this.#baselines.values());
      }
      return;
    }
    // A polling snapshot (or a resync) covers every seq between the previous cursor and its own.
    const previous = applied.kind === 'advanced' ? applied.seq - applied.covered : applied.kind === 'resync' ? applied.previous : undefined;
    if (previous === undefined) return;
    for (let seq = previous + 1; seq <= snapshot.seq; seq += 1) this.#arrive(lane, seq, undefined, at);
  }

  onEvent(lane: TransportName, event: VoteEvent, applied: Applied, at: number): void {
    if (applied.kind === 'duplicate') return;
    this.#arrive(lane, event.seq, event, at);
  }

  onWire(record: WireRecord): void {
    const batch = this.#batches.get(record.transport);
    if (batch === undefined || record.events === undefined || record.events === 0) return;
    batch.last = record.events;
    batch.largest = Math.max(batch.largest, record.events);
  }

  /** The most recent votes, newest last. */
  recentVotes(): RaceVote[] {
    return [...this.#votes.values()].sort((a, b) => a.seq - b.seq);
  }

  summary(lane: TransportName): LaneSummary {
    const stats = this.#stats.get(lane) ?? new RunningPercentiles();
    const batch = this.#batches.get(lane) ?? { last: 0, largest: 0 };
    return {
      lane,
      received: stats.total,
      p50: stats.percentile(50),
      p95: stats.percentile(95),
      last: stats.last(),
      lastBatch: batch.last,
      largestBatch: batch.largest,
    };
  }

  /** Delay of one vote in one lane, ms, when both ends are known. */
  delay(vote: RaceVote, lane: TransportName): number | undefined {
    const arrival = vote.arrivals[lane];
    if (arrival === undefined || vote.votedAt === undefined) return undefined;
    return Math.max(0, arrival - vote.votedAt);
  }

  #arrive(lane: TransportName, seq: number, event: VoteEvent | undefined, at: number): void {
    if (this.#floor === undefined || seq <= this.#floor) return;
    let vote = this.#votes.get(seq);
    if (vote === undefined) {
      vote = { seq, candidateId: undefined, votedAt: undefined, arrivals: {} };
      this.#votes.set(seq, vote);
      this.#trim();
    }
    if (vote.arrivals[lane] !== undefined) return;
    vote.arrivals[lane] = at;
    if (event !== undefined && vote.votedAt === undefined) {
      vote.votedAt = this.#clock.toLocal(event.votedAt);
      vote.candidateId = event.candidateId;
      // Lanes that got here first without a votedAt (polling) can now be timed.
      for (const other of this.lanes) {
        if (other !== lane && vote.arrivals[other] !== undefined) this.#record(other, vote);
      }
    }
    if (vote.votedAt !== undefined) this.#record(lane, vote);
  }

  #record(lane: TransportName, vote: RaceVote): void {
    const delay = this.delay(vote, lane);
    if (delay !== undefined) this.#stats.get(lane)?.add(delay);
  }

  #trim(): void {
    while (this.#votes.size > KEEP_VOTES) {
      const oldest = Math.min(...this.#votes.keys());
      this.#votes.delete(oldest);
    }
  }
}
