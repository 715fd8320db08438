import { makeEntry } from './feed-entry.ts';
import { voteIdKey } from './recent-votes.ts';
import type { FeedEntry } from './types.ts';

/**
 * How the shared feed is laid out in Redis. Every key of a feed starts with its prefix in braces,
 * `{<prefix>}`, a Redis Cluster hash tag: a cluster hashes only the part inside the first braces, so all
 * keys of one feed land in one slot, as the vote script (several keys in one step) and the MULTI that
 * loads the feed require. On a single Redis the braces are just part of the names.
 *
 * - `{<prefix>}counts`  hash: candidateId -> count
 * - `{<prefix>}seq`     string: the latest seq handed out
 * - `{<prefix>}events`  stream, capped: one entry per vote, its ID is `<seq>-0`
 *
 * The stream ID *is* the seq, so stream order is seq order, a follower resumes from "the last seq I
 * applied" with no lookup, and a reader can tell a gap (trimmed entries) from a contiguous read.
 * `redisKeys` is the one place that names keys: a key added there lands under the same hash tag.
 *
 * Beside them, short-lived keys under the same hash tag:
 *
 * - `{<prefix>}vote:<user>:<voteId>`  hash, expiring after the voteId window: the fields of the vote
 *   (seq `s`, candidate `c`, count `n`, votedAt `t`), so a repeat gets the original event back even
 *   once the stream no longer holds it
 * - `{<prefix>}vote-limit:…`  the shared vote limit's counters (@fastify/rate-limit's Redis store)
 */
export interface RedisKeys {
  readonly counts: string;
  readonly seq: string;
  readonly events: string;
  /** The key that remembers one user's voteId. */
  vote(userId: string, voteId: string): string;
  /** The prefix of the vote limit's keys. */
  readonly voteLimit: string;
}

export const DEFAULT_KEY_PREFIX = 'votewire:';

/** The start of every key of the feed under `prefix`: the prefix as a hash tag (see above). */
export function keyBase(prefix: string): string {
  // Empty braces are no hash tag: the cluster would hash each whole key, to different slots.
  if (prefix.length === 0) throw new RangeError('the Redis key prefix must not be empty');
  return `{${prefix}}`;
}

export function redisKeys(keyPrefix: string): RedisKeys {
  const prefix = keyBase(keyPrefix);
  return {
    counts: `${prefix}counts`,
    seq: `${prefix}seq`,
    events: `${prefix}events`,
    vote: (userId, voteId) => `${prefix}vote:${voteIdKey(userId, voteId)}`,
    voteLimit: `${prefix}vote-limit:`,
  };
}

/** A SCAN MATCH pattern for every key of the feed under `prefix` (glob characters in it escaped). */
export function keyPattern(prefix: string): string {
  return `${keyBase(prefix).replace(/[*?[\]\\]/g, '\\$&')}*`;
}

/**
 * One vote as one atomic step. Redis runs a script without interleaving any other command, so the
 * count, the seq, the log entry and the voteId's record can never disagree, whichever process sent the
 * vote, and two tries with one voteId cannot both count, even when they reach two processes at once.
 *
 * A repeated voteId (its key still there) returns the original vote's fields and writes nothing.
 * The XADD comes before any write on purpose: Redis does not roll back a script that fails half way,
 * and XADD is the step that can fail (an ID not above the stream's top means the seq key was tampered
 * with). Failing there leaves the counts and the seq untouched. (A voteId key of the wrong type fails
 * the HMGET, before anything is written.)
 *
 * KEYS: counts, seq, events, and the voteId's key when there is a voteId.
 * ARGV: candidateId, votedAt (ms, as text), stream cap, voteId window (ms), and the voteId when there is one.
 * Returns { seq, count, votedAt (as text), candidateId, replayed (1 for a repeated voteId, else 0) }.
 */
export const VOTE_SCRIPT = `
if KEYS[4] then
  local earlier = redis.call('HMGET', KEYS[4], 's', 'c', 'n', 't')
  if earlier[1] then
    return { tonumber(earlier[1]), tonumber(earlier[3]), earlier[4], earlier[2], 1 }
  end
end
local count = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') + 1
local seq = tonumber(redis.call('GET', KEYS[2]) or '0') + 1
local countText = string.format('%d', count)
local seqText = string.format('%d', seq)
if ARGV[5] then
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], seqText .. '-0', 'c', ARGV[1], 'n', countText, 't', ARGV[2], 'v', ARGV[5])
else
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], seqText .. '-0', 'c', ARGV[1], 'n', countText, 't', ARGV[2])
end
redis.call('HSET', KEYS[1], ARGV[1], countText)
redis.call('SET', KEYS[2], seqText)
if KEYS[4] then
  redis.call('HSET', KEYS[4], 's', seqText, 'c', ARGV[1], 'n', countText, 't', ARGV[2])
  redis.call('PEXPIRE', KEYS[4], ARGV[4])
end
return { seq, count, ARGV[2], ARGV[1], 0 }
`;

/** The stream ID of a seq: the seq in the milliseconds part, 0 in the sequence part. */
export function streamIdOf(seq: number): string {
  return `${seq}-0`;
}

/** The seq a stream ID stands for (see `streamIdOf`). */
export function seqOfStreamId(id: string): number {
  const dash = id.indexOf('-');
  return Number(dash === -1 ? id : id.slice(0, dash));
}

/** Field names of a stream entry, short because every entry carries them. */
const FIELD = { candidateId: 'c', count: 'n', votedAt: 't', voteId: 'v' } as const;

/** Decodes one stream entry (`[id, [field, value, ...]]` as XREAD and XRANGE return it). */
export function entryFromStream(id: string, fields: readonly string[]): FeedEntry {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i]!, fields[i + 1]!);
  const candidateId = values.get(FIELD.candidateId);
  const count = Number(values.get(FIELD.count));
  const votedAt = Number(values.get(FIELD.votedAt));
  if (candidateId === undefined || !Number.isFinite(count) || !Number.isFinite(votedAt)) {
    throw new Error(`stream entry ${id} is not a vote: ${JSON.stringify(fields)}`);
  }
  return makeEntry(seqOfStreamId(id), candidateId, count, votedAt, values.get(FIELD.voteId));
}

/** A stream entry as ioredis returns it. */
export type StreamEntry = [id: string, fields: string[]];
