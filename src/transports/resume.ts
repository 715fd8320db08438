import type { Feed, Resume } from '../feed/feed.ts';

/*
 * Resuming a client from its cursor, `since`, the same way on every transport that keeps one
 * (WebSocket and SSE when they open, the long poll on every poll), in two steps:
 *
 * 1. `await catchUpTo(feed, since)`: with a shared feed the client may hold a seq another process
 *    accepted a moment ago; this waits (briefly, at most) until this process has seen it too.
 * 2. `resumeFrom(feed, since)`, then send what it returns and subscribe (or park), all in one tick:
 *    the feed's reads are synchronous, so no event can fall between what was sent and what follows.
 */

/**
 * Waits until this process's feed has seen `since`, when a client holds a seq another process of a
 * shared feed accepted a moment ago. Returns at once otherwise (and always for the memory feed).
 */
export async function catchUpTo(feed: Feed, since: number | undefined): Promise<void> {
  if (isAheadOf(feed, since)) await feed.catchUp?.(since);
}

/** True when a client holds a seq this process's feed has not seen yet (see catchUpTo). */
export function isAheadOf(feed: Feed, since: number | undefined): since is number {
  return since !== undefined && since > feed.head();
}

/**
 * What a client holding `since` gets first: the events after it, or the snapshot when it holds no cursor
 * yet, or one the log no longer reaches back to, or one ahead of the feed (from before it started over).
 */
export function resumeFrom(feed: Feed, since: number | undefined): Resume {
  return since === undefined ? { kind: 'snapshot', snapshot: feed.snapshot() } : feed.resume(since);
}
