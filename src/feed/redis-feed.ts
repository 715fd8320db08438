import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { FeedMirror, type MirrorState } from './feed-mirror.ts';
import { now } from './clock.ts';
import { makeEntry } from './feed-entry.ts';
import {
  DEFAULT_VOTE_ID_WINDOW_MS,
  FeedError,
  replayOf,
  type Feed,
  type FeedListener,
  type FeedResetListener,
  type Resume,
  type SharedRedis,
  type VoteInput,
} from './feed.ts';
import { openConnection, redactUrl, type RedisClient } from './redis-connection.ts';
import {
  DEFAULT_KEY_PREFIX,
  VOTE_SCRIPT,
  entryFromStream,
  redisKeys,
  seqOfStreamId,
  streamIdOf,
  type RedisKeys,
  type StreamEntry,
} from './redis-schema.ts';
import type { CandidateInfo, FeedEntry, Snapshot } from './types.ts';

/** The part of a pino logger the feed uses; defaults to the console. */
export interface FeedLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RedisFeedOptions {
  /** redis:// or rediss:// URL of the shared Redis. */
  url: string;
  candidates: readonly CandidateInfo[];
  /** How many recent events each process keeps for resuming clients. @default 1000 */
  logSize?: number;
  /** Prefix of every key; processes with the same prefix share one feed. @default "votewire:" */
  keyPrefix?: string;
  /** Approximate cap of the Redis stream: how far a follower may fall behind and still catch up. @default max(10 * logSize, 10000) */
  streamMaxLen?: number;
  /** Startup gives up on Redis after this long. @default 3000 */
  connectTimeoutMs?: number;
  /** A vote or a check without a reply after this long fails with feed_unavailable. @default 2000 */
  commandTimeoutMs?: number;
  /** How long `catchUp()` and a vote's wait for its own event may take. @default 2000 */
  catchUpTimeoutMs?: number;
  /** How often the Redis round-trip time is measured. @default 2000 */
  pingIntervalMs?: number;
  /** How long a user's voteId is remembered in Redis (a repeat within it counts once). @default 600000 (10 minutes) */
  voteIdWindowMs?: number;
  /** Ends the names of this feed's two connections in CLIENT LIST (votewire-follower:<label>). @default the pid */
  connectionLabel?: string;
  /**
   * The follower's XREAD blocks this long at most; each time it comes back empty, the follower checks that
   * Redis has not lost its history (a wiped Redis hands out seqs below ours, which XREAD from our position
   * would never show). @default 5000
   */
  followBlockMs?: number;
  logger?: FeedLogger;
}

/** Entries read per XREAD; more are simply read by the next one. */
const READ_BATCH = 1000;

/** The typed shape of the script command that `defineCommand` adds to the connection (KEYS and ARGV: see VOTE_SCRIPT). */
interface VoteCommand {
  castVote(
    numberOfKeys: number,
    ...keysThenArgs: string[]
  ): Promise<[seq: number, count: number, votedAt: string, candidateId: string, replayed: 0 | 1]>;
}

/** Counts and the recent log as one consistent view of Redis. */
/** What loadSharedState reads in one MULTI: the counts hash holds strings. */
type SharedState = MirrorState & { counts: Record<string, string> };

interface Waiter {
  seq: number;
  settle: () => void;
}

interface VoteWaiter {
  /** The follower applied the vote: answer with the entry the listeners got. */
  applied: (entry: FeedEntry) => void;
  /** No follower in time (Redis cut off, or the feed closing): answer with an entry built from the script's reply. */
  giveUp: () => void;
}

/**
 * The shared feed: counts, seq and the event log live in Redis; every process follows the log.
 *
 * Each process keeps a local mirror (tally + EventLog) so reads stay synchronous, as the Feed
 * interface requires. The mirror changes in exactly one place, the follower: it reads the stream in
 * seq order (XREAD BLOCK on its own connection) and emits every entry to the listeners once. A vote
 * cast here is *not* emitted by `vote()`; `vote()` waits until the follower has applied it, so
 * own and foreign votes reach the listeners through the same ordered path, and the caller's next
 * read (a snapshot, a resume) already includes its vote.
 */
export class RedisFeed implements Feed {
  readonly kind = 'redis';
  readonly candidates: readonly CandidateInfo[];
  readonly url: string;
  readonly sharedRedis: SharedRedis;

  readonly #keys: RedisKeys;
  readonly #commands: RedisClient;
  readonly #follower: RedisClient;
  readonly #options: Required<Omit<RedisFeedOptions, 'url' | 'candidates' | 'keyPrefix' | 'connectionLabel'>>;
  readonly #logger: FeedLogger;
  /** The local copy the follower moves forward; the Feed's reads come from it. */
  readonly #mirror: FeedMirror;
  /** Votes of this process waiting for the follower, by seq (a repeated voteId waits on its original's seq too). */
  readonly #voteWaiters = new Map<number, VoteWaiter[]>();
  readonly #catchUpWaiters = new Set<Waiter>();

  #rttMs: number | undefined;
  #closed = false;
  #following: Promise<void> = Promise.resolve();
  #pingTimer: NodeJS.Timeout | undefined;

  /** Connects, loads the shared state and starts following. Rejects (naming the URL) when Redis is unreachable. */
  static async connect(options: RedisFeedOptions): Promise<RedisFeed> {
    const connectTimeoutMs = options.connectTimeoutMs ?? 3000;
    const commandTimeoutMs = options.commandTimeoutMs ?? 2000;
    const label = options.connectionLabel ?? String(process.pid);
    const commands = await openConnection({ url: options.url, name: `votewire-commands:${label}`, connectTimeoutMs, commandTimeoutMs });
    let follower: RedisClient | undefined;
    try {
      follower = await openConnection({ url: options.url, name: `votewire-follower:${label}`, connectTimeoutMs });
      const keys = redisKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
      const logSize = options.logSize ?? 1000;
      const state = await loadSharedState(commands, keys, logSize);
      return new RedisFeed(options, keys, commands, follower, state);
    } catch (error) {
      commands.disconnect();
      follower?.disconnect();
      throw error;
    }
  }

  private constructor(options: RedisFeedOptions, keys: RedisKeys, commands: RedisClient, follower: RedisClient, state: SharedState) {
    const logSize = options.logSize ?? 1000;
    this.candidates = options.candidates;
    this.url = redactUrl(options.url);
    this.#keys = keys;
    this.#commands = commands;
    this.#follower = follower;
    this.#logger = options.logger ?? console;
    this.#options = {
      logSize,
      streamMaxLen: options.streamMaxLen ?? Math.max(10 * logSize, 10_000),
      connectTimeoutMs: options.connectTimeoutMs ?? 3000,
      commandTimeoutMs: options.commandTimeoutMs ?? 2000,
      catchUpTimeoutMs: options.catchUpTimeoutMs ?? 2000,
      pingIntervalMs: options.pingIntervalMs ?? 2000,
      followBlockMs: options.followBlockMs ?? 5000,
      voteIdWindowMs: options.voteIdWindowMs ?? DEFAULT_VOTE_ID_WINDOW_MS,
      logger: this.#logger,
    };
    this.sharedRedis = { connection: commands, keys };
    // No fixed numberOfKeys: a vote with a voteId names one key more (every key a script touches is in KEYS).
    commands.defineCommand('castVote', { lua: VOTE_SCRIPT });
    this.#mirror = new FeedMirror(this.candidates, logSize, (error, delivery) => {
      // One broken subscriber must not stop the others, nor the follower.
      const what = 'event' in delivery ? `seq ${delivery.event.seq}` : `the snapshot at seq ${delivery.seq}`;
      this.#logger.error(`feed listener failed on ${what}: ${(error as Error).stack ?? String(error)}`);
    });
    this.#mirror.load(state);
    this.#following = this.#follow();
    this.#pingTimer = setInterval(() => void this.#measureRtt(), this.#options.pingIntervalMs);
    this.#pingTimer.unref();
    void this.#measureRtt();
  }

  head(): number {
    return this.#mirror.head;
  }

  snapshot(): Snapshot {
    return this.#mirror.snapshot();
  }

  resume(since: number): Resume {
    return this.#mirror.resume(since);
  }

  async vote(input: VoteInput): Promise<FeedEntry> {
    if (!this.#mirror.has(input.candidateId)) {
      throw new FeedError('unknown_candidate', `There is no candidate "${input.candidateId}" on this ballot`);
    }
    if (this.#closed) throw unavailable(new Error('the feed is closed'));
    const { candidateId, userId, voteId } = input;
    const keys = [this.#keys.counts, this.#keys.seq, this.#keys.events];
    const args = [candidateId, String(now()), String(this.#options.streamMaxLen), String(this.#options.voteIdWindowMs)];
    if (voteId !== undefined) {
      keys.push(this.#keys.vote(userId, voteId));
      args.push(voteId);
    }
    let reply: Awaited<ReturnType<VoteCommand['castVote']>>;
    try {
      // defineCommand adds castVote at runtime; ioredis's types cannot know it.
      reply = await (this.#commands as unknown as VoteCommand).castVote(keys.length, ...keys, ...args);
    } catch (error) {
      throw unavailable(error);
    }
    // The vote is in Redis (or was, for a repeated voteId: then these are the original vote's fields):
    // from here on it is acknowledged, whatever happens to the wait below.
    const [seq, count, votedAtText, recordedCandidateId, replayed] = reply;
    const recorded = makeEntry(seq, recordedCandidateId, count, Number(votedAtText), voteId);
    if (replayed === 1) replayOf(recorded, input);
    return this.#whenApplied(recorded);
  }

  subscribe(listener: FeedListener): () => void {
    return this.#mirror.subscribe(listener);
  }

  /** Told after a reload: Redis lost its data, or this process fell behind the stream cap. */
  onReset(listener: FeedResetListener): () => void {
    return this.#mirror.onReset(listener);
  }

  /**
   * Resolves once this process has applied `seq`, so that `resume(seq)` answers with events rather than
   * a snapshot. A client may hold a seq this process has not read yet: it heard it from another process
   * a moment ago. Resolves at once when `seq` is already applied, when Redis has not handed out `seq`
   * either (the client is from before a reset of the feed: a snapshot is right), when Redis cannot be
   * asked, or after `catchUpTimeoutMs`. Never rejects.
   */
  async catchUp(seq: number): Promise<void> {
    if (seq <= this.#mirror.head || this.#closed) return;
    let shared: number;
    try {
      shared = Number((await this.#commands.get(this.#keys.seq)) ?? 0);
    } catch {
      return;
    }
    if (seq > shared || seq <= this.#mirror.head) return;
    await this.#waitForHead(seq);
  }

  /** The latest Redis round-trip time (a PING), or undefined while Redis is unreachable. */
  rttMs(): number | undefined {
    return this.#rttMs;
  }

  /** Whether votes can be recorded right now. */
  available(): boolean {
    return !this.#closed && this.#commands.status === 'ready';
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#pingTimer);
    // Aborts the blocked XREAD; the follow loop sees #closed and ends.
    this.#follower.disconnect();
    await this.#following;
    for (const waiter of this.#catchUpWaiters) waiter.settle();
    this.#catchUpWaiters.clear();
    for (const waiters of this.#voteWaiters.values()) for (const waiter of waiters) waiter.giveUp();
    this.#voteWaiters.clear();
    this.#mirror.clearListeners();
    try {
      await this.#commands.quit();
    } catch {
      this.#commands.disconnect();
    }
  }

  // --- the mirror -------------------------------------------------------------------------------

  /** Applies one entry the follower read: the only place where the mirror moves forward. */
  #apply(entry: FeedEntry): void {
    const { event } = entry;
    this.#mirror.apply(entry);
    const waiters = this.#voteWaiters.get(event.seq);
    if (waiters !== undefined) {
      this.#voteWaiters.delete(event.seq);
      for (const waiter of waiters) waiter.applied(entry);
    }
  }

  #settleCatchUps(): void {
    for (const waiter of this.#catchUpWaiters) {
      if (waiter.seq <= this.#mirror.head) {
        this.#catchUpWaiters.delete(waiter);
        waiter.settle();
      }
    }
  }

  // --- the follower -----------------------------------------------------------------------------

  /**
   * Reads the stream from the last applied seq, forever. An error (Redis gone) leaves the position
   * untouched, so the next successful read continues exactly after the last applied entry: nothing is
   * skipped and nothing applied twice.
   */
  async #follow(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      try {
        if (failures > 0) await this.#checkHistory();
        const reply = (await this.#follower.xread(
          'COUNT', READ_BATCH,
          'BLOCK', this.#options.followBlockMs,
          'STREAMS', this.#keys.events, streamIdOf(this.#mirror.head),
        )) as [string, StreamEntry[]][] | null;
        if (failures > 0) this.#logger.info(`Redis feed: following ${this.url} again from seq ${this.#mirror.head}`);
        failures = 0;
        if (reply !== null) await this.#applyBatch(reply[0]?.[1] ?? []);
        else await this.#checkHistory();
      } catch (error) {
        if (this.#closed) return;
        failures++;
        if (failures === 1) {
          this.#logger.warn(`Redis feed: lost ${this.url} (${(error as Error).message}); retrying from seq ${this.#mirror.head}`);
        }
        await delay(Math.min(100 * failures, 1000));
      }
    }
  }

  async #applyBatch(entries: readonly StreamEntry[]): Promise<void> {
    for (const [id, fields] of entries) {
      const seq = seqOfStreamId(id);
      if (seq <= this.#mirror.head) continue; // already applied (cannot happen with XREAD from our head; cheap to guard)
      if (seq !== this.#mirror.head + 1) {
        // The entries between were trimmed before we read them: this process fell further behind
        // than the stream keeps. Its listeners cannot get them any more; reload and go on from there.
        await this.#resync(`the follower fell behind the stream cap (expected seq ${this.#mirror.head + 1}, got ${seq})`);
        return;
      }
      const entry = entryFromStream(id, fields);
      const { candidateId, count } = entry.event;
      if (this.#mirror.has(candidateId) && count !== this.#mirror.count(candidateId) + 1) {
        // Every vote adds one to its candidate's count. One that does not continue ours belongs to another
        // history: Redis lost its data and a new history passed our head while the follower was blocked.
        await this.#resync(`seq ${seq} gives "${candidateId}" ${count} votes, not ${this.#mirror.count(candidateId) + 1}: Redis lost its data and started over (run it with persistence)`);
        return;
      }
      this.#apply(entry);
    }
    this.#settleCatchUps();
  }

  /**
   * Redis may have lost its data (restarted without persistence, flushed, keys deleted) and started a new
   * history. Two signs tell: the seq it hands out is below ours (XREAD from our head would wait forever),
   * or the new history already went past our head and holds another vote under our head's seq (XREAD
   * would splice the two histories together). Either way, reload instead, loudly, and tell the listeners.
   * Checked after every outage, before reading on, and whenever a blocking read comes back empty.
   */
  async #checkHistory(): Promise<void> {
    const head = this.#mirror.head;
    const results = await this.#follower
      .multi()
      .get(this.#keys.seq)
      .xrange(this.#keys.events, streamIdOf(head), streamIdOf(head))
      .exec();
    if (results === null) throw new Error('the transaction that checks the feed history was aborted');
    for (const [error] of results) if (error !== null) throw error;
    const shared = Number((results[0]?.[1] as string | null) ?? 0);
    if (shared < head) {
      await this.#resync(`Redis has seq ${shared}, below this process's ${head}: it lost its data (run it with persistence)`);
      return;
    }
    const [atHead] = (results[1]?.[1] ?? []) as StreamEntry[];
    const applied = this.#mirror.entryAt(head);
    if (atHead !== undefined && applied !== undefined && entryFromStream(...atHead).json !== applied.json) {
      await this.#resync(`Redis holds another vote under seq ${head} than the one this process applied: it lost its data and took new votes since (run it with persistence)`);
    }
  }

  /** Reloads the mirror from Redis; the mirror tells the reset listeners (every transport's clients get a snapshot). */
  async #resync(reason: string): Promise<void> {
    this.#logger.error(`Redis feed: ${reason}; reloading counts and the recent log from ${this.url}; every subscriber gets a fresh snapshot`);
    this.#mirror.load(await loadSharedState(this.#follower, this.#keys, this.#options.logSize));
    for (const [seq, waiters] of this.#voteWaiters) {
      const entry = this.#mirror.entryAt(seq);
      if (entry !== undefined) {
        this.#voteWaiters.delete(seq);
        for (const waiter of waiters) waiter.applied(entry);
      }
    }
    this.#settleCatchUps();
  }

  // --- waiting for the follower -----------------------------------------------------------------

  /**
   * The entry the listeners got for the vote Redis `recorded` (the very object, so one vote is one entry
   * everywhere), once the follower has applied it; `recorded` itself after the deadline.
   */
  #whenApplied(recorded: FeedEntry): Promise<FeedEntry> {
    const { seq, votedAt } = recorded.event;
    if (seq <= this.#mirror.head) {
      // Usually the follower was quicker than the script's reply. If Redis lost its history, our log may
      // hold an older vote under the same seq: only our own entry will do.
      const applied = this.#mirror.entryAt(seq);
      return Promise.resolve(applied?.event.votedAt === votedAt ? applied : recorded);
    }
    return new Promise((resolve) => {
      const waiter: VoteWaiter = {
        applied: (entry) => {
          clearTimeout(timer);
          resolve(entry);
        },
        giveUp: () => {
          clearTimeout(timer);
          resolve(recorded);
        },
      };
      // The follower is cut off from Redis; the vote is recorded there all the same and will be
      // emitted when the follower is back. Answer the voter rather than hold the request.
      const timer = setTimeout(() => {
        const waiters = this.#voteWaiters.get(seq)?.filter((other) => other !== waiter) ?? [];
        if (waiters.length === 0) this.#voteWaiters.delete(seq);
        else this.#voteWaiters.set(seq, waiters);
        waiter.giveUp();
      }, this.#options.catchUpTimeoutMs);
      const waiters = this.#voteWaiters.get(seq);
      if (waiters === undefined) this.#voteWaiters.set(seq, [waiter]);
      else waiters.push(waiter);
    });
  }

  #waitForHead(seq: number): Promise<void> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        seq,
        settle: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#catchUpWaiters.delete(waiter);
        resolve();
      }, this.#options.catchUpTimeoutMs);
      this.#catchUpWaiters.add(waiter);
    });
  }

  async #measureRtt(): Promise<void> {
    if (this.#closed) return;
    const started = performance.now();
    try {
      await this.#commands.ping();
      this.#rttMs = performance.now() - started;
    } catch {
      this.#rttMs = undefined;
    }
  }
}

function unavailable(cause: unknown): FeedError {
  const error = new FeedError('feed_unavailable', 'Votes cannot be recorded right now: the shared feed (Redis) is unreachable. Try again shortly.');
  error.cause = cause;
  return error;
}

/**
 * Counts, seq and the newest `logSize` entries in one MULTI, so they describe the same moment (a vote
 * script cannot run in between). The entries kept are the contiguous run ending at the head, because
 * EventLog answers resumes by offset and must not hold holes.
 */
async function loadSharedState(redis: RedisClient, keys: RedisKeys, logSize: number): Promise<SharedState> {
  const results = await redis
    .multi()
    .hgetall(keys.counts)
    .get(keys.seq)
    .xrevrange(keys.events, '+', '-', 'COUNT', logSize)
    .exec();
  if (results === null) throw new Error('the transaction that loads the feed was aborted');
  for (const [error] of results) if (error !== null) throw error;
  const counts = (results[0]?.[1] ?? {}) as Record<string, string>;
  const seqText = results[1]?.[1] as string | null;
  const newestFirst = (results[2]?.[1] ?? []) as StreamEntry[];

  const entries: FeedEntry[] = [];
  for (const [id, fields] of newestFirst) {
    const seq = seqOfStreamId(id);
    const expected = entries.length === 0 ? undefined : entries[entries.length - 1]!.event.seq - 1;
    if (expected !== undefined && seq !== expected) break;
    entries.push(entryFromStream(id, fields));
  }
  entries.reverse();
  const head = Math.max(Number(seqText ?? 0), entries.at(-1)?.event.seq ?? 0);
  // A log that does not reach the head would answer resumes wrongly; an empty one makes them snapshots.
  if (entries.length > 0 && entries.at(-1)!.event.seq !== head) entries.length = 0;
  return { head, counts, entries };
}
