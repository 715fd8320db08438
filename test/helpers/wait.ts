/**
 * The one way a test waits for something to happen: poll a check until it holds.
 *
 * Not vitest's `vi.waitFor`/`expect.poll`: those treat any value as "done" (so `() => sub.snapshots[0]`
 * would return undefined at once) and always retry a check that throws. Here "not yet" is `undefined`
 * or `false`, a thrown error fails the wait at once unless `retryOnError` says the check may throw while
 * things start, and the timeout message can describe the state things were in at the deadline.
 */

export interface WaitOptions {
  /** @default 5000 */
  timeoutMs?: number;
  /** Treat a check that throws as "not yet" (its last error goes into the timeout message). @default false */
  retryOnError?: boolean;
  /** @default 10 */
  intervalMs?: number;
}

/** What a check returns while it does not hold yet. */
type NotYet = undefined | false;

/**
 * Waits until `check` returns something other than `undefined` or `false`, and returns that; throws after
 * the timeout, naming `what` (a function is asked at the deadline, so it can tell the state things were in).
 */
export async function waitFor<T>(what: string | (() => string), check: () => T | Promise<T>, options: WaitOptions = {}): Promise<Exclude<T, NotYet>> {
  const { timeoutMs = 5000, retryOnError = false, intervalMs = 10 } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as Exclude<T, NotYet>;
    } catch (error) {
      if (!retryOnError) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError === undefined ? '' : ` (last error: ${(lastError as Error).message})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
