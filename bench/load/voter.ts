import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { Pool, type Dispatcher } from 'undici';
import { Backoff } from '../../src/client/backoff.ts';
import { percentile } from '../../src/client/statistics.ts';
import { browserHeaders } from './browser-headers.ts';
import type { VoteStats } from '../results/types.ts';

export interface VoterOptions {
  baseUrl: string;
  /** Several servers: vote i goes to baseUrls[i % n] (two processes sharing a feed). Default: [baseUrl]. */
  baseUrls?: readonly string[];
  cookie: string;
  /** Votes per second. */
  rate: number;
  /** How many votes to cast in all. */
  count: number;
  candidateIds: readonly string[];
  /** Makes the voteIds of one scenario unique, e.g. "s12". */
  idPrefix: string;
  /** An https:// server: the certificate to trust (the bench's own, self-signed). */
  ca?: string;
  /** Retries of one vote after a network error or a 503 (fault scenarios ride out a restart). @default 4 */
  maxRetries?: number;
}

export interface CastVote {
  voteId: string;
  /** performance.now() of the slot this vote had in the schedule. */
  dueAt: number;
  sentAt: number;
  /** The seq the server gave it (from its 201), once acknowledged. */
  seq?: number;
  /** performance.now() when the 201 arrived. */
  acknowledgedAt?: number;
  /** Length of the event's JSON as the server serialised it (same keys, same order). */
  eventJsonBytes?: number;
  error?: string;
}

/**
 * A vote without an answer (a network error) or with a 503 may or may not have been counted: it is sent
 * again with the same voteId, which the server counts once, at most this many times (unless the options say otherwise).
 */
const MAX_RETRIES = 4;
const RETRY_BACKOFF = { initialMs: 100, maxMs: 2000 } as const;

/**
 * Casts votes on an open-loop schedule: vote i is due at start + i / rate whatever happened to the
 * ones before it, so a slow server cannot slow the arrival of work (no coordinated omission).
 * Requests go over a pool of connections so a slow response never holds the next vote back.
 * A vote's latency runs from its slot, so the time its retries took is in it.
 */
export class OpenLoopVoter {
  readonly votes: CastVote[] = [];
  readonly #options: VoterOptions;
  readonly #urls: readonly string[];
  readonly #pools: Pool[];
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #startedAt = 0;
  #finished: (() => void) | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: VoterOptions) {
    this.#options = options;
    this.#urls = options.baseUrls ?? [options.baseUrl];
    this.#pools = this.#urls.map(
      (url) => new Pool(url, { connections: 16, pipelining: 1, ...(options.ca === undefined ? {} : { connect: { ca: options.ca } }) }),
    );
  }

  /** Starts the schedule now; resolves when every vote is sent and answered. */
  run(): Promise<void> {
    this.#startedAt = performance.now();
    const done = new Promise<void>((resolve) => {
      this.#finished = resolve;
    });
    this.#tick();
    return done.then(() => Promise.all(this.#inFlight)).then(() => undefined);
  }

  /** Stops scheduling (votes in flight still complete). */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#finished?.();
  }

  /** Stops, waits for votes in flight and closes the connections. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.stop();
      await Promise.all(this.#inFlight);
      await Promise.all(this.#pools.map((pool) => pool.close()));
    })();
    return this.#closing;
  }

  #dueAt(index: number): number {
    return this.#startedAt + (index * 1000) / this.#options.rate;
  }

  #tick(): void {
    const now = performance.now();
    // Catch up on every slot that is due: a late timer must not thin out the schedule.
    while (this.votes.length < this.#options.count && this.#dueAt(this.votes.length) <= now) {
      this.#send(this.votes.length, now);
    }
    if (this.votes.length >= this.#options.count) {
      this.#finished?.();
      return;
    }
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, this.#dueAt(this.votes.length) - performance.now()));
  }

  #send(index: number, now: number): void {
    const { cookie, candidateIds, idPrefix } = this.#options;
    const baseUrl = this.#urls[index % this.#urls.length]!;
    const vote: CastVote = { voteId: `${idPrefix}-${index}`, dueAt: this.#dueAt(index), sentAt: now };
    this.votes.push(vote);
    const candidateId = candidateIds[index % candidateIds.length]!;
    const sending = this.#deliver(vote, this.#pools[index % this.#pools.length]!, {
      method: 'POST',
      path: '/api/votes',
      headers: { ...browserHeaders(baseUrl), origin: baseUrl, cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ candidateId, voteId: vote.voteId }),
    }).finally(() => this.#inFlight.delete(sending));
    this.#inFlight.add(sending);
  }

  /** Sends one vote until it gets an answer other than 503 (or the retries run out), and records it. */
  async #deliver(vote: CastVote, pool: Pool, request: Dispatcher.RequestOptions): Promise<void> {
    const backoff = new Backoff(RETRY_BACKOFF);
    const maxRetries = this.#options.maxRetries ?? MAX_RETRIES;
    for (;;) {
      let status: number;
      let text: string;
      try {
        const response = await pool.request(request);
        status = response.statusCode;
        text = await response.body.text();
      } catch (error) {
        if (backoff.attempt < maxRetries) {
          await delay(backoff.next());
          continue;
        }
        vote.error = `${(error as Error).message} (after ${backoff.attempt} retries)`;
        return;
      }
      if (status === 503 && backoff.attempt < maxRetries) {
        await delay(backoff.next());
        continue;
      }
      if (status !== 201) {
        vote.error = `HTTP ${status}: ${text.slice(0, 200)}`;
        return;
      }
      const { event } = JSON.parse(text) as { event: { seq: number; voteId?: string } };
      if (event.voteId !== vote.voteId) vote.error = `the server echoed voteId ${event.voteId}, not ${vote.voteId}`;
      else {
        vote.seq = event.seq;
        vote.acknowledgedAt = performance.now();
        vote.eventJsonBytes = Buffer.byteLength(JSON.stringify(event));
      }
      return;
    }
  }

  stats(): VoteStats {
    const lags = this.votes.map((v) => v.sentAt - v.dueAt);
    const acknowledged = this.votes.filter((v) => v.seq !== undefined);
    const mean = (pick: (v: CastVote) => number): number =>
      acknowledged.length === 0 ? 0 : acknowledged.reduce((sum, v) => sum + pick(v), 0) / acknowledged.length;
    return {
      scheduled: this.votes.length,
      acknowledged: acknowledged.length,
      failed: this.votes.filter((v) => v.error !== undefined).length,
      // No vote sent, no lag.
      sendLagP99Ms: percentile(lags, 99) ?? 0,
      sendLagMaxMs: lags.length === 0 ? 0 : Math.max(...lags),
      meanEventJsonBytes: mean((v) => v.eventJsonBytes ?? 0),
      meanSeqDigits: mean((v) => String(v.seq).length),
    };
  }

  /** The schedule of acknowledged votes, keyed by the seq the server gave them. */
  dueBySeq(): Map<number, number> {
    const due = new Map<number, number>();
    for (const vote of this.votes) if (vote.seq !== undefined) due.set(vote.seq, vote.dueAt);
    return due;
  }
}
