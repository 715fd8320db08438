import { performance } from 'node:perf_hooks';
import { FeedMirror } from './feed-mirror.ts';
import { now } from './clock.ts';
import { makeEntry } from './feed-entry.ts';
import { DEFAULT_VOTE_ID_WINDOW_MS, FeedError, replayOf, type SharedRedis, type VoteInput } from './feed.ts';
import { MirroredFeed } from './mirrored-feed.ts';
import { openConnection, redactUrl, type RedisClient } from './redis-connection.ts';
import { loadSharedState, StreamFollower, type SharedState } from './redis-follower.ts';
import { DEFAULT_KEY_PREFIX, VOTE_SCRIPT, redisKeys, type RedisKeys } from './redis-schema.ts';
import type { CandidateInfo, FeedEntry } from './types.ts';

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

/** The typed shape of the script command that `defineCommand` adds to the connection (KEYS and ARGV: see VOTE_SCRIPT). */
interface VoteCommand {
  castVote(numberOfKeys: number, ...keysThenArgs: string[]): Promise<[seq: number, count: number, votedAt: string, candidateId: string, replayed: 0 | 1]>;
}

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
 * interface requires. The mirror changes in exactly one place, the follower (src/feed/redis-follower.ts):
 * it reads the stream in seq order (XREAD BLOCK on its own connection) and emits every entry to the
 * listeners once. A vote cast here is *not* emitted by `vote()`; `vote()` waits until the follower has
 * applied it, so own and foreign votes reach the listeners through the same ordered path, and the
 * caller's next read (a snapshot, a resume) already includes its vote.
 */
export class RedisFeed extends MirroredFeed {
  readonly kind = 'redis';
  readonly url: string;
  readonly sharedRedis: SharedRedis;

  readonly #keys: RedisKeys;
  readonly #commands: RedisClient;
  readonly #follower: StreamFollower;
  readonly #options: Required<Omit<RedisFeedOptions, 'url' | 'candidates' | 'keyPrefix' | 'connectionLabel'>>;
  readonly #logger: FeedLogger;
  /** Votes of this process waiting for the follower, by seq (a repeated voteId waits on its original's seq too). */
  readonly #voteWaiters = new Map<number, VoteWaiter[]>();
  readonly #catchUpWaiters = new Set<Waiter>();

  #rttMs: number | undefined;
  #closed = false;
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

  private constructor(options: RedisFeedOptions, keys: RedisKeys, commands: RedisClient, followerConnection: RedisClient, state: SharedState) {
    const logSize = options.logSize ?? 1000;
    const logger = options.logger ?? console;
    // The local copy the follower moves forward; the Feed's reads come from it.
    const mirror = new FeedMirror(options.candidates, logSize, (error, delivery) => {
      // One broken subscriber must not stop the others, nor the follower.
      const what = 'event' in delivery ? `seq ${delivery.event.seq}` : `the snapshot at seq ${delivery.seq}`;
      logger.error(`feed listener failed on ${what}: ${(error as Error).stack ?? String(error)}`);
    });
    super(options.candidates, mirror);
    this.url = redactUrl(options.url);
    this.#keys = keys;
    this.#commands = commands;
    this.#logger = logger;
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
    mirror.load(state);
    this.#follower = new StreamFollower(
      {
        connection: followerConnection,
        keys,
        mirror,
        url: this.url,
        logSize,
        blockMs: this.#options.followBlockMs,
        logger: this.#logger,
      },
      {
        applied: (entry) => this.#answerVoteWaiters(entry),
        caughtUp: () => this.#settleCatchUps(),
        reloaded: () => this.#afterReload(),
      },
    );
    this.#follower.start();
    this.#pingTimer = setInterval(() => void this.#measureRtt(), this.#options.pingIntervalMs);
    // Stryker disable next-line CallExpression: the feed's own Redis connections hold the process open until close(), which clears this timer
    this.#pingTimer.unref();
    void this.#measureRtt();
  }

  async vote(input: VoteInput): Promise<FeedEntry> {
    const { candidateId, userId, voteId } = input;
    this.requireCandidate(candidateId);
    // Stryker disable next-line ConditionalExpression,StringLiteral: after close() the command connection has ended, so the script call fails with the same feed_unavailable
    if (this.#closed) throw unavailable(new Error('the feed is closed'));
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

  /**
   * Resolves once this process has applied `seq`, so that `resume(seq)` answers with events rather than
   * a snapshot. A client may hold a seq this process has not read yet: it heard it from another process
   * a moment ago. Resolves at once when `seq` is already applied, when Redis has not handed out `seq`
   * either (the client is from before a reset of the feed: a snapshot is right), when Redis cannot be
   * asked, or after `catchUpTimeoutMs`. Never rejects.
   */
  async catchUp(seq: number): Promise<void> {
    if (seq <= this.mirror.head || this.#closed) return;
    let shared: number;
    try {
      shared = Number((await this.#commands.get(this.#keys.seq)) ?? 0);
    } catch {
      return;
    }
    if (seq > shared || seq <= this.mirror.head) return;
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
    // Stryker disable next-line BooleanLiteral: after close() the connections have ended: votes fail with the same feed_unavailable, catchUp cannot ask Redis, available() reads their status
    this.#closed = true;
    // Stryker disable next-line CallExpression: the timer is unref'd, and #measureRtt returns at once once the feed is closed
    clearInterval(this.#pingTimer);
    // Aborts the blocked XREAD and waits for the follow loop to end.
    await this.#follower.stop();
    for (const waiter of this.#catchUpWaiters) waiter.settle();
    // Stryker disable next-line CallExpression: every waiter was settled just above, and nothing reads the set after close
    this.#catchUpWaiters.clear();
    for (const waiters of this.#voteWaiters.values()) for (const waiter of waiters) waiter.giveUp();
    this.#voteWaiters.clear();
    // Stryker disable next-line CallExpression: the follower has stopped (awaited above), so no listener is called after close; this only lets them go
    this.mirror.clearListeners();
    try {
      await this.#commands.quit();
    } catch {
      this.#commands.disconnect();
    }
  }

  // --- told by the follower --------------------------------------------------------------------

  /** The follower applied an entry: the votes of this process waiting for it get it. */
  #answerVoteWaiters(entry: FeedEntry): void {
    const seq = entry.event.seq;
    const waiters = this.#voteWaiters.get(seq);
    if (waiters !== undefined) {
      this.#voteWaiters.delete(seq);
      for (const waiter of waiters) waiter.applied(entry);
    }
  }

  #settleCatchUps(): void {
    for (const waiter of this.#catchUpWaiters) {
      if (waiter.seq <= this.mirror.head) {
        // Stryker disable next-line CallExpression: settling a settled waiter again changes nothing (its timer cleared, its promise resolved); this only lets it go
        this.#catchUpWaiters.delete(waiter);
        waiter.settle();
      }
    }
  }

  /** The follower reloaded the mirror: votes whose seq the reloaded log holds get that entry. */
  #afterReload(): void {
    for (const [seq, waiters] of this.#voteWaiters) {
      const entry = this.mirror.entryAt(seq);
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
    if (seq <= this.mirror.head) {
      // Usually the follower was quicker than the script's reply. If Redis lost its history, our log may
      // hold an older vote under the same seq: only our own entry will do.
      const applied = this.mirror.entryAt(seq);
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
        // Stryker disable next-line MethodExpression: kept in the list, this waiter would only be answered again when its seq is applied, and its promise has resolved already
        const waiters = this.#voteWaiters.get(seq)?.filter((other) => other !== waiter) ?? [];
        if (waiters.length === 0) this.#voteWaiters.delete(seq);
        // Stryker disable next-line CallExpression: the list left in the map still holds every other waiter (and this one, whose promise has resolved: answering it again changes nothing)
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
        // Stryker disable next-line CallExpression: settling a waiter whose promise resolved here changes nothing; this only lets it go
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
