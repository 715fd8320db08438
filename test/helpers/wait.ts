export interface WaitOptions {
  /** @default 5000 */
  timeoutMs?: number;
  /** Named in the timeout error; a function is asked at the deadline, so it can tell the state things were in. */
  what?: string | (() => string);
  /** Treat a check that throws as "not yet" (its last error goes into the timeout message). @default false */
  retryOnError?: boolean;
  /** @default 10 */
  intervalMs?: number;
}

/** Waits until `check` returns something other than undefined, or throws after the timeout. */
export async function waitUntil<T>(check: () => T | undefined | Promise<T | undefined>, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 5000, what = 'condition', retryOnError = false, intervalMs = 10 } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
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
