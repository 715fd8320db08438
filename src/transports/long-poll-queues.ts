/**
 * The per-user long-poll queues, without HTTP.
 *
 * A queue belongs to one (user, client id) pair, so two tabs of one person each get every event.
 * It does not copy events: the feed's log already holds them in order, so a queue is a cursor into
 * that log (the last seq it handed out) plus at most one parked request. Its depth is how far the log
 * has run ahead of the cursor. The cursor is only this server's memory of the client: the `since` of
 * each poll is the client's truth and wins, so a queue that fell far behind (or was removed, or lives
 * on another process) costs nothing as long as `since` is still in the log.
 *
 * Queues are bounded per user (`maxPerUser`) and in total (`maxQueues`), since sessions cost nothing to
 * make. Losing a queue loses no event: every poll carries its client's `since`, and a poll without a
 * queue simply makes a new one from it.
 */

/** A long-poll answer ready to write to any number of responses: raw header list and body bytes. */
export interface PreparedAnswer {
  headers: string[];
  body: Buffer;
  /** Vote events in the body (0 for a snapshot). */
  events: number;
  /** The seq the client holds once it has this answer. */
  cursor: number;
}

/** A parked request, answered exactly once with a prepared answer, or with nothing (204). */
export interface ParkedPoll {
  answer(answer: PreparedAnswer | null): void;
}

export class PollQueue {
  readonly userId: string;
  readonly clientId: string;
  /** The last seq handed to this queue's client. */
  cursor: number;
  /** The feed history (see `PollQueues.startOver`) the cursor belongs to. */
  history: number;
  lastSeen: number;
  parked: ParkedPoll | undefined;

  constructor(userId: string, clientId: string, cursor: number, history: number, now: number) {
    this.userId = userId;
    this.clientId = clientId;
    this.cursor = cursor;
    this.history = history;
    this.lastSeen = now;
  }
}

export interface PollQueuesOptions {
  /** Most events in one answer; a client further behind gets the rest on its next poll. @default 500 */
  maxDepth: number;
  /** A queue with no poll for this long (and none parked) is removed. @default 60000 */
  idleMs: number;
  /** Queues one user may hold; a new one beyond it replaces the user's least recently polled. @default 32 */
  maxPerUser: number;
  /**
   * Queues of all users together, 0 = no cap. A new one beyond it replaces the queue idle the longest
   * (nothing parked on it); when every queue has a poll parked, the longest parked one is answered
   * 204 and replaced. @default 50000
   */
  maxQueues: number;
}

export class PollQueues {
  /**
   * Each user's queues by client id: a poll finds its queue by the user id of its session (the same string
   * every time, so its hash is computed once) and then its tab's id, among that user's few.
   */
  readonly #byUser = new Map<string, Map<string, PollQueue>>();
  #size = 0;
  /** Queues with a poll parked, longest parked first. */
  readonly #parked = new Set<PollQueue>();
  /** Queues without a poll parked, idle the longest first: the first to go when the total cap is reached. */
  readonly #idle = new Set<PollQueue>();
  readonly #options: PollQueuesOptions;
  /** Bumped when the feed started over: a queue from an older history holds cursors of events that are gone. */
  #history = 0;
  /** Polls answered with a snapshot because their `since` had fallen out of the feed's log, since start. */
  resets = 0;

  constructor(options: PollQueuesOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#size;
  }

  get parkedCount(): number {
    return this.#parked.size;
  }

  /** The queue of this user's tab, made on first use with the client's own cursor. */
  touch(userId: string, clientId: string, since: number, now: number): PollQueue {
    let own = this.#byUser.get(userId);
    let queue = own?.get(clientId);
    if (queue === undefined) {
      // One user (or a hostile script inventing client ids) stays within maxPerUser.
      if (own !== undefined && own.size >= this.#options.maxPerUser) this.#evict(leastRecentlyPolled(own.values()));
      if (this.#options.maxQueues > 0 && this.#size >= this.#options.maxQueues) this.#evictForRoom();
      // Looked up again: an eviction above may have removed the user's last queue, and the map with it.
      own = this.#byUser.get(userId);
      if (own === undefined) {
        own = new Map();
        this.#byUser.set(userId, own);
      }
      queue = new PollQueue(userId, clientId, since, this.#history, now);
      own.set(clientId, queue);
      this.#size++;
      this.#idle.add(queue);
    } else if (queue.parked === undefined) {
      // Polled again: to the back of the idle order.
      this.#idle.delete(queue);
      this.#idle.add(queue);
    }
    queue.lastSeen = now;
    return queue;
  }

  /** The total cap is reached: the queue idle the longest goes, or, if every queue waits, the longest parked. */
  #evictForRoom(): void {
    const victim = first(this.#idle) ?? first(this.#parked);
    // Stryker disable next-line ConditionalExpression: #evict returns at once for undefined
    if (victim !== undefined) this.#evict(victim);
  }

  #evict(queue: PollQueue | undefined): void {
    if (queue === undefined) return;
    const parked = queue.parked;
    if (parked !== undefined) this.unpark(queue, parked);
    this.#remove(queue);
    // Answered after removal: its client's next poll makes a fresh queue from its own `since`.
    parked?.answer(null);
  }

  #remove(queue: PollQueue): void {
    // Only queues found in the maps get here (the idle sweep, an eviction), once each.
    const own = this.#byUser.get(queue.userId)!;
    own.delete(queue.clientId);
    this.#size--;
    // Stryker disable next-line ConditionalExpression: an empty map kept for a user counts the same as none; only memory differs
    if (own.size === 0) this.#byUser.delete(queue.userId);
    this.#idle.delete(queue);
    // Stryker disable next-line CallExpression: only queues with no poll parked get here (sweep takes idle ones, #evict unparks first)
    this.#parked.delete(queue);
  }

  /** Most events one answer may carry. */
  get maxEventsPerAnswer(): number {
    return this.#options.maxDepth;
  }

  /**
   * The feed started over (its store lost its data, or this process had to reload it): every seq a
   * client holds may now name a different event. Each queue's next poll gets a snapshot, whatever its
   * `since`; the caller answers the parked ones with a snapshot at once.
   */
  startOver(): void {
    // Stryker disable next-line UpdateOperator: histories are only compared for equality, and counting down never repeats one either
    this.#history++;
  }

  /** True when the feed started over since this queue's last answer. */
  isStale(queue: PollQueue): boolean {
    return queue.history !== this.#history;
  }

  /** Records what the queue's client holds after an answer. */
  answered(queue: PollQueue, cursor: number): void {
    queue.cursor = cursor;
    queue.history = this.#history;
  }

  /** Parks a request on the queue. A request parked there before is returned so the caller answers it. */
  park(queue: PollQueue, poll: ParkedPoll): ParkedPoll | undefined {
    const older = queue.parked;
    queue.parked = poll;
    this.#idle.delete(queue);
    this.#parked.delete(queue);
    this.#parked.add(queue);
    return older;
  }

  /** Takes a parked request off its queue (answered, timed out, or its client went away). */
  unpark(queue: PollQueue, poll: ParkedPoll): boolean {
    if (queue.parked !== poll) return false;
    queue.parked = undefined;
    this.#parked.delete(queue);
    this.#idle.add(queue);
    return true;
  }

  /** Every parked request with its queue, all unparked at once (the caller answers each). */
  takeParked(): [PollQueue, ParkedPoll][] {
    const taken: [PollQueue, ParkedPoll][] = [];
    for (const queue of this.#parked) {
      if (queue.parked !== undefined) taken.push([queue, queue.parked]);
      queue.parked = undefined;
      this.#idle.add(queue);
    }
    this.#parked.clear();
    return taken;
  }

  /** Removes queues nobody polled for `idleMs`; returns how many went. */
  sweep(now: number): number {
    let removed = 0;
    for (const queue of this.#idle) {
      if (now - queue.lastSeen >= this.#options.idleMs) {
        this.#remove(queue);
        removed++;
      }
    }
    return removed;
  }

  /** Events waiting in all queues that are not parked (a parked queue is empty by definition). */
  depth(head: number): number {
    let total = 0;
    for (const own of this.#byUser.values()) {
      for (const queue of own.values()) {
        if (queue.parked === undefined) total += Math.min(Math.max(head - queue.cursor, 0), this.#options.maxDepth);
      }
    }
    return total;
  }
}

function leastRecentlyPolled(queues: Iterable<PollQueue>): PollQueue | undefined {
  let oldest: PollQueue | undefined;
  // Stryker disable next-line EqualityOperator: queues polled in the same millisecond are equally least recent
  for (const queue of queues) if (oldest === undefined || queue.lastSeen < oldest.lastSeen) oldest = queue;
  return oldest;
}

function first<T>(set: Set<T>): T | undefined {
  return set.values().next().value;
}
