import { setTimeout as delay } from 'node:timers/promises';
import type { FeedMirror, MirrorState } from './feed-mirror.ts';
import type { RedisClient } from './redis-connection.ts';
import type { FeedLogger } from './redis-feed.ts';
import { entryFromStream, seqOfStreamId, streamIdOf, type RedisKeys, type StreamEntry } from './redis-schema.ts';
import type { FeedEntry } from './types.ts';

/** Entries read per XREAD; more are simply read by the next one. */
const READ_BATCH = 1000;

/** What loadSharedState reads in one MULTI: the counts hash holds strings. */
export type SharedState = MirrorState & { counts: Record<string, string> };

export interface StreamFollowerOptions {
  /** The follower's own connection: a blocked XREAD holds it. `stop()` disconnects it. */
  connection: RedisClient;
  keys: RedisKeys;
  /** The local copy the follower moves forward, the only thing that does. */
  mirror: FeedMirror;
  /** The Redis URL (credentials redacted), for the log lines. */
  url: string;
  /** Recent entries a reload brings back into the mirror. */
  logSize: number;
  /** An XREAD blocks this long at most; an empty one is followed by a check of the history. */
  blockMs: number;
  logger: FeedLogger;
}

/** What the feed that owns the mirror is told as the follower moves it. */
export interface FollowerEvents {
  /** One entry was applied to the mirror (its listeners have it). */
  applied(entry: FeedEntry): void;
  /** A batch read from the stream was applied: the head may have moved. */
  caughtUp(): void;
  /** The mirror was reloaded from Redis (its reset listeners have the new snapshot). */
  reloaded(): void;
}

/**
 * Follows the shared stream into the local mirror: reads it in seq order (XREAD BLOCK on its own
 * connection) from the last applied seq, and applies every entry once. It also notices when Redis lost
 * its data and started another history, and then reloads the mirror instead of splicing the two.
 */
export class StreamFollower {
  readonly #options: StreamFollowerOptions;
  readonly #events: FollowerEvents;
  #stopped = false;
  #following: Promise<void> = Promise.resolve();

  constructor(options: StreamFollowerOptions, events: FollowerEvents) {
    this.#options = options;
    this.#events = events;
  }

  start(): void {
    this.#following = this.#follow();
  }

  /** Ends the loop (aborting a blocked XREAD) and resolves once it has ended. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#options.connection.disconnect();
    await this.#following;
  }

  /**
   * Reads the stream from the last applied seq, forever. An error (Redis gone) leaves the position
   * untouched, so the next successful read continues exactly after the last applied entry: nothing is
   * skipped and nothing applied twice.
   */
  async #follow(): Promise<void> {
    const { connection, keys, mirror, url, blockMs, logger } = this.#options;
    let failures = 0;
    while (!this.#stopped) {
      try {
        if (failures > 0) await this.#checkHistory();
        const reply = await connection.xread('COUNT', READ_BATCH, 'BLOCK', blockMs, 'STREAMS', keys.events, streamIdOf(mirror.head));
        if (failures > 0) logger.info(`Redis feed: following ${url} again from seq ${mirror.head}`);
        failures = 0;
        if (reply !== null) await this.#applyBatch(reply[0]?.[1] ?? []);
        else await this.#checkHistory();
      } catch (error) {
        // stop() sets the flag while the read is pending; TypeScript still holds it at the loop's `false`.
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
        if (this.#stopped) return;
        failures++;
        if (failures === 1) {
          logger.warn(`Redis feed: lost ${url} (${(error as Error).message}); retrying from seq ${mirror.head}`);
        }
        await delay(Math.min(100 * failures, 1000));
      }
    }
  }

  async #applyBatch(entries: readonly StreamEntry[]): Promise<void> {
    const { mirror } = this.#options;
    for (const [id, fields] of entries) {
      const seq = seqOfStreamId(id);
      if (seq <= mirror.head) continue; // already applied (cannot happen with XREAD from our head; cheap to guard)
      if (seq !== mirror.head + 1) {
        // The entries between were trimmed before we read them: this process fell further behind
        // than the stream keeps. Its listeners cannot get them any more; reload and go on from there.
        await this.#resync(`the follower fell behind the stream cap (expected seq ${mirror.head + 1}, got ${seq})`);
        return;
      }
      const entry = entryFromStream(id, fields);
      const { candidateId, count } = entry.event;
      if (mirror.has(candidateId) && count !== mirror.count(candidateId) + 1) {
        // Every vote adds one to its candidate's count. One that does not continue ours belongs to another
        // history: Redis lost its data and a new history passed our head while the follower was blocked.
        await this.#resync(
          `seq ${seq} gives "${candidateId}" ${count} votes, not ${mirror.count(candidateId) + 1}: Redis lost its data and started over (run it with persistence)`,
        );
        return;
      }
      mirror.apply(entry);
      this.#events.applied(entry);
    }
    this.#events.caughtUp();
  }

  /**
   * Redis may have lost its data (restarted without persistence, flushed, keys deleted) and started a new
   * history. Two signs tell: the seq it hands out is below ours (XREAD from our head would wait forever),
   * or the new history already went past our head and holds another vote under our head's seq (XREAD
   * would splice the two histories together). Either way, reload instead, loudly, and tell the listeners.
   * Checked after every outage, before reading on, and whenever a blocking read comes back empty.
   */
  async #checkHistory(): Promise<void> {
    const { connection, keys, mirror } = this.#options;
    const head = mirror.head;
    const results = await connection.multi().get(keys.seq).xrange(keys.events, streamIdOf(head), streamIdOf(head)).exec();
    // Stryker disable next-line StringLiteral: exec() answers null only for a transaction whose WATCH failed, and this one watches nothing
    if (results === null) throw new Error('the transaction that checks the feed history was aborted');
    for (const [error] of results) if (error !== null) throw error;
    const shared = Number((results[0]?.[1] as string | null) ?? 0);
    if (shared < head) {
      await this.#resync(`Redis has seq ${shared}, below this process's ${head}: it lost its data (run it with persistence)`);
      return;
    }
    const [atHead] = (results[1]?.[1] ?? []) as StreamEntry[];
    const applied = mirror.entryAt(head);
    if (atHead !== undefined && applied !== undefined && entryFromStream(...atHead).json !== applied.json) {
      await this.#resync(
        `Redis holds another vote under seq ${head} than the one this process applied: it lost its data and took new votes since (run it with persistence)`,
      );
    }
  }

  /** Reloads the mirror from Redis; the mirror tells the reset listeners (every transport's clients get a snapshot). */
  async #resync(reason: string): Promise<void> {
    const { connection, keys, mirror, url, logSize, logger } = this.#options;
    logger.error(`Redis feed: ${reason}; reloading counts and the recent log from ${url}; every subscriber gets a fresh snapshot`);
    mirror.load(await loadSharedState(connection, keys, logSize));
    this.#events.reloaded();
  }
}

/**
 * Counts, seq and the newest `logSize` entries in one MULTI, so they describe the same moment (a vote
 * script cannot run in between). The entries kept are the contiguous run ending at the head, because
 * EventLog answers resumes by offset and must not hold holes.
 */
export async function loadSharedState(redis: RedisClient, keys: RedisKeys, logSize: number): Promise<SharedState> {
  const results = await redis.multi().hgetall(keys.counts).get(keys.seq).xrevrange(keys.events, '+', '-', 'COUNT', logSize).exec();
  // Stryker disable next-line StringLiteral: exec() answers null only for a transaction whose WATCH failed, and this one watches nothing
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
